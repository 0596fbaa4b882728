import HTTPTypes
import Foundation
import Hummingbird

/// The admin API's guard: `Authorization: Bearer <admin token>`, compared in constant time,
/// or a dashboard session: its cookie and, on every request, its CSRF token in a header
/// that no page of another origin can set. The events API has the same guard with its
/// own token and no sessions.
struct AdminAuthMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    let token: String
    let sessions: DashboardSessions?
    /// What the refusal says when the token is not set.
    var off = "the admin API is off: set PUSHCOMPOSE_ADMIN_TOKEN"

    init(access: AdminAccess) {
        token = access.token
        sessions = access.sessions
    }

    init(token: String, off: String) {
        self.token = token
        sessions = nil
        self.off = off
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard !token.isEmpty else {
            throw CloudFunctionError(status: .forbidden, code: 403, message: off)
        }
        if let header = request.headers[.authorization] {
            guard let given = Self.bearerToken(header), ConstantTime.equals(given, token) else { throw Self.unauthorized }
            return try await next(request, context)
        }
        guard let sessions, Self.session(of: request, in: sessions, requireCSRF: true) != nil else { throw Self.unauthorized }
        return try await next(request, context)
    }

    static let unauthorized = CloudFunctionError(status: .unauthorized, code: 401, message: "Unauthorized.")

    /// The request's dashboard session, if its cookie is valid and, when asked, the CSRF
    /// header matches it. A browser's request from another site is refused outright.
    static func session(of request: Request, in sessions: DashboardSessions, requireCSRF: Bool) -> DashboardSession? {
        if request.headers[HTTPField.Name("Sec-Fetch-Site")!] == "cross-site" { return nil }
        guard let cookie = request.cookies[DashboardSessions.cookieName]?.value,
              let session = sessions.session(cookie: cookie, now: Date())
        else { return nil }
        if requireCSRF {
            guard let given = request.headers[HTTPField.Name(DashboardSessions.csrfHeader)!], ConstantTime.equals(given, session.csrf) else { return nil }
        }
        return session
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
