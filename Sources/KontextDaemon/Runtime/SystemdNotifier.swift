#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Speaks systemd's service notification protocol (`sd_notify(3)`) without libsystemd: one
/// datagram per message to the `AF_UNIX` socket named by `NOTIFY_SOCKET` (a path, or an abstract
/// name written with a leading `@`).
///
/// kontextd sends `READY=1` once both listeners are bound, `STOPPING=1` when shutdown begins, and
/// `WATCHDOG=1` heartbeats (see `Daemon`) only while the writer thread and the event loops answer.
package struct SystemdNotifier: Sendable {
    /// The socket address as given in `NOTIFY_SOCKET`.
    package let socketPath: String

    /// A notifier for `socketPath` (a file system path, or `@name` for the abstract namespace).
    package init(socketPath: String) {
        self.socketPath = socketPath
    }

    /// The notifier systemd asked for through `NOTIFY_SOCKET`, or nil when not run as `Type=notify`.
    package init?(environment: [String: String]) {
        guard let path = environment["NOTIFY_SOCKET"], !path.isEmpty else { return nil }
        self.init(socketPath: path)
    }

    /// The heartbeat interval systemd expects (`WATCHDOG_USEC`), halved as `sd_watchdog_enabled(3)`
    /// advises; nil when no watchdog is set or it is meant for another process (`WATCHDOG_PID`).
    package static func watchdogInterval(environment: [String: String], pid: Int32 = getpid()) -> Duration? {
        guard let text = environment["WATCHDOG_USEC"], let microseconds = UInt64(text), microseconds > 0 else { return nil }
        if let owner = environment["WATCHDOG_PID"], Int32(owner) != pid { return nil }
        return .microseconds(Int64(clamping: microseconds / 2))
    }

    /// Sends one notification (`READY=1`, `STOPPING=1`, `WATCHDOG=1`, `STATUS=…`, newline-separated
    /// for several); a description of the failure, or nil when the datagram was sent.
    @discardableResult
    package func notify(_ message: String) -> String? {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var pathBytes = Array(socketPath.utf8)
        let abstract = pathBytes.first == UInt8(ascii: "@")
        if abstract { pathBytes[0] = 0 }
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        // A path needs its terminating NUL; an abstract name is exactly its bytes.
        guard !pathBytes.isEmpty, pathBytes.count <= capacity - (abstract ? 0 : 1) else {
            return "NOTIFY_SOCKET \(socketPath) is not a usable socket address"
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: pathBytes)
        }
        let length = socklen_t(MemoryLayout<sockaddr_un>.offset(of: \.sun_path)! + pathBytes.count + (abstract ? 0 : 1))

        #if canImport(Glibc)
        let descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        #else
        let descriptor = socket(AF_UNIX, SOCK_DGRAM, 0)
        #endif
        guard descriptor >= 0 else { return "socket(AF_UNIX): \(String(cString: strerror(errno)))" }
        defer { close(descriptor) }
        let payload = Array(message.utf8)
        let sent = payload.withUnsafeBytes { bytes in
            withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                    sendto(descriptor, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL), socketAddress, length)
                }
            }
        }
        guard sent == payload.count else { return "sendto \(socketPath): \(String(cString: strerror(errno)))" }
        return nil
    }
}
