import NIOCore
import Synchronization

/// The open connections of one `HTTPServer`: admits each new one under the connection cap (making
/// room by closing the oldest connection still waiting for a request head), and lets stopping
/// quiesce each connection and wait for it to close.
final class ConnectionRegistry: Sendable {
    private struct Entry: Sendable {
        let channel: any Channel
        let activity: ConnectionActivity
        /// Accept order: the smallest is the oldest.
        let sequence: UInt64
    }

    private struct State: Sendable {
        var entries: [ObjectIdentifier: Entry] = [:]
        var nextSequence: UInt64 = 0
        var quiescing = false
    }

    private let maxConnections: Int
    private let state = Mutex(State())

    init(maxConnections: Int) {
        self.maxConnections = max(1, maxConnections)
    }

    /// The number of connections tracked now.
    var count: Int { state.withLock { $0.entries.count } }

    /// What `admit` did with a new connection.
    enum Admission: Equatable {
        /// Tracked; nothing else happened.
        case admitted
        /// Tracked, after closing the oldest connection that was waiting for a request head.
        case admittedByEvicting
        /// Over the cap with every connection inside a request: the caller closes the new one.
        case refused
    }

    /// Tracks `channel` until it closes, under the cap. A channel admitted after quiescing began is
    /// told to quiesce at once.
    func admit(_ channel: any Channel, activity: ConnectionActivity) -> Admission {
        let (admission, evicted, quiescing) = state.withLock { state -> (Admission, (any Channel)?, Bool) in
            var evicted: (any Channel)?
            if state.entries.count >= maxConnections {
                // A linear scan, only when at the cap: the cap bounds it, and the common case pays nothing.
                let oldestWaiting = state.entries.values
                    .filter { $0.activity.isAwaitingHead }
                    .min { $0.sequence < $1.sequence }
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

/// Whether one connection is between requests (waiting for a head, so it may be closed to make
/// room) or inside one. Written by the connection's handler, read by the registry at the cap.
final class ConnectionActivity: Sendable {
    private let awaitingHead = Atomic<Bool>(true)

    /// True until a request head arrives, and again after each response on a kept-alive connection.
    var isAwaitingHead: Bool { awaitingHead.load(ordering: .relaxed) }

    func setAwaitingHead(_ value: Bool) {
        awaitingHead.store(value, ordering: .relaxed)
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
