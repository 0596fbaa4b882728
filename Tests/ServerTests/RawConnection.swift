import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A plain TCP connection to a test server: sends bytes exactly as given (malformed,
/// trickled, half-closed) and reads raw HTTP/1.1 responses back.
final class RawConnection {
    let channel: any Channel
    private var incoming: AsyncStream<ByteBuffer>.Iterator
    private var received = ByteBuffer()

    private init(channel: any Channel, incoming: AsyncStream<ByteBuffer>) {
        self.channel = channel
        self.incoming = incoming.makeAsyncIterator()
    }

    static func open(port: Int) async throws -> RawConnection {
        let (stream, continuation) = AsyncStream.makeStream(of: ByteBuffer.self)
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(ChannelOptions.allowRemoteHalfClosure, value: false)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Forwarder(continuation: continuation))
                }
            }
            .connect(host: "127.0.0.1", port: port)
            .get()
        return RawConnection(channel: channel, incoming: stream)
    }

    /// A connection that sends nothing and reads nothing: an idle socket.
    static func idle(port: Int) async throws -> any Channel {
        try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton).connect(host: "127.0.0.1", port: port).get()
    }

    func send(_ text: String) async throws {
        try await channel.writeAndFlush(ByteBuffer(string: text))
    }

    /// Ends what this side sends (a half-close); the server can still answer.
    func closeOutput() async throws {
        try await channel.close(mode: .output)
    }

    func close() async {
        try? await channel.close()
    }

    /// The next whole response; nil when the connection closes first, or when nothing
    /// whole arrives within `limit` (the connection is then closed).
    func readResponse(within limit: TimeAmount = .seconds(20)) async -> RawResponse? {
        let channel = self.channel
        let timer = channel.eventLoop.scheduleTask(in: limit) { channel.close(promise: nil) }
        defer { timer.cancel() }
        while true {
            if let response = RawResponse.take(from: &received) { return response }
            guard var bytes = await incoming.next() else { return nil }
            received.writeBuffer(&bytes)
        }
    }

    /// How many of `channels` the server has closed once `wanted` of them are, or once
    /// `limit` has passed (whichever is first).
    static func closures(of channels: [any Channel], atLeast wanted: Int, within limit: TimeAmount) async -> Int {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let done = loop.makePromise(of: Void.self)
        let state = NIOLockedValueBox((closed: 0, finished: wanted <= 0))
        if wanted <= 0 { done.succeed() }
        for channel in channels {
            channel.closeFuture.whenComplete { _ in
                let reached = state.withLockedValue { state in
                    guard !state.finished else { return false }
                    state.closed += 1
                    state.finished = state.closed >= wanted
                    return state.finished
                }
                if reached { done.succeed() }
            }
        }
        let timer = loop.scheduleTask(in: limit) {
            let first = state.withLockedValue { state in
                defer { state.finished = true }
                return !state.finished
            }
            if first { done.succeed() }
        }
        try? await done.futureResult.get()
        timer.cancel()
        return state.withLockedValue { $0.closed }
    }

    private final class Forwarder: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        let continuation: AsyncStream<ByteBuffer>.Continuation

        init(continuation: AsyncStream<ByteBuffer>.Continuation) { self.continuation = continuation }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            continuation.yield(unwrapInboundIn(data))
        }

        func channelInactive(context: ChannelHandlerContext) {
            continuation.finish()
            context.fireChannelInactive()
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            context.close(promise: nil)
        }
    }
}

/// One HTTP/1.1 response as it came over the wire (bodies by Content-Length).
struct RawResponse {
    let status: Int
    /// Header names lowercased.
    let headers: [String: String]
    let body: String

    /// Removes one whole response from the front of `buffer`, if there is one.
    static func take(from buffer: inout ByteBuffer) -> RawResponse? {
        let bytes = Array(buffer.readableBytesView)
        guard let end = bytes.indices.dropLast(3).first(where: { bytes[$0...$0 + 3].elementsEqual("\r\n\r\n".utf8) }) else { return nil }
        let lines = String(decoding: bytes[..<end], as: UTF8.self).components(separatedBy: "\r\n")
        guard let statusLine = lines.first, let status = Int(statusLine.split(separator: " ").dropFirst().first ?? "") else { return nil }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let length = headers["content-length"].flatMap(Int.init) ?? 0
        let bodyStart = end + 4
        guard bytes.count >= bodyStart + length else { return nil }
        buffer.moveReaderIndex(forwardBy: bodyStart + length)
        return RawResponse(status: status, headers: headers, body: String(decoding: bytes[bodyStart..<bodyStart + length], as: UTF8.self))
    }
}

/// Raw request text.
enum RawRequest {
    /// A request head: `lines` are header lines, without the blank line that ends the head.
    static func head(_ method: String = "POST", _ path: String, _ lines: [String]) -> String {
        "\(method) \(path) HTTP/1.1\r\nHost: localhost\r\n" + lines.map { $0 + "\r\n" }.joined() + "\r\n"
    }

    /// The header lines a secured test server admits a hook with.
    static var hookCredentials: [String] {
        ["X-LC-Id: \(TestSecrets.appId)", "X-LC-Key: \(TestSecrets.appKey)", "X-LC-Hook-Key: \(TestSecrets.hookKey)"]
    }

    /// A whole valid `_receiversOffline` call with credentials.
    static var validHook: String {
        let body = String(buffer: jsonBody(HookBody.seed))
        return head("POST", "/1.1/functions/_receiversOffline", hookCredentials + ["Content-Type: application/json", "Content-Length: \(body.utf8.count)"]) + body
    }
}
