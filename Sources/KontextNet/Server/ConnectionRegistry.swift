import NIOCore
import Synchronization

/// The open connections of one `HTTPServer`, so stopping can quiesce each and wait for it to close.
final class ConnectionRegistry: Sendable {
    private struct State: Sendable {
        var channels: [ObjectIdentifier: any Channel] = [:]
        var quiescing = false
    }

    private let state = Mutex(State())

    /// Tracks `channel` until it closes; a channel accepted after quiescing began is told to quiesce at once.
    func add(_ channel: any Channel) {
        let quiescing = state.withLock { state in
            state.channels[ObjectIdentifier(channel)] = channel
            return state.quiescing
        }
        channel.closeFuture.whenComplete { [self] _ in
            _ = state.withLock { $0.channels.removeValue(forKey: ObjectIdentifier(channel)) }
        }
        if quiescing {
            channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        }
    }

    /// Asks every connection to finish its in-flight request and close; returns their close futures.
    func quiesceAll() -> [EventLoopFuture<Void>] {
        let channels = state.withLock { state in
            state.quiescing = true
            return Array(state.channels.values)
        }
        for channel in channels {
            channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        }
        return channels.map(\.closeFuture)
    }

    /// Closes every connection still open, without waiting for responses.
    func closeAll() {
        let channels = state.withLock { Array($0.channels.values) }
        for channel in channels {
            channel.close(promise: nil)
        }
    }
}
