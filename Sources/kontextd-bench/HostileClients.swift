import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Keeps `count` hostile connections open against the webhook listener from one thread (non-blocking
/// sockets and `poll`), as an attacker holding connections open would: each connection the daemon
/// closes is reopened `reconnectDelay` (250 ms) later.
///
/// Three kinds, in turn:
/// - slow head: most of a request head, then one more byte every second (slowloris);
/// - wrong token: a webhook head with a wrong token and `Content-Length: 30 MiB`, then 16 KiB of
///   body every 100 ms (160 KB/s per connection) until the daemon closes it;
/// - oversize body: `POST /healthz` (no token needed) with a chunked body, 16 KiB every 100 ms,
///   far past any cap.
///
/// The pacing is what makes these open connections rather than a bandwidth flood: the attacker
/// runs on the same cores as the daemon, and a sender spinning on writable sockets would measure
/// the attacker's CPU, not the daemon's defences. The tally reports the churn and bytes it caused.
///
/// It owns its sockets on its own thread; `stop()` closes them and returns what it saw.
final class HostileClients: Sendable {
    enum Kind: Int, CaseIterable, Sendable {
        case slowHead, wrongToken, oversizeBody
    }

    /// What the run saw.
    struct Tally: Sendable {
        /// Connections opened (reconnects included), by kind.
        var opened: [Kind: Int] = [:]
        /// Connections the daemon closed, by kind.
        var closedByDaemon: [Kind: Int] = [:]
        /// Response statuses received, by kind.
        var statuses: [Kind: [Int: Int]] = [:]
        /// Body bytes the daemon accepted from the attackers (what the kernel took).
        var bodyBytesSent = 0
        /// Samples of how many hostile connections were open, taken once per poll round.
        var openSamples: [Int] = []

        /// The mean number of open hostile connections.
        var meanOpen: Double {
            openSamples.isEmpty ? 0 : Double(openSamples.reduce(0, +)) / Double(openSamples.count)
        }
    }

    private struct Shared {
        var running = true
        var tally = Tally()
        var finished: CheckedContinuation<Tally, Never>?
        var done = false
    }

    private let shared = Mutex(Shared())

    /// Starts the attack on 127.0.0.1:`port`; `taskUUID` names a real task (so the wrong token is
    /// the only thing wrong with the head).
    init(port: Int, count: Int, taskUUID: String, reconnectDelay: Duration = .milliseconds(250)) {
        let thread = Thread { [self] in
            var attack = Attack(port: port, count: count, taskUUID: taskUUID, reconnectDelay: reconnectDelay)
            while shared.withLock({ $0.running }) {
                attack.round()
                let sample = attack.openCount
                shared.withLock { $0.tally.openSamples.append(sample) }
            }
            attack.closeAll()
            let waiter = shared.withLock { shared -> CheckedContinuation<Tally, Never>? in
                shared.tally.opened = attack.opened
                shared.tally.closedByDaemon = attack.closedByDaemon
                shared.tally.statuses = attack.statuses
                shared.tally.bodyBytesSent = attack.bodyBytesSent
                shared.done = true
                defer { shared.finished = nil }
                return shared.finished
            }
            waiter?.resume(returning: shared.withLock { $0.tally })
        }
        thread.name = "kontextd-bench-hostile"
        thread.start()
    }

    /// How many hostile connections are open, averaged so far.
    var meanOpen: Double { shared.withLock { $0.tally.meanOpen } }

    /// Stops the attack, closes every hostile connection and returns the tally.
    func stop() async -> Tally {
        await withCheckedContinuation { continuation in
            let tally = shared.withLock { shared -> Tally? in
                shared.running = false
                if shared.done { return shared.tally }
                shared.finished = continuation
                return nil
            }
            if let tally { continuation.resume(returning: tally) }
        }
    }
}

/// The attack's state, owned by its thread.
private struct Attack {
    private enum Phase {
        /// Waiting to (re)connect at this time.
        case waiting(until: ContinuousClock.Instant)
        /// Non-blocking connect in progress.
        case connecting
        /// Sending the head; `offset` bytes sent so far.
        case head(offset: Int)
        /// Slow head: the next byte goes out at this time.
        case dripping(next: ContinuousClock.Instant)
        /// Pushing body bytes until the daemon closes; the next chunk goes out at this time.
        case body(next: ContinuousClock.Instant)
    }

    private struct Slot {
        let kind: HostileClients.Kind
        var descriptor: Int32 = -1
        var phase: Phase
        var sawStatus = false
    }

    let port: Int
    let reconnectDelay: Duration
    private var slots: [Slot]
    private let heads: [HostileClients.Kind: [UInt8]]
    private let filler = [UInt8](repeating: UInt8(ascii: "A"), count: 16 * 1024)
    private let chunkedFiller: [UInt8]
    private var scratch = [UInt8](repeating: 0, count: 4096)
    private(set) var opened: [HostileClients.Kind: Int] = [:]
    private(set) var closedByDaemon: [HostileClients.Kind: Int] = [:]
    private(set) var statuses: [HostileClients.Kind: [Int: Int]] = [:]
    private(set) var bodyBytesSent = 0

    init(port: Int, count: Int, taskUUID: String, reconnectDelay: Duration) {
        self.port = port
        self.reconnectDelay = reconnectDelay
        let now = ContinuousClock.now
        slots = (0..<count).map { index in
            Slot(kind: HostileClients.Kind.allCases[index % 3], phase: .waiting(until: now))
        }
        let host = "Host: 127.0.0.1:\(port)\r\n"
        heads = [
            .slowHead: Array("POST /webhooks/runware/\(taskUUID)?token=slow HTTP/1.1\r\n\(host)X-Slow: ".utf8),
            .wrongToken: Array(("POST /webhooks/runware/\(taskUUID)?token=\(String(repeating: "0", count: 64)) HTTP/1.1\r\n"
                + "\(host)Content-Type: application/json\r\nContent-Length: \(30 << 20)\r\n\r\n").utf8),
            .oversizeBody: Array("POST /healthz HTTP/1.1\r\n\(host)Transfer-Encoding: chunked\r\n\r\n".utf8),
        ]
        chunkedFiller = Array("4000\r\n".utf8) + [UInt8](repeating: UInt8(ascii: "B"), count: 0x4000) + Array("\r\n".utf8)
    }

    var openCount: Int { slots.count { $0.descriptor >= 0 } }

    /// One poll round: (re)connect what is due, then serve every ready socket.
    mutating func round() {
        let now = ContinuousClock.now
        for index in slots.indices {
            if case .waiting(let until) = slots[index].phase, until <= now { connect(index) }
            if case .dripping(let next) = slots[index].phase, next <= now { drip(index, now: now) }
        }
        var descriptors: [pollfd] = []
        var owners: [Int] = []
        for (index, slot) in slots.enumerated() where slot.descriptor >= 0 {
            var events = Int16(POLLIN)
            switch slot.phase {
            case .connecting, .head: events |= Int16(POLLOUT)
            case .body(let next) where next <= now: events |= Int16(POLLOUT)
            default: break
            }
            descriptors.append(pollfd(fd: slot.descriptor, events: events, revents: 0))
            owners.append(index)
        }
        guard !descriptors.isEmpty else {
            usleep(10_000)
            return
        }
        let ready = poll(&descriptors, nfds_t(descriptors.count), 20)
        guard ready > 0 else { return }
        for (position, entry) in descriptors.enumerated() where entry.revents != 0 {
            let index = owners[position]
            if entry.revents & Int16(POLLIN) != 0 { read(index) }
            guard slots[index].descriptor >= 0 else { continue }
            if entry.revents & Int16(POLLERR | POLLHUP) != 0 {
                closeSlot(index, byDaemon: true)
                continue
            }
            if entry.revents & Int16(POLLOUT) != 0 { write(index) }
        }
    }

    mutating func closeAll() {
        for index in slots.indices where slots[index].descriptor >= 0 {
            close(slots[index].descriptor)
            slots[index].descriptor = -1
        }
    }

    private mutating func connect(_ index: Int) {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard descriptor >= 0 else {
            slots[index].phase = .waiting(until: .now + reconnectDelay)
            return
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 || errno == EINPROGRESS else {
            close(descriptor)
            slots[index].phase = .waiting(until: .now + reconnectDelay)
            return
        }
        slots[index].descriptor = descriptor
        slots[index].phase = .connecting
        slots[index].sawStatus = false
        opened[slots[index].kind, default: 0] += 1
    }

    private mutating func write(_ index: Int) {
        let descriptor = slots[index].descriptor
        switch slots[index].phase {
        case .connecting:
            slots[index].phase = .head(offset: 0)
            write(index)
        case .head(let offset):
            let head = heads[slots[index].kind]!
            let sent = head[offset...].withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard sent >= 0 else {
                if errno != EAGAIN { closeSlot(index, byDaemon: true) }
                return
            }
            if offset + sent < head.count {
                slots[index].phase = .head(offset: offset + sent)
            } else if slots[index].kind == .slowHead {
                slots[index].phase = .dripping(next: .now + .seconds(1))
            } else {
                slots[index].phase = .body(next: .now)
            }
        case .body:
            let bytes = slots[index].kind == .oversizeBody ? chunkedFiller : filler
            let sent = bytes.withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent > 0 {
                bodyBytesSent += sent
            } else if sent < 0 && errno != EAGAIN {
                closeSlot(index, byDaemon: true)
                return
            }
            slots[index].phase = .body(next: .now + .milliseconds(100))
        default:
            break
        }
    }

    private mutating func drip(_ index: Int, now: ContinuousClock.Instant) {
        var byte = UInt8(ascii: "a")
        let sent = Glibc.send(slots[index].descriptor, &byte, 1, Int32(MSG_NOSIGNAL))
        if sent < 0 && errno != EAGAIN {
            closeSlot(index, byDaemon: true)
        } else {
            slots[index].phase = .dripping(next: now + .seconds(1))
        }
    }

    private mutating func read(_ index: Int) {
        let count = recv(slots[index].descriptor, &scratch, scratch.count, 0)
        if count <= 0 {
            if count == 0 || errno != EAGAIN { closeSlot(index, byDaemon: true) }
            return
        }
        // "HTTP/1.1 401 …": the status is at bytes 9…11 of the first read.
        if !slots[index].sawStatus, count >= 12 {
            slots[index].sawStatus = true
            let digits = scratch[9..<12].map { Int($0) - 48 }
            if digits.allSatisfy({ (0...9).contains($0) }) {
                let status = digits[0] * 100 + digits[1] * 10 + digits[2]
                statuses[slots[index].kind, default: [:]][status, default: 0] += 1
            }
        }
    }

    private mutating func closeSlot(_ index: Int, byDaemon: Bool) {
        close(slots[index].descriptor)
        slots[index].descriptor = -1
        if byDaemon { closedByDaemon[slots[index].kind, default: 0] += 1 }
        slots[index].phase = .waiting(until: .now + reconnectDelay)
    }
}
