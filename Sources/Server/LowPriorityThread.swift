import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs housekeeping (compressing finished audit files) on a thread of its own at the
/// lowest CPU priority, so that under load it takes only the CPU the hooks leave: a
/// 64 MiB file takes about half a second of a core to compress, which otherwise came out
/// of the hooks' two cores in one go. It catches up as soon as the load drops.
///
/// A thread per job, because the niceness stays with the thread: a pooled one lowered
/// and given back could later serve a hook's write (and raising it again needs a
/// privilege the service may not have).
enum LowPriorityThread {
    /// The niceness of the job's thread (the lowest priority).
    static let niceness: Int32 = 19

    /// Runs `work` on a new thread at the lowest priority; returns when it is done.
    static func run(_ work: @escaping @Sendable () -> Void) {
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            #if canImport(Glibc)
            // On Linux the nice value is the calling thread's own (`who` 0 is this thread).
            _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, niceness)
            #endif
            work()
            done.signal()
        }
        thread.name = "pushcompose.low-priority"
        thread.start()
        done.wait()
    }
}
