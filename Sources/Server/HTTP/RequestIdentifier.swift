import HTTPTypes
import Hummingbird

/// The id an error answer and its log line share: the caller's own `X-Request-Id` when it is
/// a plain token (so ids can be followed across services), else the one the server made.
enum RequestIdentifier {
    static let header = HTTPField.Name("X-Request-Id")!
    static let maxLength = 128

    static func of(_ request: Request, _ context: some RequestContext) -> String {
        if let given = request.headers[header], isPlainToken(given) { return given }
        // The id Hummingbird put in the request's logger, so its own lines match.
        return context.logger[metadataKey: "hb.request.id"]?.description ?? RequestID().description
    }

    /// Letters, digits and `-_.:` only, so that an id can neither forge log lines nor headers.
    static func isPlainToken(_ text: String) -> Bool {
        (1...maxLength).contains(text.utf8.count) && text.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: ":"):
                return true
            default:
                return false
            }
        }
    }
}
