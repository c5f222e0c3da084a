#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file-system failure in the image store: which path, which operation, and the system's reason.
public struct ImageFileError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file or directory concerned.
    public let path: String
    /// The operation that failed (`open`, `write`, `fsync`, `rename`, `mkdir`, `read`...).
    public let operation: String
    /// The `errno` value (0 when the failure is not a system call's).
    public let code: Int32
    /// The reason in words: `strerror(errno)`, or what was wrong.
    public let reason: String

    /// Creates an error from an `errno` value.
    public init(path: String, operation: String, errno code: Int32) {
        self.path = path
        self.operation = operation
        self.code = code
        self.reason = String(cString: strerror(code))
    }

    /// Creates an error that is not a system call's (for example a malformed digest).
    public init(path: String, operation: String, reason: String) {
        self.path = path
        self.operation = operation
        self.code = 0
        self.reason = reason
    }

    /// True when the disk is full or the quota exhausted: the image is fine, space is not.
    public var isDiskFull: Bool { code == ENOSPC || code == EDQUOT }

    /// `<operation> <path>: <reason>`, for logs and error answers.
    public var description: String { "\(operation) \(path): \(reason)" }
}
