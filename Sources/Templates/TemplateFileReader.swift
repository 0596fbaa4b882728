import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads the template files of a directory, refusing what a template file cannot be,
/// before reading it: a symbolic link that resolves outside the directory (its target is
/// never opened, so no problem can show its content; links within the directory, as a
/// Kubernetes ConfigMap mounts its files, are followed), anything but a regular file (a
/// FIFO would block the load for ever), or a file over `TemplateLimits.maxFileBytes`.
struct TemplateFileReader {
    /// The directory with every link resolved.
    let realDirectory: String

    init(directory: URL) throws(LintProblem) {
        guard let path = Self.realPath(directory.path) else {
            throw LintProblem(file: directory.path, line: 0, reason: "cannot read the template directory: \(Self.lastError)")
        }
        realDirectory = path
    }

    func text(of url: URL) -> Result<String, LintProblem> {
        let file = url.path
        func refuse(_ reason: String, line: Int = 0) -> Result<String, LintProblem> {
            .failure(LintProblem(file: file, line: line, reason: reason))
        }
        guard let target = Self.realPath(file) else { return refuse("cannot read the file: \(Self.lastError)") }
        guard target.hasPrefix(realDirectory.hasSuffix("/") ? realDirectory : realDirectory + "/") else {
            return refuse("a symbolic link to outside the template directory; links are followed only within it")
        }
        let descriptor = open(target, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else { return refuse("cannot read the file: \(Self.lastError)") }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { return refuse("cannot read the file: \(Self.lastError)") }
        guard status.st_mode & S_IFMT == S_IFREG else { return refuse("not a regular file") }
        guard status.st_size <= TemplateLimits.maxFileBytes else { return refuse(TemplateLimits.fileTooLarge) }

        // One byte more than the limit tells a file that grew since `fstat`.
        var bytes = [UInt8](repeating: 0, count: TemplateLimits.maxFileBytes + 1)
        var count = 0
        while count < bytes.count {
            let received = bytes.withUnsafeMutableBytes { buffer in
                read(descriptor, buffer.baseAddress! + count, buffer.count - count)
            }
            if received < 0 && errno == EINTR { continue }
            guard received >= 0 else { return refuse("cannot read the file: \(Self.lastError)") }
            if received == 0 { break }
            count += received
        }
        guard count <= TemplateLimits.maxFileBytes else { return refuse(TemplateLimits.fileTooLarge) }
        guard let text = String(validating: bytes[..<count], as: UTF8.self) else {
            return refuse("the file is not valid UTF-8", line: 1)
        }
        return .success(text)
    }

    private static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    private static var lastError: String { String(cString: strerror(errno)) }
}
