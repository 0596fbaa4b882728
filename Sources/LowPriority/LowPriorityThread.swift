import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs background work (compressing finished audit files, counting experiments'
/// exposures) on a thread of its own at the lowest CPU priority, so that under load it
/// takes only the CPU the hooks leave, and catches up as soon as the load drops.
///
/// A thread per job, because the niceness stays with the thread: a pooled one lowered
/// and given back could later serve a hook's write (and raising it again needs a
/// privilege the service may not have).
public enum LowPriorityThread {
    /// The niceness of the job's thread (the lowest priority).
    public static let niceness: Int32 = 19

    /// Starts `work` on a new thread at the lowest priority and returns at once.
    /// - Parameter name: the thread's name; the system keeps its first 15 bytes.
    public static func start(name: String, _ work: @escaping @Sendable () -> Void) {
        let thread = Thread {
            #if canImport(Glibc)
            // On Linux the nice value is the calling thread's own (`who` 0 is this thread).
            _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, niceness)
            // Named from inside, through /proc (Swift does not see `pthread_setname_np`):
            // `Thread.name` did not reach the system's thread, and `top -H` and `perf`
            // showed the creator's name.
            if let comm = fopen("/proc/thread-self/comm", "w") {
                fputs(String(decoding: name.utf8.prefix(15), as: UTF8.self), comm)
                fclose(comm)
            }
            #endif
            work()
        }
        thread.name = name
        thread.start()
    }

    /// Runs `work` on a new thread at the lowest priority; returns when it is done.
    public static func run(name: String, _ work: @escaping @Sendable () -> Void) {
        let done = DispatchSemaphore(value: 0)
        start(name: name) {
            work()
            done.signal()
        }
        done.wait()
    }
}
