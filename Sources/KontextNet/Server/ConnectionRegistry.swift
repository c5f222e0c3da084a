import NIOCore
import Synchronization

/// The open connections of one `HTTPServer`: admits each new one under the connection cap (making
/// room by closing a refused connection, else the one that has waited longest for a request
/// head), and lets stopping
/// quiesce each connection and wait for it to close.
final class ConnectionRegistry: Sendable {
    private struct Entry: Sendable {
        let channel: any Channel
        let activity: ConnectionActivity
        /// Accept order: among connections waiting equally long, the smallest is the oldest.
        let sequence: UInt64
    }

    private struct State: Sendable {
        var entries: [ObjectIdentifier: Entry] = [:]
        var nextSequence: UInt64 = 0
        var quiescing = false
    }

    private let maxConnections: Int
    /// How long a connection must have waited for a head before it may be closed to make room: a
    /// kept-alive client between two requests is not given up for an unknown newcomer.
    private let minimumWait: UInt64
    private let state = Mutex(State())

    init(maxConnections: Int, minimumWait: TimeAmount = .seconds(1)) {
        self.maxConnections = max(1, maxConnections)
        self.minimumWait = UInt64(max(0, minimumWait.nanoseconds))
    }

    /// The number of connections tracked now.
    var count: Int { state.withLock { $0.entries.count } }

    /// What `admit` did with a new connection.
    enum Admission: Equatable {
        /// Tracked; nothing else happened.
        case admitted
        /// Tracked, after closing a refused connection or the one that had waited longest for a head.
        case admittedByEvicting
        /// Over the cap with every connection serving a request: the caller closes the new one.
        case refused
    }

    /// Tracks `channel` until it closes, under the cap. At the cap a refused connection is closed to
    /// make room, else the one that never completed a request and has waited longest for a head,
    /// else a kept-alive one that has waited `minimumWait` by `now`; otherwise the new one is refused. A channel admitted after quiescing began is told to
    /// quiesce at once.
    func admit(_ channel: any Channel, activity: ConnectionActivity, now: NIODeadline = .now()) -> Admission {
        let waitedLongEnough = now.uptimeNanoseconds >= minimumWait ? now.uptimeNanoseconds - minimumWait : 0
        let (admission, evicted, quiescing) = state.withLock { state -> (Admission, (any Channel)?, Bool) in
            var evicted: (any Channel)?
            if state.entries.count >= maxConnections {
                // A linear scan, only when at the cap: the cap bounds it, and the common case pays nothing.
                let oldestWaiting = state.entries.values
                    .filter { entry in
                        let activity = entry.activity
                        guard activity.isEvictable else { return false }
                        return !activity.hasServed || activity.evictableSince <= max(1, waitedLongEnough)
                    }
                    .min { lhs, rhs in
                        let (left, right) = (lhs.activity.evictionRank, rhs.activity.evictionRank)
                        return (left.0, left.1, lhs.sequence) < (right.0, right.1, rhs.sequence)
                    }
                guard let oldestWaiting else { return (.refused, nil, false) }
                state.entries.removeValue(forKey: ObjectIdentifier(oldestWaiting.channel))
                evicted = oldestWaiting.channel
            }
            state.entries[ObjectIdentifier(channel)] = Entry(
                channel: channel, activity: activity, sequence: state.nextSequence)
            state.nextSequence &+= 1
            return (evicted == nil ? .admitted : .admittedByEvicting, evicted, state.quiescing)
        }
        guard admission != .refused else { return .refused }
        evicted?.close(promise: nil)
        channel.closeFuture.whenComplete { [self] _ in
            _ = state.withLock { $0.entries.removeValue(forKey: ObjectIdentifier(channel)) }
        }
        if quiescing {
            channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        }
        return admission
    }

    /// Asks every connection to finish its in-flight request and close; returns their close futures.
    func quiesceAll() -> [EventLoopFuture<Void>] {
        let channels = state.withLock { state in
            state.quiescing = true
            return state.entries.values.map(\.channel)
        }
        for channel in channels {
            channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        }
        return channels.map(\.closeFuture)
    }

