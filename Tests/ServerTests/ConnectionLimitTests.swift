import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
@testable import Server
import XCTest

/// No caller can stall the service by holding connections: idle ones time out, trickling
/// ones are cut, and past the limit the longest-idle ones make room for new callers.
final class ConnectionLimitTests: XCTestCase {
    private static let hookPath = "/1.1/functions/_receiversOffline"

    /// A valid hook call, on a connection of its own as a new caller makes it, is answered.
    private static func assertHookAnswered(_ server: TestServer, _ message: String) async throws {
        let response = try await server.onNewConnection(.post, hookPath, headers: Header.hook, body: jsonBody(HookBody.seed))
        XCTAssertEqual(response.status, .ok, message)
    }

    /// Sends `text` one byte at a time, `interval` apart (a slow-loris caller), until the
    /// server closes the connection (true) or the text runs out (false).
    private static func trickle(_ connection: RawConnection, _ text: String, every interval: Duration) async -> Bool {
        for byte in text.utf8 {
            guard connection.channel.isActive, (try? await connection.channel.writeAndFlush(ByteBuffer(bytes: [byte]))) != nil else { return true }
            try? await Task.sleep(for: interval)
        }
        return !connection.channel.isActive
    }

    func testIdleAndTricklingConnectionsAreClosed() async throws {
        var configuration = try makeConfiguration(secured: true)
        configuration.idleTimeoutSeconds = 1
        configuration.requestTimeoutSeconds = 2
        try await withServer(configuration) { server in
            var idle: [any Channel] = []
            for _ in 0..<20 { idle.append(try await RawConnection.idle(port: server.port)) }
            // A keep-alive connection that was answered and then went quiet is idle too.
            let quiet = try await RawConnection.open(port: server.port)
            try await quiet.send(RawRequest.validHook)
            let answered = await quiet.readResponse()
            XCTAssertEqual(answered?.status, 200)
            idle.append(quiet.channel)

            // Each sends a byte every 100 ms, well within the idle timeout: only the request
            // timeout can cut them.
            let headTrickler = try await RawConnection.open(port: server.port)
            let bodyTrickler = try await RawConnection.open(port: server.port)
            try await bodyTrickler.send(RawRequest.head("POST", Self.hookPath, RawRequest.hookCredentials + ["Content-Length: 100000"]))
            let padding = String(repeating: "x", count: 300)
            async let headCut = Self.trickle(headTrickler, "POST \(Self.hookPath) HTTP/1.1\r\nX-Padding: \(padding)", every: .milliseconds(100))
            async let bodyCut = Self.trickle(bodyTrickler, padding, every: .milliseconds(100))

            for round in 0..<5 { try await Self.assertHookAnswered(server, "while trickled, call \(round)") }
            let closed = await RawConnection.closures(of: idle, atLeast: idle.count, within: .seconds(30))
            XCTAssertEqual(closed, idle.count, "idle connections closed")
            let (head, body) = await (headCut, bodyCut)
            XCTAssertTrue(head, "a head trickled byte by byte is cut")
            XCTAssertTrue(body, "a body trickled byte by byte is cut")
            try await Self.assertHookAnswered(server, "after")
            // Whatever is still open would hold up the server's graceful shutdown.
            for channel in idle + [headTrickler.channel, bodyTrickler.channel] { try? await channel.close() }
        }
    }

    func testPastTheLimitTheLongestIdleConnectionsMakeRoom() async throws {
        var configuration = try makeConfiguration(secured: true)
        configuration.maxConnections = 64
        try await withServer(configuration) { server in
            // A caller inside a request when the crowd arrives: its head is read, its body late.
            let body = String(buffer: jsonBody(HookBody.seed))
            let midRequest = try await RawConnection.open(port: server.port)
            try await midRequest.send(
                RawRequest.head("POST", Self.hookPath, RawRequest.hookCredentials + ["Content-Length: \(body.utf8.count)"]) + body.prefix(10))

            var crowd: [any Channel] = []
            for _ in 0..<(4 * 64) { crowd.append(try await RawConnection.idle(port: server.port)) }
            for _ in 0..<16 {
                let trickler = try await RawConnection.open(port: server.port)
                try await trickler.send("POST \(Self.hookPath) HTTP/1.1\r\nX-Pad")
                crowd.append(trickler.channel)
            }
            for round in 0..<10 { try await Self.assertHookAnswered(server, "among the crowd, call \(round)") }

            // No more than the limit stays open: the rest were closed to make room.
            let closed = await RawConnection.closures(of: crowd, atLeast: crowd.count - 64, within: .seconds(30))
            XCTAssertGreaterThanOrEqual(closed, crowd.count - 64)

            // The caller inside a request was spared, and is answered.
            try await midRequest.send(String(body.dropFirst(10)))
            let answer = await midRequest.readResponse()
            XCTAssertEqual(answer?.status, 200, answer?.body ?? "no answer")
            for channel in crowd + [midRequest.channel] { try? await channel.close() }
        }
    }
}
