#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Whole-or-nothing file writes that survive power loss: the bytes go to a uniquely named
/// temporary file, which is fsynced, renamed into place, and the target's directory fsynced; new
/// directories on the way are fsynced into their parents first. After `write` returns the file
/// exists whole, and a crash at any moment leaves either the old state or a temporary file that
/// `removeFiles(in:)` deletes at start-up — never a half-written file under the real name.
///
/// The image store and the directory sink both write this way.
package enum DurableFile {
    /// Writes `bytes` durably at `target`. `temporaryDirectory` must be on the same file system;
    /// directories between `root` (which must exist) and the target are created as needed.
    ///
    /// `durable: false` keeps the temporary file and the rename (never a half-written file under
    /// the real name) but skips every fsync: for derived data that is checked when read and made
    /// again when missing (thumbnails).
    package static func write(
        _ bytes: [UInt8], to target: String, temporaryDirectory: String, below root: String, durable: Bool = true
    ) throws(ImageFileError) {
        guard let slash = target.lastIndex(of: "/") else {
            throw ImageFileError(path: target, operation: "write", reason: "not an absolute path")
        }
        let directory = String(target[..<slash])
        try makeDirectories(directory, below: root, durable: durable)
        let name = String(target[target.index(after: slash)...])
        let temporary = try writeTemporary(bytes, in: temporaryDirectory, name: name, durable: durable)
        guard rename(temporary, target) == 0 else {
            let error = ImageFileError(path: target, operation: "rename", errno: errno)
            unlink(temporary)
            throw error
        }
        // The target directory's fsync makes the new name durable. The temporary name's removal
        // needs no fsync of its own: at worst a crash leaves a leftover that start-up deletes.
        if durable { try syncDirectory(directory) }
    }

    /// Creates `directory` and every missing one between `root` and it, each made durable in its parent.
    package static func makeDirectories(_ directory: String, below root: String, durable: Bool = true) throws(ImageFileError) {
        var status = stat()
        if stat(directory, &status) == 0 && (status.st_mode & S_IFMT) == S_IFDIR { return }
        guard directory.hasPrefix(root + "/") else {
            try makeDirectory(directory, syncParent: durable)
            return
        }
        var path = root
        for component in directory.dropFirst(root.count + 1).split(separator: "/") {
            path += "/" + component
            try makeDirectory(path, syncParent: durable)
        }
    }

    /// Creates one directory (an existing directory is fine); with `syncParent`, fsyncs its
    /// parent so the new entry itself is durable before files are renamed into it.
    package static func makeDirectory(_ path: String, syncParent: Bool = false) throws(ImageFileError) {
        // 0700: images are the user's data; the daemon alone reads them (the admin API serves them).
        if mkdir(path, 0o700) == 0 {
            if syncParent, let slash = path.lastIndex(of: "/"), slash != path.startIndex {
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

    /// fsyncs a directory, making the names in it durable.
    package static func syncDirectory(_ path: String) throws(ImageFileError) {
        let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw ImageFileError(path: path, operation: "open", errno: errno) }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw ImageFileError(path: path, operation: "fsync", errno: errno) }
    }

    /// Reads a whole file.
    package static func read(path: String) throws(ImageFileError) -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw ImageFileError(path: path, operation: "open", errno: errno) }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw ImageFileError(path: path, operation: "fstat", errno: errno) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Int(status.st_size))
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { buffer in
                #if canImport(Glibc)
                Glibc.read(descriptor, buffer.baseAddress, buffer.count)
                #else
                Darwin.read(descriptor, buffer.baseAddress, buffer.count)
                #endif
            }
            if count < 0 {
                if errno == EINTR { continue }
                throw ImageFileError(path: path, operation: "read", errno: errno)
            }
            if count == 0 { return bytes }
            bytes.append(contentsOf: chunk[..<count])
        }
    }

    /// Whether a regular file exists at `path`.
    package static func exists(_ path: String) -> Bool {
        var status = stat()
        return stat(path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFREG
    }

    /// Removes a file and makes the removal durable; a missing file is fine.
    package static func remove(_ path: String) throws(ImageFileError) {
        guard unlink(path) == 0 else {
            if errno == ENOENT { return }
            throw ImageFileError(path: path, operation: "unlink", errno: errno)
        }
        if let slash = path.lastIndex(of: "/"), slash != path.startIndex { try syncDirectory(String(path[..<slash])) }
    }

    /// Deletes every file in `directory` (temporary files an interrupted write left); returns how many.
    package static func removeFiles(in directory: String) throws(ImageFileError) -> Int {
        guard let handle = opendir(directory) else {
            throw ImageFileError(path: directory, operation: "opendir", errno: errno)
        }
        var names: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        closedir(handle)
        var removed = 0
        for name in names {
            let path = directory + "/" + name
            guard unlink(path) == 0 else {
                if errno == ENOENT { continue }
                throw ImageFileError(path: path, operation: "unlink", errno: errno)
            }
            removed += 1
        }
        if removed > 0 { try syncDirectory(directory) }
        return removed
    }

    private static func writeTemporary(
        _ bytes: [UInt8], in directory: String, name: String, durable: Bool
    ) throws(ImageFileError) -> String {
        var descriptor: Int32 = -1
        var temporary = ""
        // O_EXCL with a random suffix: concurrent writers of the same file never share a temporary.
        for _ in 0..<16 {
            temporary = "\(directory)/\(name).\(getpid()).\(UInt64.random(in: 0...UInt64.max)).tmp"
            // 0600: images are the user's data; the daemon alone reads them (the admin API serves them).
            descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            if descriptor >= 0 || errno != EEXIST { break }
        }
        guard descriptor >= 0 else { throw ImageFileError(path: temporary, operation: "open", errno: errno) }
        var failure: ImageFileError?
        var offset = 0
        while offset < bytes.count && failure == nil {
            let written = bytes.withUnsafeBytes { buffer in
                systemWrite(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
            }
            if written < 0 {
                if errno == EINTR { continue }
                failure = ImageFileError(path: temporary, operation: "write", errno: errno)
            } else {
                offset += written
            }
        }
        if failure == nil && durable && fsync(descriptor) != 0 {
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
}

/// `write(2)`, named apart because `DurableFile.write` shadows it.
private func systemWrite(_ descriptor: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
    Glibc.write(descriptor, buffer, count)
    #else
    Darwin.write(descriptor, buffer, count)
    #endif
}
