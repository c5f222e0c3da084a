#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Content-addressed image files: `root/images/ab/cd/<sha256>.<ext>`, and their thumbnails,
/// content-addressed too: `root/thumbnails/ab/cd/<sha256 of the thumbnail>.jpg`.
///
/// A file is written to `root/tmp/` under a unique name, fsynced, renamed into place, and the
/// directories are fsynced, so after `store` returns the file exists whole or not at all, even
/// across power loss. The name is the SHA-256 the caller computed of the bytes, so an existing
/// file with that name and size is the same image and is not rewritten.
package struct ImageFileStore: Sendable {
    /// The root directory.
    package let root: String
    private var imagesDirectory: String { root + "/images" }
    private var temporaryDirectory: String { root + "/tmp" }
    private var thumbnailsDirectory: String { root + "/thumbnails" }

    /// Opens (creating as needed) the store under `root`, with its `images` and `tmp` directories.
    package init(root: String) throws(ImageFileError) {
        var root = root
        while root.count > 1 && root.hasSuffix("/") { root.removeLast() }
        self.root = root
        try DurableFile.makeDirectory(root)
        try DurableFile.makeDirectory(imagesDirectory)
        try DurableFile.makeDirectory(temporaryDirectory)
        try DurableFile.makeDirectory(thumbnailsDirectory)
    }

    /// The path where the image with this digest and extension lives (whether or not it exists).
    package func path(sha256: String, fileExtension: String) -> String {
        Self.path(in: imagesDirectory, sha256: sha256, fileExtension: fileExtension)
    }

    /// The path where the thumbnail (JPEG) with this digest lives (whether or not it exists).
    package func thumbnailPath(sha256: String) -> String {
        Self.path(in: thumbnailsDirectory, sha256: sha256, fileExtension: "jpg")
    }

    private static func path(in directory: String, sha256: String, fileExtension: String) -> String {
        let digest = sha256.lowercased()
        let first = digest.prefix(2)
        let second = digest.dropFirst(2).prefix(2)
        return "\(directory)/\(first)/\(second)/\(digest).\(fileExtension)"
    }

    /// Writes `bytes` durably under their digest and returns the absolute path.
    ///
    /// `sha256` must be the 64-character hex digest of `bytes` (the caller has computed it to
    /// verify the image); `fileExtension` is letters and digits only.
    package func store(_ bytes: [UInt8], sha256: String, fileExtension: String) throws(ImageFileError) -> String {
        try place(bytes, sha256: sha256, fileExtension: fileExtension, to: imagesDirectory, durable: true)
    }

    /// Writes a thumbnail (JPEG bytes) under its digest and returns the absolute path.
    ///
    /// Temporary file and rename, but no fsync: a thumbnail is derived from an image that is
    /// durable, is checked against its SHA-256 when read, and is made again when missing or
    /// damaged — so ingestion does not pay two more fsyncs per image for it.
    package func storeThumbnail(_ bytes: [UInt8], sha256: String) throws(ImageFileError) -> String {
        try place(bytes, sha256: sha256, fileExtension: "jpg", to: thumbnailsDirectory, durable: false)
    }

    /// Removes a thumbnail found damaged, so it can be written again under the same digest.
    package func removeThumbnail(sha256: String) {
        unlink(thumbnailPath(sha256: sha256))
    }

    private func place(
        _ bytes: [UInt8], sha256: String, fileExtension: String, to base: String, durable: Bool
    ) throws(ImageFileError) -> String {
        let digest = sha256.lowercased()
        guard digest.utf8.count == 64, digest.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }) else {
            throw ImageFileError(path: root, operation: "store", reason: "\"\(sha256)\" is not a SHA-256 hex digest")
        }
        guard !fileExtension.isEmpty, fileExtension.utf8.allSatisfy({ Self.isAlphanumeric($0) }) else {
            throw ImageFileError(path: root, operation: "store", reason: "\"\(fileExtension)\" is not a file extension")
        }
        let target = Self.path(in: base, sha256: digest, fileExtension: fileExtension)
        var status = stat()
        if stat(target, &status) == 0 && Int(status.st_size) == bytes.count {
            return target
        }

        try DurableFile.write(bytes, to: target, temporaryDirectory: temporaryDirectory, below: base, durable: durable)
        return target
    }

    /// Reads a whole file.
    package func read(path: String) throws(ImageFileError) -> [UInt8] {
        try DurableFile.read(path: path)
    }

    /// Deletes files left in `tmp/` by an interrupted write (call at startup); returns how many.
    package func removeTemporaryFiles() throws(ImageFileError) -> Int {
        try DurableFile.removeFiles(in: temporaryDirectory)
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (byte >= 48 && byte <= 57) || (byte >= 65 && byte <= 90) || (byte >= 97 && byte <= 122)
    }
}

#if canImport(Glibc)
#elseif canImport(Darwin)
#endif

/// A file-system failure in the image store: which path, which operation, and the system's reason.
package struct ImageFileError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file or directory concerned.
    package let path: String
    /// The operation that failed (`open`, `write`, `fsync`, `rename`, `mkdir`, `read`...).
    package let operation: String
    /// The `errno` value (0 when the failure is not a system call's).
    package let code: Int32
    /// The reason in words: `strerror(errno)`, or what was wrong.
    package let reason: String

    /// Creates an error from an `errno` value.
    package init(path: String, operation: String, errno code: Int32) {
        self.path = path
        self.operation = operation
        self.code = code
        self.reason = String(cString: strerror(code))
    }

    /// Creates an error that is not a system call's (for example a malformed digest).
    package init(path: String, operation: String, reason: String) {
        self.path = path
        self.operation = operation
        self.code = 0
        self.reason = reason
    }

    /// True when the disk is full or the quota exhausted: the image is fine, space is not.
    package var isDiskFull: Bool { code == ENOSPC || code == EDQUOT }

    /// `<operation> <path>: <reason>`, for logs and error answers.
    package var description: String { "\(operation) \(path): \(reason)" }
}
