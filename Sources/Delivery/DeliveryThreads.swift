import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

/// The threads delivery runs on: event loops of its own for the providers' connections,
/// and a task executor over them for the workers' tasks, below the CPU priority of the
/// loops that answer hooks.
///
/// A hook call that queues fifty pushes sets off fifty sends, about 10 ms of CPU in one
/// burst. On the loops that answer hooks, the next calls' steps waited in line behind
/// such bursts (each loop runs its work in order). On threads of their own the kernel's
/// scheduler interleaves the two; with a niceness above 0 it prefers the hooks', and
/// delivery takes the CPU they leave, catching up when a surge of hooks has passed.
public final class DeliveryThreads: TaskExecutor, Sendable {
    /// How much less CPU priority delivery's threads have than the hooks' (added to the
    /// nice value they start with; at 5 a busy delivery thread weighs a third of a busy
    /// hook thread with the kernel's scheduler). 0 by default: on 2 shared cores, 5
    /// trimmed the hooks' p99 little and let delivery fall behind a steady 5,200
    /// pushes/s in one run of two.
    public static let defaultNiceness: Int32 = 0

    /// The providers' connections live on these loops.
    public let group: MultiThreadedEventLoopGroup

    /// - Parameters:
    ///   - threads: one per core by default.
    ///   - niceness: added to each thread's nice value (0: the hooks' priority; the
    ///     result is at most 19).
    public init(threads: Int = System.coreCount, niceness: Int32 = defaultNiceness) {
        group = MultiThreadedEventLoopGroup(numberOfThreads: max(threads, 1))
        // The first job of each loop: its thread's priority is set before any delivery
        // work runs there. On Linux the nice value is the calling thread's own.
        for loop in group.makeIterator() {
            loop.execute {
                #if canImport(Glibc)
                let which = __priority_which_t(PRIO_PROCESS.rawValue)
                _ = setpriority(which, 0, min(getpriority(which, 0) + niceness, 19))
                #endif
            }
        }
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        group.next().execute {
            job.runSynchronously(on: self.asUnownedTaskExecutor())
        }
    }

    /// Stops the threads; after the HTTP client that uses them is shut down.
    public func shutdown() async throws {
        try await group.shutdownGracefully()
    }
}
