import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A state directory that can be made to run out of space on demand, and given space back.
///
/// Preferred: a small tmpfs mounted on the directory (`mount -t tmpfs -o size=…`, needs root
/// or CAP_SYS_ADMIN); "full" means a filler file takes every free byte (writes then fail with
/// ENOSPC), and "space back" means deleting it. Where mounting is refused (EPERM in an
/// unprivileged container) the fallback is `prlimit --fsize` on the daemon process: "full" is a
/// 1-byte soft file-size limit (writes fail with EFBIG; kontextd ignores SIGXFSZ), "space back"
/// raises it to `unlimited` again (only the soft limit moves, so no privilege is needed). `mechanism` says which one a run used.
final class SmallDisk: Sendable {
    /// How the shortage is produced.
    enum Mechanism: String, Sendable {
        case tmpfs
        case fileSizeLimit
    }

    let directory: String
    let mechanism: Mechanism
    private var fillerPath: String { directory + "/filler" }

    private init(directory: String, mechanism: Mechanism) {
        self.directory = directory
        self.mechanism = mechanism
    }

    /// Creates `directory` and mounts a tmpfs of `bytes` on it, or settles for the fallback.
    static func prepare(at directory: String, bytes: Int, logPath: String) async throws -> SmallDisk {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let mounted = try await ChildProcess.run(
            ["/bin/mount", "-t", "tmpfs", "-o", "size=\(bytes),mode=0755", "tmpfs", directory], logPath: logPath)
        return SmallDisk(directory: directory, mechanism: mounted == .exited(0) ? .tmpfs : .fileSizeLimit)
    }

    /// Takes away all free space from the daemon `pid`; returns the filler size written (tmpfs).
    @discardableResult
    func exhaust(daemonPID pid: pid_t, logPath: String) async throws -> Int {
        switch mechanism {
        case .tmpfs:
            return try fill()
        case .fileSizeLimit:
            let exit = try await ChildProcess.run(["/usr/bin/prlimit", "--pid", "\(pid)", "--fsize=1:unlimited"], logPath: logPath)
            guard exit == .exited(0) else { throw ChildProcessError(message: "prlimit --fsize=1:unlimited failed: \(exit)") }
            return 0
        }
    }

    /// Gives the space back.
    func release(daemonPID pid: pid_t?, logPath: String) async throws {
        switch mechanism {
        case .tmpfs:
            unlink(fillerPath)
        case .fileSizeLimit:
            guard let pid else { return }
            let exit = try await ChildProcess.run(["/usr/bin/prlimit", "--pid", "\(pid)", "--fsize=unlimited"], logPath: logPath)
            guard exit == .exited(0) else { throw ChildProcessError(message: "prlimit --fsize=unlimited failed: \(exit)") }
        }
    }

    /// Unmounts the tmpfs (lazily, in case something still holds a file) and removes the mount point.
    func tearDown(logPath: String) async {
        if mechanism == .tmpfs {
            _ = try? await ChildProcess.run(["/bin/umount", "-l", directory], logPath: logPath)
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Writes the filler until the file system refuses another byte.
    private func fill() throws -> Int {
        let descriptor = open(fillerPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw ChildProcessError(message: "open \(fillerPath): errno \(errno)") }
        defer { close(descriptor) }
        var total = 0
        for chunkSize in [1 << 20, 4096, 1] {
            let chunk = [UInt8](repeating: 0x5a, count: chunkSize)
            while true {
                let written = chunk.withUnsafeBytes { write(descriptor, $0.baseAddress, chunkSize) }
                if written > 0 {
                    total += written
                    continue
                }
                if written < 0 && errno == EINTR { continue }
                if written < 0 && errno != ENOSPC {
                    throw ChildProcessError(message: "write \(fillerPath): errno \(errno)")
                }
                break
            }
        }
        fsync(descriptor)
        return total
    }
}
