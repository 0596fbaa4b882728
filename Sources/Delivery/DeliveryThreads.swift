import NIOCore
import NIOPosix

/// The threads delivery runs on: event loops of its own for the providers' connections,
/// and a task executor over them for the workers' tasks, apart from the loops that
/// answer hooks.
///
/// A hook call that queues fifty pushes sets off fifty sends, about 10 ms of CPU in one
/// burst. On the loops that answer hooks, the next calls' steps waited in line behind
/// such bursts (each loop runs its work in order). On threads of their own the kernel's
/// scheduler interleaves the two. They keep the hooks' CPU priority: delivery shares
/// locks with the hooks (the audit journal, metrics, the allocator), and a thread of
/// lower priority preempted while holding one would hold a hook up for as long as it
/// waits for the CPU.
public final class DeliveryThreads: TaskExecutor, @unchecked Sendable {
    /// The providers' connections live on these loops.
    public let group: MultiThreadedEventLoopGroup

    /// - Parameter threads: one per core by default.
    public init(threads: Int = System.coreCount) {
        group = MultiThreadedEventLoopGroup(numberOfThreads: max(threads, 1))
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
