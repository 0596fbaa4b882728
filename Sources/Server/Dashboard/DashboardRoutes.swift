import HTTPTypes
import Foundation
import Hummingbird
import PushCompose

/// The dashboard: its page and assets under `/dashboard`, and the session it signs in
/// with (`/dashboard/api/session`), and `GET /v1/overview`, its first page's numbers. The page reads and acts through the admin API, which
/// takes the session cookie together with its CSRF header in place of the bearer token.
struct DashboardRoutes: Sendable {
    let assets: DashboardAssets
    let access: AdminAccess
    let history: MetricsHistory
    let instance: String

    func register(on router: Router<BasicRequestContext>) {
        router.group("v1").add(middleware: AdminAuthMiddleware(access: access)).get("overview") { request, _ in
            _ = try AdminQuery(request, allowed: [])
            return AdminRoutes.json(history.overview(now: await history.takeNow(), instance: instance))
        }
        let dashboard = router.group("dashboard").add(middleware: DashboardHeadersMiddleware())
        // The router sees `/dashboard` and `/dashboard/` as one path; the page's relative
        // links need the slash.
        dashboard.get("") { request, _ in
            if !request.uri.path.hasSuffix("/") {
                return Response(status: .found, headers: [.location: "/dashboard/"])
            }
            return try file("index.html")
        }
        dashboard.get("assets/{file}") { _, context in
            try file(try context.parameters.require("file"))
        }
        dashboard.get("api/session") { request, _ in
            guard let sessions = try sessions(), let session = AdminAuthMiddleware.session(of: request, in: sessions, requireCSRF: false) else {
                return JSONResponse.make(status: .unauthorized, body: #"{"signedIn":false}"#)
            }
            return Self.json(session)
        }
        dashboard.post("api/session") { request, _ in
            guard let sessions = try sessions() else { throw AdminAuthMiddleware.unauthorized }
            if request.headers[HTTPField.Name("Sec-Fetch-Site")!] == "cross-site" { throw AdminAuthMiddleware.unauthorized }
            let body = try AdminBody(try await request.collectBody(upTo: 4096).readableBytesView)
            try body.refuseUnknownMembers(["token"])
            guard let given = try body.string("token"), ConstantTime.equals(given, access.token) else {
                throw CloudFunctionError(status: .unauthorized, code: 401, message: "That is not the admin token.")
            }
            let session = sessions.issue(now: Date())
            var response = Self.json(session)
            response.setCookie(
                Cookie(
                    name: DashboardSessions.cookieName, value: session.cookieValue, maxAge: Int(sessions.lifetime), path: "/",
                    secure: request.headers[HTTPField.Name("X-Forwarded-Proto")!] == "https", httpOnly: true, sameSite: .strict))
            return response
        }
        dashboard.delete("api/session") { request, _ in
            guard let sessions = try sessions(), let session = AdminAuthMiddleware.session(of: request, in: sessions, requireCSRF: true) else {
                throw AdminAuthMiddleware.unauthorized
            }
            sessions.signOut(session, now: Date())
            var response = Response(status: .noContent)
            response.setCookie(Cookie(name: DashboardSessions.cookieName, value: "", maxAge: 0, path: "/", httpOnly: true, sameSite: .strict))
            return response
        }
    }

    /// The sessions, or 403 when the admin API (and with it the dashboard) is off.
    private func sessions() throws -> DashboardSessions? {
        guard let sessions = access.sessions else {
            throw CloudFunctionError(status: .forbidden, code: 403, message: "the dashboard is off: set PUSHCOMPOSE_ADMIN_TOKEN")
        }
        return sessions
    }

    private func file(_ name: String) throws -> Response {
        guard let asset = assets.files[name] else { throw AdminError.notFound("no dashboard file '\(name)'") }
        return Response(status: .ok, headers: [.contentType: asset.contentType], body: ResponseBody(byteBuffer: asset.body))
    }

    private static func json(_ session: DashboardSession) -> Response {
        AdminRoutes.json(.object([
            (key: "signedIn", value: .bool(true)),
            (key: "csrf", value: .string(session.csrf)),
            (key: "expiresAt", value: .string(UTCTimestamp.iso8601(session.expiresAt))),
        ]))
    }
}
