import Hummingbird

/// The admin API's guard: `Authorization: Bearer <admin token>`, compared in constant time.
/// The events API has the same guard with its own token.
struct AdminAuthMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    let token: String
    /// What the refusal says when the token is not set.
    var off = "the admin API is off: set PUSHCOMPOSE_ADMIN_TOKEN"

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard !token.isEmpty else {
            throw CloudFunctionError(status: .forbidden, code: 403, message: off)
        }
        guard let header = request.headers[.authorization], let given = Self.bearerToken(header),
              ConstantTime.equals(given, token)
        else {
            throw CloudFunctionError(status: .unauthorized, code: 401, message: "Unauthorized.")
        }
        return try await next(request, context)
    }

    /// The credentials of a `Bearer` authorization; the scheme's case does not matter (RFC 9110).
    static func bearerToken(_ header: String) -> Substring? {
        let scheme = header.prefix { $0 != " " }
        guard scheme.lowercased() == "bearer" else { return nil }
        let credentials = header.dropFirst(scheme.count).drop { $0 == " " }
        guard !credentials.isEmpty, !credentials.contains(" ") else { return nil }
        return credentials
    }
}
