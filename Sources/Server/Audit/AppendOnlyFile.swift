import Foundation

/// A file opened for appending and written with write(2) itself: when `append` returns,
/// the bytes are with the operating system and survive the process being killed.
struct AppendOnlyFile {
    let path: String
    private let descriptor: Int32

    private init(path: String, descriptor: Int32) {
        self.path = path
        self.descriptor = descriptor
    }

    /// Opens `path` for appending, creating it (readable by owner and group) if needed.
    init(path: String) throws {
        self.path = path
        descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
        guard descriptor >= 0 else { throw AuditFileError("open", path) }
    }

    /// Creates `path` with `permissions`; nil when it exists already.
    init?(creatingNew path: String, permissions: mode_t = 0o640) throws {
        self.path = path
        descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC, permissions)
        if descriptor < 0 {
            if errno == EEXIST { return nil }
            throw AuditFileError("create", path)
        }
    }

    /// The file's length in bytes.
    func size() throws -> Int {
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw AuditFileError("stat", path) }
        return Int(status.st_size)
    }

    /// Writes all of `bytes`, however many calls the system takes.
    func append(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                throw AuditFileError("write", path)
            }
            offset += written
        }
    }

    /// A second handle on the same open file, to sync it elsewhere; closing either leaves
    /// the other open.
    func duplicate() throws -> AppendOnlyFile {
        let copy = dup(descriptor)
        guard copy >= 0 else { throw AuditFileError("dup", path) }
        return AppendOnlyFile(path: path, descriptor: copy)
    }

    /// Waits until what was written is on the disk.
    func sync() throws {
        guard fsync(descriptor) == 0 else { throw AuditFileError("fsync", path) }
    }

    func close() {
        closeDescriptor(descriptor)
    }
}

/// close(2), out of reach of the member of that name.
private func closeDescriptor(_ descriptor: Int32) {
    _ = close(descriptor)
}
