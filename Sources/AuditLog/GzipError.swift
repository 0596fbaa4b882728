/// zlib refused or failed: which step, with its code and message.
public struct GzipError: Error, CustomStringConvertible {
    public var description: String
    init(_ step: String, code: Int32, message: UnsafePointer<CChar>?) {
        description = "gzip \(step) failed (zlib \(code)\(message.map { ": " + String(cString: $0) } ?? ""))"
    }
}
