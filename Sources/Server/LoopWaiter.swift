import NIOCore
import NIOPosix

/// A caller suspended until work on another thread is done, resumed on the event loop it
/// was running on.
///
/// The event loops are Swift's global executor (`PushComposeMain`). A task resumed from a
/// thread that is not a loop goes to whichever loop comes next, and a hook's answer then
/// crosses back to its connection's loop; resumed on its own loop, it answers where it
/// runs, and the callers of one batch cost one wake-up per loop (`resumeAll`).
struct LoopWaiter: Sendable {
    /// Nil when the caller was not on an event loop (tests, commands): resumed in place.
    let loop: (any EventLoop)?
    let resume: @Sendable () -> Void

    /// A waiter on the calling thread's event loop, if it is one.
    static func onCurrentLoop(_ resume: @escaping @Sendable () -> Void) -> LoopWaiter {
        LoopWaiter(loop: MultiThreadedEventLoopGroup.currentEventLoop, resume: resume)
    }
}

extension Array where Element == LoopWaiter {
    /// Resumes every waiter: those of one loop together, in order, in one task on it.
    func resumeAll() {
        var byLoop: [(loop: any EventLoop, resumes: [@Sendable () -> Void])] = []
        for waiter in self {
            guard let loop = waiter.loop else {
                waiter.resume()
                continue
            }
            if let index = byLoop.firstIndex(where: { $0.loop === loop }) {
                byLoop[index].resumes.append(waiter.resume)
            } else {
                byLoop.append((loop, [waiter.resume]))
            }
        }
        for (loop, resumes) in byLoop {
            loop.execute { for resume in resumes { resume() } }
        }
    }
}
