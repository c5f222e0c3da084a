import Foundation
import KontextDaemon
import Logging
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A real AF_UNIX datagram socket standing in for systemd's notification socket.
final class NotifySocket {
    let path: String
    let descriptor: Int32

    /// Binds a datagram socket at `path` (a file path, or `@name` for the abstract namespace).
    init(path: String) throws {
        self.path = path
        descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var bytes = Array(path.utf8)
        let abstract = bytes.first == UInt8(ascii: "@")
        if abstract { bytes[0] = 0 }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        let length = socklen_t(MemoryLayout<sockaddr_un>.offset(of: \.sun_path)! + bytes.count + (abstract ? 0 : 1))
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) }
        }
        guard bound == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        // A safety net so a missing datagram fails the test instead of hanging it; never a timing assertion.
        var timeout = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit {
        close(descriptor)
        if !path.hasPrefix("@") { unlink(path) }
    }

    /// The next datagram, blocking until one arrives; nil after the safety timeout.
    func receive() -> String? {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
        return count < 0 ? nil : String(decoding: buffer.prefix(count), as: UTF8.self)
    }

    /// Datagrams until one satisfies `condition` (which is returned), skipping the others.
    func receive(until condition: (String) -> Bool) -> String? {
        while let message = receive() {
            if condition(message) { return message }
        }
        return nil
    }
}

@Suite struct SystemdNotifierTests {
    @Test func notifiesAPathSocket() throws {
        let socket = try NotifySocket(path: NSTemporaryDirectory() + "kx-notify-\(UUID().uuidString.prefix(8))")
        let notifier = try #require(SystemdNotifier(environment: ["NOTIFY_SOCKET": socket.path]))
        #expect(notifier.notify("READY=1") == nil)
        #expect(socket.receive() == "READY=1")
        #expect(notifier.notify("STOPPING=1\nSTATUS=bye") == nil)
        #expect(socket.receive() == "STOPPING=1\nSTATUS=bye")
    }

    @Test func notifiesAnAbstractSocket() throws {
        let socket = try NotifySocket(path: "@kx-notify-\(UUID().uuidString)")
        #expect(SystemdNotifier(socketPath: socket.path).notify("WATCHDOG=1") == nil)
        #expect(socket.receive() == "WATCHDOG=1")
    }

    @Test func reportsAMissingSocket() {
        #expect(SystemdNotifier(environment: [:]) == nil)
        let failure = SystemdNotifier(socketPath: "/nonexistent/kx-notify").notify("READY=1")
        #expect(failure?.contains("/nonexistent/kx-notify") == true)
        #expect(SystemdNotifier(socketPath: "/" + String(repeating: "x", count: 200)).notify("READY=1")?.contains("not a usable") == true)
    }

    @Test func watchdogIntervalIsHalfOfWatchdogUSec() {
        #expect(SystemdNotifier.watchdogInterval(environment: ["WATCHDOG_USEC": "30000000"]) == .seconds(15))
        #expect(SystemdNotifier.watchdogInterval(environment: ["WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "\(getpid())"]) == .seconds(15))
        #expect(SystemdNotifier.watchdogInterval(environment: ["WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "1"]) == nil)
        #expect(SystemdNotifier.watchdogInterval(environment: ["WATCHDOG_USEC": "nonsense"]) == nil)
        #expect(SystemdNotifier.watchdogInterval(environment: [:]) == nil)
    }

    /// The daemon's own protocol: READY=1 once listening, WATCHDOG=1 while alive, STOPPING=1 at shutdown.
    @Test func daemonSendsReadyHeartbeatsAndStopping() async throws {
        let socket = try NotifySocket(path: NSTemporaryDirectory() + "kx-notify-\(UUID().uuidString.prefix(8))")
        let directory = NSTemporaryDirectory() + "kontextd-notify-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var configuration = DaemonConfiguration(stateDirectory: directory)
        configuration.webhook = .init(host: "127.0.0.1", port: 0, secret: Array("test-webhook-secret-0123456789".utf8))
        configuration.admin = .init(host: "127.0.0.1", port: 0)
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let daemon = try Daemon(
            configuration: configuration, logger: logger, notifier: SystemdNotifier(socketPath: socket.path),
            watchdogInterval: .milliseconds(20))
        #expect(await daemon.liveness() == nil)
        let running = Task { try await daemon.run() }
        let ready = socket.receive()
        #expect(ready?.hasPrefix("READY=1\nSTATUS=listening") == true, "\(String(describing: ready))")
        #expect(socket.receive(until: { $0 == "WATCHDOG=1" }) == "WATCHDOG=1")
        #expect(socket.receive(until: { $0 == "WATCHDOG=1" }) == "WATCHDOG=1")
        running.cancel()
        #expect(socket.receive(until: { $0 == "STOPPING=1" }) == "STOPPING=1")
        _ = try? await running.value
    }
}
