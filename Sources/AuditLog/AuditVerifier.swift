import Foundation

/// Checks the hash chain of every audit file in a directory: each stream (one writer's
/// chain) on its own, file by file in order, reading each a chunk at a time. Reports each
/// stream's first problem (edited, inserted, reordered or missing records, a file cut
/// inside a line) with its file and line, and what is not tampering: a crash's torn last
/// line, `gap` and `repair` records, records written before the chain.
public struct AuditVerifier: Sendable {
    public let directory: AuditDirectory
    public let chain: AuditChain

    public init(directory: AuditDirectory, chain: AuditChain) {
        self.directory = directory
        self.chain = chain
    }

    /// - Parameter since: check only records from then on: files that cannot hold any are
    ///   skipped, and so are earlier lines of the first file read; the chain is checked
    ///   from the first record read, its link taken as it is.
    public func verify(since: Date? = nil) throws -> VerifyReport {
        let streams = try directory.streams()
        let names = streams.keys.sorted()
        let sinceText = since.map { AuditTime.text($0) }
        let sinceTime = sinceText.flatMap { RecordTime(text: $0) }
        let results = StreamResults(count: names.count)
        // Streams are separate chains: checked side by side, reported in name order.
        DispatchQueue.concurrentPerform(iterations: names.count) { index in
            let files = (streams[names[index]] ?? []).filter { $0.mayHold(since: sinceText, until: nil) }
            var verifier = StreamVerifier(stream: names[index], files: files, chain: chain, since: sinceTime)
            results.set(index, verifier.run())
        }
        return VerifyReport(streams: results.all, since: sinceText)
    }
}

/// The streams' results as the concurrent checks finish them.
private final class StreamResults: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [StreamVerification?]

    init(count: Int) {
        results = Array(repeating: nil, count: count)
    }

    func set(_ index: Int, _ result: StreamVerification) {
        lock.withLock { results[index] = result }
    }

    var all: [StreamVerification] { lock.withLock { results.compactMap { $0 } } }
}
