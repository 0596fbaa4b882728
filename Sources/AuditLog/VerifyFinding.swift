/// The first place where a stream's hash chain does not hold: what is wrong, where
/// (file and line as they are now), and in words.
public struct VerifyFinding: Sendable, Equatable {
    public enum Kind: String, Sendable {
        /// A record's bytes changed after it was sealed: its `mac` is not its own.
        case edited
        /// A record that does not belong: the records around it link to each other, it is
        /// a copy of an earlier one, or it carries no seal among sealed records.
        case inserted
        /// Records out of their written order.
        case reordered
        /// Records deleted: a link points at a record that is not there (a deleted line or
        /// file, a file cut short, or history before the oldest file).
        case missing
        /// A line cut short that is not the stream's last (a file cut inside a line).
        case torn
        /// A file that could not be read (a damaged compressed file).
        case unreadable
    }

    public var kind: Kind
    public var file: String
    /// From 1.
    public var line: Int
    public var message: String

    public init(kind: Kind, file: String, line: Int, message: String) {
        self.kind = kind
        self.file = file
        self.line = line
        self.message = message
    }
}
