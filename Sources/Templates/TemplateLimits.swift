/// What one template file may hold: far more than any real template needs, little enough
/// that loading a hostile file cannot stall or exhaust the service.
public enum TemplateLimits {
    /// Template files in a directory, each loaded and checked on every reload.
    public static let maxFiles = 200
    /// Larger files are refused unread.
    public static let maxFileBytes = 256 * 1024
    /// Mustache tags (`{{…}}`) in all the strings of one file: swift-mustache's compile
    /// time grows with the square of a string's tags.
    public static let maxTags = 2_000
    /// Mustache sections nested in one another: compiling and rendering recurse once per
    /// level, on the stack of whichever thread runs them (hooks render on the pool's).
    public static let maxSectionDepth = 32
    /// Locales of one template, and payload values (strings, numbers, lists, objects) in
    /// all the payload blocks of one file: every locale's payload is merged with the
    /// default language's at load and rendered for every message kind, so the load costs
    /// their product (400 values and 100 locales: about a second on one core).
    public static let maxLocales = 100
    public static let maxPayloadValues = 500

    static let fileTooLarge = "the file is larger than \(maxFileBytes) bytes (256 KiB), the limit for a template file"
}
