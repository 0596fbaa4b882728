/// What one template file may hold: far more than any real template needs, little enough
/// that loading a hostile file cannot stall or exhaust the service.
public enum TemplateLimits {
    /// Larger files are refused unread.
    public static let maxFileBytes = 256 * 1024
    /// Tags (`{{…}}`) in one Mustache string: swift-mustache's compile time grows with the
    /// square of their number.
    public static let maxTagsPerText = 2_000

    static let fileTooLarge = "the file is larger than \(maxFileBytes) bytes (256 KiB), the limit for a template file"
}
