import Foundation
import NIOCore
import NIOPosix

/// The executable's entry point: runs `PushComposeCommand` with Swift's tasks on NIO's
/// event loops.
///
/// By default a request's bytes arrive on an event loop thread and its handler runs on
/// Swift's cooperative pool, another thread per core: every hook call crosses between
/// them twice, and on a 2-core machine those switches cost about a seventh of a hook
/// call's CPU. With the event loops as the global executor a call stays on the loop that
/// read it. Nothing that blocks runs in a task (the audit writes, template reloads and the
/// databases have threads of their own), so the loops stay free to serve sockets.
@main
enum PushComposeMain {
    static func main() {
        // Before any task exists: the hook applies to every task enqueued after it.
        if !NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor() {
            // Still correct, only slower: tasks run on Swift's own pool and hop to the loops.
            printError("pushcompose: NIO's event loops could not be made Swift's global executor; running on the default one")
        }
        Task {
            await PushComposeCommand.main()
            exit(0)
        }
        dispatchMain()
    }
}
