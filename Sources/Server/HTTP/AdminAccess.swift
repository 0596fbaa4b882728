/// Who may use the admin API: a caller with the admin token as a bearer token, or a
/// dashboard signed in with it (a session cookie and its CSRF header).
struct AdminAccess: Sendable {
    /// Empty: the admin API is off.
    let token: String
    /// Nil when the admin API is off.
    let sessions: DashboardSessions?

    init(token: String) {
        self.token = token
        sessions = token.isEmpty ? nil : DashboardSessions(adminToken: token)
    }
}
