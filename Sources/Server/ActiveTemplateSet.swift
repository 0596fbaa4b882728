import Foundation
import PushCompose
import Synchronization
import Templates

/// The template set in use, swapped whole on reload. A set that fails to load is
/// refused and the previous one stays.
///
/// Hooks read the current set without waiting. Reloads load on a thread of their own, off
/// the cooperative pool that serves hooks, one at a time: a reload requested while one runs
/// waits for it and is answered by the next load, which every request waiting by then
/// shares.
final class ActiveTemplateSet: Sendable {
    let directory: URL
    let options: Composer.Options
    private let current: Mutex<TemplateSet>
    private let requests = Mutex(Requests())
    /// The loader's stack: what a command line's main thread has, so that whatever `lint`
    /// loads, a reload loads too (parsing recurses per level of nesting).
    private static let loaderStackBytes = 8 << 20

    private struct Requests: ~Copyable {
        var loading = false
        var waiting: [CheckedContinuation<Result<TemplateSet, TemplateSetError>, Never>] = []
    }

    init(directory: URL, options: Composer.Options) throws(TemplateSetError) {
        self.directory = directory
        self.options = options
        current = Mutex(try TemplateSet.load(directory: directory, options: options))
    }

    var set: TemplateSet { current.withLock { $0 } }

    /// Loads the directory again, as it is now; on failure keeps the set in use and throws
    /// the problems.
    @discardableResult
    func reload() async throws(TemplateSetError) -> TemplateSet {
        let result = await withCheckedContinuation { continuation in
            let start = requests.withLock { requests in
                requests.waiting.append(continuation)
                defer { requests.loading = true }
                return !requests.loading
            }
            if start {
                let loader = Thread { self.loadWhileRequested() }
                loader.name = "pushcompose.template-reload"
                loader.stackSize = Self.loaderStackBytes
                loader.start()
            }
        }
        return try result.get()
    }

    /// On the loader thread: one load for the requests waiting when it starts, again until
    /// none wait.
    private func loadWhileRequested() {
        while true {
            let waiting = requests.withLock { requests in
                defer { requests.waiting = [] }
                if requests.waiting.isEmpty { requests.loading = false }
                return requests.waiting
            }
            if waiting.isEmpty { return }
            let result = Result { () throws(TemplateSetError) in try TemplateSet.load(directory: directory, options: options) }
            if case .success(let set) = result { current.withLock { $0 = set } }
            for continuation in waiting { continuation.resume(returning: result) }
        }
    }
}
