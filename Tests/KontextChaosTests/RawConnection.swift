import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A plain TCP connection to a loopback port with blocking sends and receives (each bounded by a
/// socket timeout), for clients no HTTP library would be: heads that never end, bodies sent after
/// a refusal, connections opened by the hundred. Use it off the Swift concurrency pool
/// (`RawConnection.offPool`): its calls block a thread.
final class RawConnection: @unchecked Sendable {
    // @unchecked: one test task owns each connection and uses it from one thread at a time; the
    // descriptor is only closed in deinit.
    private let descriptor: Int32

    /// Connects to 127.0.0.1:`port`; sends and receives give up after `timeout` seconds.
    init(port: Int, timeout: Double = 30) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw ChildProcessError(message: "socket: errno \(errno)") }
        var interval = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - timeout.rounded(.down)) * 1_000_000))
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &interval, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &interval, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            let code = errno
            close(descriptor)
            throw ChildProcessError(message: "connect 127.0.0.1:\(port): errno \(code)")
        }
    }

    deinit { close(descriptor) }

    /// Sends `text`; true when all of it was accepted by the kernel.
    @discardableResult
    func send(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        return send(bytes) == bytes.count
    }

    /// Sends `bytes` and returns how many the kernel accepted before an error (the peer closed,
    /// reset, or the send timed out).
    func send(_ bytes: [UInt8]) -> Int {
        var sent = 0
        while sent < bytes.count {
            let result = bytes.withUnsafeBytes { buffer in
                Glibc.send(descriptor, buffer.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL))
            }
            guard result > 0 else { return sent }
            sent += result
        }
        return sent
    }

    /// Reads one response (head, then a body of its Content-Length) and returns its status and
    /// the head's text; status nil when the connection ended or timed out first.
    func readResponse() -> (status: Int?, head: String) {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        let separator = Array("\r\n\r\n".utf8)
        while true {
            if let end = bytes.firstRange(of: separator) {
                let head = String(decoding: bytes[..<end.lowerBound], as: UTF8.self)
                let status = head.split(separator: " ").dropFirst().first.flatMap { Int($0) }
                let length = head.split(separator: "\r\n")
                    .first { $0.lowercased().hasPrefix("content-length:") }
                    .flatMap { Int($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) } ?? 0
                while bytes.count < end.upperBound + length {
                    let count = recv(descriptor, &chunk, chunk.count, 0)
                    guard count > 0 else { break }
                    bytes += chunk[..<count]
                }
                return (status, head)
            }
            let count = recv(descriptor, &chunk, chunk.count, 0)
            guard count > 0 else { return (nil, String(decoding: bytes, as: UTF8.self)) }
            bytes += chunk[..<count]
        }
    }

    /// Reads and drops until the peer closes (true) or the receive timeout passes (false).
    func waitForClose() -> Bool {
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let count = recv(descriptor, &chunk, chunk.count, 0)
            if count == 0 { return true }
            if count < 0 { return errno == ECONNRESET }
        }
    }

    /// Runs blocking work on a GCD thread, not on the Swift concurrency pool (two threads on this machine).
    static func offPool<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: work()) }
        }
    }
}
