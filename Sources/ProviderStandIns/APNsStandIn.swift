import Crypto
import Foundation
import NIOCore
import NIOHTTP2
import NIOPosix
import NIOSSL

/// A local APNs: TLS (ALPN "h2") and HTTP/2 on 127.0.0.1, checking each request as APNs
/// does (provider token, headers, payload) and answering as scripted.
public final class APNsStandIn: Sendable {
    /// Concurrent streams the stand-in allows per connection, as APNs advertises.
    static let maxConcurrentStreams = 1000

    private let exchange: APNsExchange
    private let group: MultiThreadedEventLoopGroup
    private let listener: Channel
    /// The port it listens on.
    public let port: Int

    /// "https://localhost:<port>": the name the certificate is for.
    public var baseURL: String { "https://localhost:\(port)" }

    private init(exchange: APNsExchange, group: MultiThreadedEventLoopGroup, listener: Channel, port: Int) {
        self.exchange = exchange
        self.group = group
        self.listener = listener
        self.port = port
    }

    /// Starts on 127.0.0.1 at a free port, with a certificate signed by `authority`.
    /// Each request's provider token must be an ES256 JWT that `publicKey` verifies, with
    /// `kid` == `keyId` and `iss` == `teamId`. `topic`: the `apns-topic` expected (nil:
    /// any non-empty topic). `recording: false` keeps only counts, for benchmarks.
    /// `threads`: event loops serving the connections. `answerDelay`: each answer waits
    /// a random time in this range (a slow APNs, so that a test finds requests in flight).
    public static func start(
        authority: TestCertificateAuthority, keyId: String, teamId: String, publicKey: P256.Signing.PublicKey,
        topic: String?, recording: Bool = true, threads: Int = 1, answerDelay: ClosedRange<Duration>? = nil
    ) async throws -> APNsStandIn {
        let check = APNsRequestCheck(
            topic: topic, providerTokens: APNsProviderTokenVerifier(keyId: keyId, teamId: teamId, publicKey: publicKey))
        let exchange = APNsExchange(check: check, recording: recording, answerDelay: answerDelay)
        let tls = try NIOSSLContext(configuration: authority.serverTLSConfiguration(applicationProtocols: ["h2"]))
        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        let connectionConfiguration = connectionConfiguration()
        do {
            let listener = try await ServerBootstrap(group: group)
                .serverChannelOption(.backlog, value: 256)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                .childChannelInitializer { channel in
                    let connection = exchange.acceptConnection()
                    return channel.eventLoop.makeCompletedFuture {
                        let pipeline = channel.pipeline.syncOperations
                        try pipeline.addHandler(NIOSSLServerHandler(context: tls))
                        _ = try pipeline.configureHTTP2Pipeline(
                            mode: .server, connectionConfiguration: connectionConfiguration, streamConfiguration: .init()
                        ) { stream in
                            stream.eventLoop.makeCompletedFuture {
                                try stream.pipeline.syncOperations.addHandler(APNsStreamHandler(exchange: exchange, connection: connection))
                            }
                        }
                    }
                }
                .bind(host: "127.0.0.1", port: 0).get()
            return APNsStandIn(exchange: exchange, group: group, listener: listener, port: listener.localAddress?.port ?? 0)
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
    }

    private static func connectionConfiguration() -> NIOHTTP2Handler.ConnectionConfiguration {
        var configuration = NIOHTTP2Handler.ConnectionConfiguration()
        configuration.initialSettings = nioDefaultSettings.filter { $0.parameter != .maxConcurrentStreams }
        configuration.initialSettings.append(HTTP2Setting(parameter: .maxConcurrentStreams, value: maxConcurrentStreams))
        // A thousand streams' payloads in flight would stall on the 64 KiB default window.
        configuration.targetWindowSize = 1 << 20
        return configuration
    }

    /// Answers for that device token's next requests that pass the checks, in order; then success.
    public func script(token: String, _ answers: [Answer]) { exchange.script(token: token, answers) }

    /// Answers for the next requests to any token; a token's own script comes first.
    public func scriptAll(_ answers: [Answer]) { exchange.scriptAll(answers) }

    /// From now on, a provider token issued before `cutoff` gets 403 ExpiredProviderToken.
    public func expireTokens(issuedBefore cutoff: Date) { exchange.expireTokens(issuedBefore: cutoff) }

    /// Every request so far, in arrival order (empty when not recording).
    public var received: [Received] { exchange.received }
    /// Requests so far, also when not recording.
    public var requestCount: Int { exchange.arrivals.count }
    /// Requests answered with 200 (a hung request counts once released).
    public var answeredOK: Int { exchange.answeredOK }
    /// TCP connections accepted.
    public var connectionsAccepted: Int { exchange.connectionsAccepted }
    /// Distinct provider tokens seen (each is verified once, so a sender that reuses its
    /// token keeps this small). Counts again after 10,000 distinct tokens.
    public var providerTokensSeen: Int { exchange.check.providerTokens.tokensVerified }

    /// True once `count` requests have arrived; false if `timeout` passes first.
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
