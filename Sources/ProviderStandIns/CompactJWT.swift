import Foundation
import PushCompose

/// A JWT in compact form split into its parts, before any signature check.
struct CompactJWT {
    var header: JSONValue
    var claims: JSONValue
    var signature: [UInt8]
    /// `header.claims` as sent: the bytes the signature covers.
    var signingInput: Substring

    /// Splits and decodes `token`, or says why it is not a JWT.
    static func parse(_ token: String) -> Result<CompactJWT, JWTShapeError> {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else { return .failure(JWTShapeError("not three dot-separated parts")) }
        guard let headerBytes = Base64URL.decode(parts[0]), let header = try? JSONParser.parse(headerBytes),
            case .object = header
        else { return .failure(JWTShapeError("header is not base64url JSON object")) }
        guard let claimBytes = Base64URL.decode(parts[1]), let claims = try? JSONParser.parse(claimBytes),
            case .object = claims
        else { return .failure(JWTShapeError("claims are not a base64url JSON object")) }
        guard let signature = Base64URL.decode(parts[2]) else {
            return .failure(JWTShapeError("signature is not base64url"))
        }
        let signingInput = token[token.startIndex..<parts[1].endIndex]
        return .success(CompactJWT(header: header, claims: claims, signature: signature, signingInput: signingInput))
    }

    /// A numeric claim as a date (seconds since 1970), nil when absent or not a number.
    func date(_ claim: String) -> Date? {
        guard case .number(let seconds) = claims[claim] else { return nil }
        return Date(timeIntervalSince1970: seconds)
    }
}

/// Why a token is not a JWT at all.
struct JWTShapeError: Error {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Base64url without padding, as JWTs use it.
enum Base64URL {
    static func decode(_ text: Substring) -> [UInt8]? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        if base64.contains("=") { return nil }
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        return Data(base64Encoded: base64).map(Array.init)
    }
}
