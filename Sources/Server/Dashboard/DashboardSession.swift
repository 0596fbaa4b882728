import Foundation

/// A signed-in dashboard: the cookie's value, the CSRF token the page sends back with
/// every request, and when it ends.
struct DashboardSession: Sendable {
    /// `<expiry seconds>.<nonce hex>.<mac hex>`: only cookie-safe characters.
    var cookieValue: String
    var nonce: String
    var csrf: String
    var expiresAt: Date
}
