import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import PushCompose
import _CryptoExtras

/// A local FCM HTTP v1: an OAuth2 token endpoint that verifies a service account's RS256
/// assertions, and the send endpoint, which checks the access token and the message and
/// answers as scripted. Plain HTTP/1.1 on 127.0.0.1.
public final class FCMStandIn: Sendable {
    private let exchange: FCMExchange
    private let group: MultiThreadedEventLoopGroup
    private let listener: Channel
    private let projectId: String
    private let clientEmail: String
    /// The port it listens on.
    public let port: Int

    /// "http://127.0.0.1:<port>": the base of the send endpoint.
    public var baseURL: String { "http://127.0.0.1:\(port)" }
    /// The token endpoint: `baseURL` + "/token".
    public var tokenURL: String { baseURL + "/token" }

    private init(exchange: FCMExchange, group: MultiThreadedEventLoopGroup, listener: Channel, projectId: String, clientEmail: String) {
        self.exchange = exchange
        self.group = group
        self.listener = listener
        self.projectId = projectId
        self.clientEmail = clientEmail
        self.port = listener.localAddress?.port ?? 0
    }

    /// Starts on 127.0.0.1 at a free port. Assertions must come from `clientEmail` and
    /// verify with `publicKey`; access tokens it issues are valid for `accessTokenLifetime`.
    public static func start(
        projectId: String, clientEmail: String, publicKey: _RSA.Signing.PublicKey, accessTokenLifetime: Duration = .seconds(3599)
    ) async throws -> FCMStandIn {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let check = FCMAssertionCheck(clientEmail: clientEmail, publicKey: publicKey)
        let exchange = FCMExchange(projectId: projectId, assertionCheck: check, accessTokenLifetime: accessTokenLifetime)
        do {
            let listener = try await ServerBootstrap(group: group)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let pipeline = channel.pipeline.syncOperations
                        try pipeline.configureHTTPServerPipeline(withErrorHandling: true)
                        try pipeline.addHandler(FCMRequestHandler(exchange: exchange))
                    }
                }
                .bind(host: "127.0.0.1", port: 0).get()
            return FCMStandIn(exchange: exchange, group: group, listener: listener, projectId: projectId, clientEmail: clientEmail)
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
    }

    /// A service-account JSON file's text as Google issues it, naming this stand-in's token
    /// URL. Google's keys are PKCS #8 PEM (`pkcs8PEMRepresentation`).
    public func serviceAccountJSON(privateKeyPEM: String) -> String {
        JSONEncoding.string(
            .object([
                ("type", .string("service_account")),
                ("project_id", .string(projectId)),
                ("private_key_id", .string("0123456789abcdef0123456789abcdef01234567")),
                ("private_key", .string(privateKeyPEM)),
                ("client_email", .string(clientEmail)),
                ("client_id", .string("100000000000000000001")),
                ("auth_uri", .string("https://accounts.google.com/o/oauth2/auth")),
                ("token_uri", .string(tokenURL)),
                ("auth_provider_x509_cert_url", .string("https://www.googleapis.com/oauth2/v1/certs")),
                ("client_x509_cert_url", .string("https://www.googleapis.com/robot/v1/metadata/x509/\(clientEmail)")),
                ("universe_domain", .string("googleapis.com")),
            ]))
    }

    /// Answers for that device token's next send requests that pass the checks, in order; then success.
    public func script(token: String, _ answers: [Answer]) { exchange.script(token: token, answers) }

    /// Answers for the next send requests to any token; a token's own script comes first.
    public func scriptAll(_ answers: [Answer]) { exchange.scriptAll(answers) }

    /// Every access token issued so far gets 401 UNAUTHENTICATED from now on.
    public func revokeAccessTokens() { exchange.revokeAccessTokens() }

    /// Every send request so far (token requests excluded), in arrival order.
    public var received: [Received] { exchange.received }
    /// Send requests so far.
    public var requestCount: Int { exchange.arrivals.count }
    /// Token requests so far, granted or not.
    public var tokenRequests: Int { exchange.tokenRequests }
    /// The problems of each refused token request, in order.
    public var tokenProblems: [[String]] { exchange.tokenProblems }

    /// True once `count` send requests have arrived; false if `timeout` passes first.
    public func waitForRequests(_ count: Int, timeout: Duration = .seconds(60)) async -> Bool {
        await exchange.arrivals.wait(for: count, timeout: timeout)
    }

    /// Answers every hung request with 200.
    public func releaseHung() { exchange.releaseHung() }

    /// Closes the listener and every connection.
    public func shutdown() async throws {
        try? await listener.close()
        try await group.shutdownGracefully()
    }
}
