import Foundation

/// A system call on an audit file that failed, with the file and the system's reason.
struct AuditFileError: Error, CustomStringConvertible {
    var operation: String
    var path: String
    var code: Int32

    init(_ operation: String, _ path: String, code: Int32 = errno) {
        self.operation = operation
        self.path = path
        self.code = code
    }

    var description: String { "audit log: \(operation) \(path): \(String(cString: strerror(code)))" }
}
