import AuditLog
import Foundation
import HummingbirdTesting
import NIOCore
import Synchronization
@testable import Server
import XCTest

/// A hook is answered only once its audit record is with the operating system, so killing
/// the process (SIGKILL: no shutdown, nothing flushed) loses no answered decision.
final class AuditDurabilityTests: XCTestCase {
    static let connections = 8
    /// Answers to collect before the kill; the other connections still have calls in flight.
    static let killAfter = 150

    func testEveryAnsweredCallIsInTheAuditLogAfterKill9() async throws {
        let data = try makeTemporaryDirectory().appendingPathComponent("data")
        let server = try await ServeChildProcess.start(data: data)
        // Large texts make records take long to write: the window in which an answered
        // record can be lost is as wide as it gets.
        let text = String(repeating: "kill -9 under load. ", count: 1_600)
        let answered = AnsweredCalls()
        await withTaskGroup(of: Void.self) { group in
            for connection in 0..<Self.connections {
                group.addTask {
                    await TestClient.sendUntilRefused(port: server.port) { call in
                        HookBody.receiversOffline(conversation: "crash-\(connection)-\(call)", to: ["Jerry", "Spike"], content: HookBody.text(text))
                    } answered: { conversation in
                        if answered.add(conversation) == Self.killAfter { server.send(signal: SIGKILL) }
                    }
                }
            }
        }
        let status = await server.waitForExit()
        XCTAssertEqual(status, SIGKILL, "the server was to be killed, not to exit")

        // Restarted on the same data, the service first writes what the killed one left in
        // its journal, and appends whole lines, whatever the kill left at the end of the file.
        let restarted = try await ServeChildProcess.start(data: data)
        await TestClient.sendUntilRefused(port: restarted.port, calls: 1) { _ in
            HookBody.receiversOffline(conversation: "after-restart", content: HookBody.text("hi"))
        } answered: { _ in }
        restarted.send(signal: SIGTERM)
        _ = await restarted.waitForExit()
        let records = try readAuditRecords(in: data.appendingPathComponent("audit"))  // throws on a line that is not JSON
        XCTAssertEqual(records.last?["conversation"], .string("after-restart"))
        let hooks = records.filter { $0["kind"] == .string("hook") }.compactMap { $0["conversation"]?.stringValue }
        let answers = answered.all
        XCTAssertGreaterThanOrEqual(answers.count, Self.killAfter)
        let lost = answers.subtracting(hooks)
        XCTAssertTrue(lost.isEmpty, "\(lost.count) of \(answers.count) answered calls are not in the audit log: \(lost.sorted().prefix(10))")
        let twice = Dictionary(grouping: hooks, by: { $0 }).filter { $0.value.count > 1 }.keys
        XCTAssertTrue(twice.isEmpty, "recorded twice: \(twice.sorted().prefix(10))")
    }

