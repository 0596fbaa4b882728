/// What a message is, from its `_lctype` (docs/hook-protocol.md, "_receiversOffline").
public enum MessageKind: Sendable, Hashable, CustomStringConvertible {
    /// Content that is not a typed message: plain text.
    case plain
    case text
    case image
    case audio
    case video
    case location
    case file
    case recalled
    /// A positive `_lctype`: the app's own type.
    case app(Int)
    /// A negative `_lctype` this protocol does not name.
    case unknown(Int)

    public init(typeCode: Int) {
        switch typeCode {
        case -1: self = .text
        case -2: self = .image
        case -3: self = .audio
        case -4: self = .video
        case -5: self = .location
        case -6: self = .file
        case -127: self = .recalled
        case let code where code > 0: self = .app(code)
        default: self = .unknown(typeCode)
        }
    }

    /// The name templates use for this kind (`match.kinds`, `placeholders`, `{{message.kind}}`).
    public var name: String {
        switch self {
        case .plain, .text: return "text"
        case .image: return "image"
        case .audio: return "audio"
        case .video: return "video"
        case .location: return "location"
        case .file: return "file"
        case .recalled: return "recalled"
        case .app: return "app"
        case .unknown: return "unknown"
        }
    }

    /// Every name a template may use for a kind.
    public static let names: Set<String> = ["text", "image", "audio", "video", "location", "file", "recalled", "app", "unknown"]

    /// Whether the receiver is shown the message's own text (otherwise a placeholder).
    public var showsText: Bool {
        switch self {
        case .plain, .text: return true
        default: return false
        }
    }

    public var description: String { name }
}
