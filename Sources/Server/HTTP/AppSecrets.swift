/// The four secrets of docs/hook-protocol.md, "Who may call".
struct AppSecrets: Sendable, Equatable {
    var appId: String
    var appKey: String
    var masterKey: String
    var hookKey: String
}

/// How a request proved who it is.
enum Caller: Equatable {
    /// No secrets are configured: every request is admitted (loopback only).
    case unsecured
    case app
    case master
}
