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
public struct ImageFileStore: Sendable {
    /// The root directory.
    public let root: String
    private var imagesDirectory: String { root + "/images" }
    private var temporaryDirectory: String { root + "/tmp" }
    private var thumbnailsDirectory: String { root + "/thumbnails" }

    /// Opens (creating as needed) the store under `root`, with its `images` and `tmp` directories.
    public init(root: String) throws(ImageFileError) {
        var root = root
        while root.count > 1 && root.hasSuffix("/") { root.removeLast() }
        self.root = root
        try Self.makeDirectory(root)
        try Self.makeDirectory(imagesDirectory)
        try Self.makeDirectory(temporaryDirectory)
        try Self.makeDirectory(thumbnailsDirectory)
    }

    /// The path where the image with this digest and extension lives (whether or not it exists).
    public func path(sha256: String, fileExtension: String) -> String {
        Self.path(in: imagesDirectory, sha256: sha256, fileExtension: fileExtension)
    }

    /// The path where the thumbnail (JPEG) with this digest lives (whether or not it exists).
    public func thumbnailPath(sha256: String) -> String {
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
    public func store(_ bytes: [UInt8], sha256: String, fileExtension: String) throws(ImageFileError) -> String {
        try place(bytes, sha256: sha256, fileExtension: fileExtension, to: imagesDirectory, durable: true)
    }

    /// Writes a thumbnail (JPEG bytes) under its digest and returns the absolute path.
    ///
    /// Temporary file and rename, but no fsync: a thumbnail is derived from an image that is
    /// durable, is checked against its SHA-256 when read, and is made again when missing or
    /// damaged — so ingestion does not pay two more fsyncs per image for it.
    public func storeThumbnail(_ bytes: [UInt8], sha256: String) throws(ImageFileError) -> String {
        try place(bytes, sha256: sha256, fileExtension: "jpg", to: thumbnailsDirectory, durable: false)
    }

    /// Removes a thumbnail found damaged, so it can be written again under the same digest.
    public func removeThumbnail(sha256: String) {
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

        let directory = String(target[..<target.lastIndex(of: "/")!])
        let parent = String(directory[..<directory.lastIndex(of: "/")!])
        try Self.makeDirectory(parent, syncParent: durable)
        try Self.makeDirectory(directory, syncParent: durable)

        let temporary = try writeTemporary(bytes, name: digest, durable: durable)
        guard rename(temporary, target) == 0 else {
            let error = ImageFileError(path: target, operation: "rename", errno: errno)
            unlink(temporary)
            throw error
        }
        // The target directory's fsync makes the new name durable. The temporary name's removal
        // needs no fsync of its own: at worst a crash leaves a leftover that start-up deletes.
        if durable { try Self.syncDirectory(directory) }
        return target
    }

    /// Reads a whole file.
    public func read(path: String) throws(ImageFileError) -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw ImageFileError(path: path, operation: "open", errno: errno) }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw ImageFileError(path: path, operation: "fstat", errno: errno) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Int(status.st_size))
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { Self.readSome(descriptor, into: $0) }
            if count < 0 {
                if errno == EINTR { continue }
                throw ImageFileError(path: path, operation: "read", errno: errno)
            }
            if count == 0 { return bytes }
            bytes.append(contentsOf: chunk[..<count])
        }
    }

    /// Deletes files left in `tmp/` by an interrupted write (call at startup); returns how many.
    public func removeTemporaryFiles() throws(ImageFileError) -> Int {
        guard let directory = opendir(temporaryDirectory) else {
            throw ImageFileError(path: temporaryDirectory, operation: "opendir", errno: errno)
        }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        closedir(directory)
        var removed = 0
        for name in names {
            let path = temporaryDirectory + "/" + name
            guard unlink(path) == 0 else {
                if errno == ENOENT { continue }
                throw ImageFileError(path: path, operation: "unlink", errno: errno)
            }
            removed += 1
        }
        if removed > 0 { try Self.syncDirectory(temporaryDirectory) }
        return removed
    }

    // MARK: Writing

    private func writeTemporary(_ bytes: [UInt8], name: String, durable: Bool) throws(ImageFileError) -> String {
        var descriptor: Int32 = -1
        var temporary = ""
        // O_EXCL with a random suffix: concurrent writers of the same image never share a file.
        for _ in 0..<16 {
            temporary = "\(temporaryDirectory)/\(name).\(getpid()).\(UInt64.random(in: 0...UInt64.max)).tmp"
            // 0600: images are the user's data; the daemon alone reads them (the admin API serves them).
            descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            if descriptor >= 0 || errno != EEXIST { break }
        }
        guard descriptor >= 0 else { throw ImageFileError(path: temporary, operation: "open", errno: errno) }
        var failure: ImageFileError?
        var offset = 0
        while offset < bytes.count && failure == nil {
            let written = bytes.withUnsafeBytes { buffer in
                write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
            }
            if written < 0 {
                if errno == EINTR { continue }
                failure = ImageFileError(path: temporary, operation: "write", errno: errno)
            } else {
                offset += written
            }
        }
        if durable && failure == nil && fsync(descriptor) != 0 {
            failure = ImageFileError(path: temporary, operation: "fsync", errno: errno)
        }
        if close(descriptor) != 0 && failure == nil {
            failure = ImageFileError(path: temporary, operation: "close", errno: errno)
        }
        if let failure {
            unlink(temporary)
            throw failure
        }
        return temporary
    }

    private static func makeDirectory(_ path: String, syncParent: Bool = false) throws(ImageFileError) {
        if mkdir(path, 0o700) == 0 {
            if syncParent, let slash = path.lastIndex(of: "/") {
                // The new directory's entry must itself be durable before files are renamed into it.
                try syncDirectory(String(path[..<slash]))
            }
            return
        }
        let code = errno
        var status = stat()
        guard code == EEXIST, stat(path, &status) == 0, (status.st_mode & S_IFMT) == S_IFDIR else {
            throw ImageFileError(path: path, operation: "mkdir", errno: code == EEXIST ? ENOTDIR : code)
        }
    }

    private static func syncDirectory(_ path: String) throws(ImageFileError) {
        let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw ImageFileError(path: path, operation: "open", errno: errno) }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw ImageFileError(path: path, operation: "fsync", errno: errno) }
    }

    /// `read(2)`, named apart because this type's own `read(path:)` shadows it.
    private static func readSome(_ descriptor: Int32, into buffer: UnsafeMutableRawBufferPointer) -> Int {
        #if canImport(Glibc)
        return Glibc.read(descriptor, buffer.baseAddress, buffer.count)
        #else
        return Darwin.read(descriptor, buffer.baseAddress, buffer.count)
        #endif
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (byte >= 48 && byte <= 57) || (byte >= 65 && byte <= 90) || (byte >= 97 && byte <= 122)
    }
}

#if canImport(Glibc)
#elseif canImport(Darwin)
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
