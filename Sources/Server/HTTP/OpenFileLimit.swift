#if canImport(Glibc)
import Glibc

private let openFilesResource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
#elseif canImport(Darwin)
import Darwin

private let openFilesResource = RLIMIT_NOFILE
#endif

/// The process's open-files limit, which bounds how many connections it can hold at all.
enum OpenFileLimit {
    /// Descriptors kept back from connections for the database, audit and template files
    /// and the listeners.
    static let reserved = 256

    /// The soft limit now.
    static var current: Int {
        var limit = rlimit()
        guard getrlimit(openFilesResource, &limit) == 0 else { return 1024 }
        return Int(clamping: limit.rlim_cur)
    }

    /// Raises the soft limit to the hard limit, so that idle sockets cannot exhaust a low
    /// default (often 1024); returns the limits before and after.
    @discardableResult
    static func raiseToHardLimit() -> (before: Int, after: Int) {
        var limit = rlimit()
        guard getrlimit(openFilesResource, &limit) == 0 else { return (current, current) }
        let before = Int(clamping: limit.rlim_cur)
        guard limit.rlim_cur < limit.rlim_max else { return (before, before) }
        limit.rlim_cur = limit.rlim_max
        _ = setrlimit(openFilesResource, &limit)
        return (before, current)
    }

    /// How many connections `openFiles` descriptors leave room for.
    static func connectionBudget(openFiles: Int) -> Int {
        max(openFiles - reserved, openFiles / 2)
    }
}