    func testWithoutAnFsyncIntervalARecordIsInTheFileWhenRecordReturns() async throws {
        let directory = try makeTemporaryDirectory()
        let log = try JSONLinesAuditLog(directory: directory, fsyncInterval: .zero, logger: testLogger)
        await log.record(AuditLine(bytes: Array(#"{"n":1}"#.utf8)))
        XCTAssertEqual(try readAuditLines(in: directory), [#"{"n":1}"#])
    }

    /// What a process killed before its writer ran left in the journal is written when the
    /// log next opens, before anything new; records it had written but not yet marked
    /// are not written twice.
    func testRecordsLeftInTheJournalAreWrittenOnceAtTheNextStart() async throws {
        let directory = try makeTemporaryDirectory()
        let chain = AuditChain(auditKey: Array("journal test key".utf8))
        let first = try JSONLinesAuditLog(directory: directory, chain: chain, logger: testLogger)
        await first.record(AuditLine(bytes: Array(#"{"n":1}"#.utf8)))
        await first.close()
        // The killed process: 2 and 3 appended; 2 written to the file, the mark not moved.
        let journal = try AuditJournal(path: directory.appendingPathComponent(".journal").path)
        XCTAssertTrue(journal.append([Array(#"{"n":2}"#.utf8), Array(#"{"n":3}"#.utf8)], limit: 100))
        journal.close()
        var writer = RotatingFileWriter(directory: directory, maxFileBytes: 1 << 20, chain: chain)
        try writer.append(records: [Array(#"{"n":2}"#.utf8)])
        try writer.close()

        let next = try JSONLinesAuditLog(directory: directory, chain: chain, logger: testLogger)
        await next.record(AuditLine(bytes: Array(#"{"n":4}"#.utf8)))
        await next.close()
        XCTAssertEqual(try readAuditRecords(in: directory).compactMap { $0["n"]?.numberValue }, [1, 2, 3, 4])
        XCTAssertTrue(try AuditVerifier(directory: AuditDirectory(url: directory), chain: chain).verify(since: nil).holds, "the chain runs on")
    }

    /// `submit` waits for nothing, but what it hands over is written without a later
    /// `record` or `flush` to carry it.
    func testSubmittedRecordsAreWrittenOnTheirOwn() async throws {
        let directory = try makeTemporaryDirectory()
        let log = try JSONLinesAuditLog(directory: directory, logger: testLogger)
        log.submit([AuditLine(bytes: Array(#"{"n":1}"#.utf8))])
        // Polled: any call that waits for the writer (`written`, `flush`) would itself
        // start it, which is what the test must not do.
        try await eventually("the record is in the file", timeout: .seconds(10)) { try !readAuditLines(in: directory).isEmpty }
        XCTAssertEqual(try readAuditLines(in: directory), [#"{"n":1}"#])
    }

    func testConcurrentRecordsAreEachWrittenWhole() async throws {
        let directory = try makeTemporaryDirectory()
        let log = try JSONLinesAuditLog(directory: directory, logger: testLogger)
        let text = String(repeating: "x", count: 1_000)
        await withTaskGroup(of: Void.self) { group in
            for n in 0..<100 {
                group.addTask { await log.record(AuditLine(bytes: Array(#"{"n":\#(n),"text":"\#(text)"}"#.utf8))) }
            }
        }
        await log.written()
        let numbers = try readAuditRecords(in: directory).compactMap { $0["n"]?.numberValue }
        XCTAssertEqual(numbers.sorted(), (0..<100).map(Double.init))
    }

    func testTheFsyncIntervalIsConfigured() throws {
        XCTAssertEqual(ServerConfiguration().auditFsyncMillis, 1000)
        XCTAssertEqual(try ServerConfiguration.load(file: nil, environment: ["PUSHCOMPOSE_AUDIT_FSYNC_MILLIS": "0"]).auditFsyncMillis, 0)
        XCTAssertEqual(try ServerConfiguration.load(file: nil, environment: ["PUSHCOMPOSE_AUDIT_FSYNC_MILLIS": "250"]).auditFsyncMillis, 250)
        XCTAssertThrowsError(try ServerConfiguration.load(file: nil, environment: ["PUSHCOMPOSE_AUDIT_FSYNC_MILLIS": "-1"])) { error in
            XCTAssertTrue("\(error)".contains("auditFsyncMillis (PUSHCOMPOSE_AUDIT_FSYNC_MILLIS)"), "\(error)")
        }
    }
}

/// The conversations of the calls answered so far, from any connection.
final class AnsweredCalls: Sendable {
    private let conversations = Mutex<Set<String>>([])

    /// Adds one; how many there are now.
    func add(_ conversation: String) -> Int {
        conversations.withLock { $0.insert(conversation); return $0.count }
    }

    var all: Set<String> { conversations.withLock { $0 } }
}

extension TestClient {
    /// Sends `body(n)` for n = 0, 1, … on one connection until the server stops answering
    /// (or `calls` are answered), and reports each answered call's conversation.
    static func sendUntilRefused(
        port: Int, calls: Int = 100_000, body: @Sendable (Int) -> [String: Any], answered: @Sendable (String) -> Void
    ) async {
        let client = TestClient(host: "127.0.0.1", port: port)
        client.connect()
        for call in 0..<calls {
            let hook = body(call)
            let request = TestClient.Request("/1.1/functions/_receiversOffline", method: .post, headers: [.contentType: "application/json"], body: jsonBody(hook))
            guard let response = try? await client.execute(request) else { break }
            guard response.head.status == .ok else { break }
            answered(hook["convId"] as! String)
        }
        try? await client.shutdown()
    }
}

/// `pushcompose serve` as a child process on a port of its own choosing, for what only a
/// real process gives: being killed.
/// `pushcompose serve` as a child process, started with `posix_spawn` and watched by two
/// threads of its own (one reads its standard error, one waits for its exit). Foundation's
/// `Process` is not used: its SIGCHLD handling crashed the test process now and then
/// (libdispatch's manager thread, in `_dispatch_event_loop_drain`) while a child was killed.
final class ServeChildProcess: Sendable {
    let port: Int
    private let pid: pid_t
    private let exited: Task<Int32, Never>

    /// Starts the built executable with `templates` (the shipped ones by default) and
    /// `data`; returns once it listens.
    static func start(data: URL, templates: URL = Repository.templates, environment: [String: String] = [:]) async throws -> ServeChildProcess {
        let executable = try CLITests.executable().path
        let arguments = [executable, "serve", "--templates", templates.path, "--data", data.path]
        let variables = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "LEANCLOUD_APP_PORT": "0", "LOG_LEVEL": "info"]
            .merging(environment) { $1 }.map { "\($0.key)=\($0.value)" }

        var errorPipe: [Int32] = [-1, -1]
        guard pipe(&errorPipe) == 0 else { throw ServeChildProcessError(description: "pipe: errno \(errno)") }
        // Not inherited by other children: only the server's standard error is this pipe.
        for end in errorPipe { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, errorPipe[1], STDERR_FILENO)
        posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0)
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = variables.map { strdup($0) } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, nil, argv, envp)
        close(errorPipe[1])
        guard spawned == 0 else {
            close(errorPipe[0])
            throw ServeChildProcessError(description: "posix_spawn \(executable): \(spawned)")
        }

        let child = pid
        let listening = ListeningLine()
        let readEnd = errorPipe[0]
        Thread.detachNewThread {
            // Keeps reading after the port is known, so that a full pipe never blocks the server.
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = read(readEnd, &buffer, buffer.count)
                if count < 0, errno == EINTR { continue }
                guard count > 0 else { break }
                listening.read(Data(buffer[..<count]))
            }
            close(readEnd)
            listening.fail("pushcompose serve exited before listening")
        }
        let (exits, exit) = AsyncStream.makeStream(of: Int32.self)
        Thread.detachNewThread {
            var status: Int32 = 0
            while waitpid(child, &status, 0) < 0, errno == EINTR {}
            let signal = status & 0x7F
            // The signal that ended it, else its exit status.
            exit.yield(signal != 0 ? signal : (status >> 8) & 0xFF)
            exit.finish()
        }
        let exited = Task { await exits.first { _ in true } ?? -1 }
        return ServeChildProcess(port: try await listening.port(), pid: child, exited: exited)
    }

    private init(port: Int, pid: pid_t, exited: Task<Int32, Never>) {
        self.port = port
        self.pid = pid
        self.exited = exited
    }

    func send(signal: Int32) {
        _ = kill(pid, signal)
    }

    /// Waits for the process to end; its termination status (the signal, when killed).
    func waitForExit() async -> Int32 {
        await exited.value
    }
}

/// A server's standard error, read until Hummingbird's "listening on HOST:PORT" line.
private final class ListeningLine: Sendable {
    private let state = Mutex<(text: String, port: Int?, failure: String?)>(("", nil, nil))
    private let changes: AsyncStream<Void>
    private let changed: AsyncStream<Void>.Continuation

    init() {
        (changes, changed) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    func read(_ data: Data) {
        state.withLock { state in
            guard state.port == nil else { return }
            state.text += String(decoding: data, as: UTF8.self)
            if let range = state.text.range(of: #"listening on [^ ]+:[0-9]+"#, options: .regularExpression) {
                state.port = Int(state.text[range].split(separator: ":").last ?? "")
            }
        }
        changed.yield()
    }

    func fail(_ reason: String) {
        state.withLock { $0.failure = $0.failure ?? reason }
        changed.yield()
    }

    func port() async throws -> Int {
        for await _ in changes {
            let (text, port, failure) = state.withLock { ($0.text, $0.port, $0.failure) }
            if let port { return port }
            if let failure { throw ServeChildProcessError(description: "\(failure); its output:\n\(text)") }
        }
        throw ServeChildProcessError(description: "no port")
    }
}

struct ServeChildProcessError: Error, CustomStringConvertible {
    var description: String
}