    /// Closes every connection still open, without waiting for responses.
    func closeAll() {
        let channels = state.withLock { $0.entries.values.map(\.channel) }
        for channel in channels {
            channel.close(promise: nil)
        }
    }
}

/// Whether one connection may be closed to make room at the cap, and since when: while it waits
/// for a request head, or once it has been refused (answered, closing). Written by the
/// connection's handler, read by the registry at the cap.
///
/// At the cap the registry closes, in this order: a refused connection (it is closing anyway); a
/// connection that never got a request answered, longest waiting first (a slowloris waits since it
/// connected); a kept-alive client that has been idle at least the registry's minimum. A busy
/// keep-alive client (Runware delivering webhooks back to back) started waiting when its last
/// response was written, a moment ago, so it is never given up for an unknown newcomer.
final class ConnectionActivity: Sendable {
    /// Nanoseconds (event loop clock) since which the connection is evictable; 0 while it is
    /// inside a request that is being served.
    private let evictable: Atomic<UInt64>
    /// Set once a response was written on the connection: it has proved to be a client.
    private let served = Atomic<Bool>(false)

    /// A new connection, waiting for its first head since `since` (when it was accepted).
    init(awaitingHeadSince since: NIODeadline = .now()) {
        evictable = Atomic(Self.stamp(since))
    }

    /// True while waiting for a request head, or once refused.
    var isEvictable: Bool { evictable.load(ordering: .relaxed) != 0 }

    /// Since when the connection is evictable (smaller goes first); 0 while a request is served.
    var evictableSince: UInt64 { evictable.load(ordering: .relaxed) }

    /// True once a response was written on the connection.
    var hasServed: Bool { served.load(ordering: .relaxed) }

    /// Orders eviction candidates: refused first, then connections never served, then served
    /// ones; within each, the longest waiting first.
    var evictionRank: (Int, UInt64) {
        let since = evictableSince
        if since == 1 { return (0, 0) }
        return (hasServed ? 2 : 1, since)
    }

    /// The connection waits for a head from `since`.
    func awaitingHead(since: NIODeadline) {
        evictable.store(Self.stamp(since), ordering: .relaxed)
    }

    /// A response was written; the connection now waits for its next head from `since`.
    func answered(since: NIODeadline) {
        served.store(true, ordering: .relaxed)
        awaitingHead(since: since)
    }

    /// A request is being received or answered: not evictable.
    func serving() {
        evictable.store(0, ordering: .relaxed)
    }

    /// The connection was refused and is closing: the first to go at the cap.
    func refused() {
        evictable.store(1, ordering: .relaxed)
    }

    // At least 2: 0 means "serving", 1 "refused", and a testing clock may start at 0.
    private static func stamp(_ deadline: NIODeadline) -> UInt64 {
        max(2, deadline.uptimeNanoseconds)
    }
}

/// The request body bytes held across all connections of one server, against a cap.
///
/// Each connection reserves what it is about to buffer (the announced Content-Length at once, or
/// each chunk of a chunked body) and releases it when its response has been written or it closes.
final class ByteBudget: Sendable {
    /// The cap, in bytes.
    let limit: Int
    private let used = Atomic<Int>(0)

    init(limit: Int) {
        self.limit = max(0, limit)
    }

    /// Bytes reserved now.
    var inUse: Int { used.load(ordering: .relaxed) }

    /// Reserves `bytes` when they fit under the cap; false (nothing reserved) otherwise.
    func reserve(_ bytes: Int) -> Bool {
        guard bytes > 0 else { return true }
        var current = used.load(ordering: .relaxed)
        while true {
            // `bytes` is at most a body cap, so the sum cannot overflow; check anyway rather than trap.
            let (next, overflow) = current.addingReportingOverflow(bytes)
            guard !overflow, next <= limit else { return false }
            let (exchanged, original) = used.weakCompareExchange(
                expected: current, desired: next, ordering: .relaxed)
            if exchanged { return true }
            current = original
        }
    }

    /// Returns `bytes` reserved earlier.
    func release(_ bytes: Int) {
        guard bytes > 0 else { return }
        used.subtract(bytes, ordering: .relaxed)
    }
}
