import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A minimal HTTP/1.1 server over SwiftNIO that hands complete, size-checked requests to a responder.
///
/// Keep-alive and pipelining are supported (pipelined requests are answered in order), request
/// bodies are capped by `maxBodyBytes`, malformed requests get 400 and a closed connection. For a
/// listener that faces the internet it bounds what any client can hold (see
/// `HTTPServerConfiguration`): deadlines for the head, the whole request and keep-alive idleness,
/// a cap on open connections and on request bytes buffered across them. An `HTTPHeadInspector`
/// decides on each request from its head, before any body byte is buffered.
///
/// The Runware simulator runs on this same server through `HTTPFaultingResponder`, the hook that
/// lets a response be delivered damaged (cut short, stalled, held, dropped).
package final class HTTPServer: Sendable {
    private enum State: Sendable {
        case created
        case starting
        case running(channel: any Channel, port: Int)
        case stopped
    }

    private let configuration: HTTPServerConfiguration
    private let responder: HTTPConnectionHandler.Responder
    private let inspector: (any HTTPHeadInspector)?
    private let group: any EventLoopGroup
    private let logger: Logger
    private let connections: ConnectionRegistry
    private let budget: ByteBudget
    private let state = Mutex(State.created)

    /// Creates a server that is not yet listening; call `start()`. With an `inspector`, every
    /// request head is put to it before its body is read.
    package convenience init(
        configuration: HTTPServerConfiguration, responder: any HTTPResponder, inspector: (any HTTPHeadInspector)? = nil,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, logger: Logger
    ) {
        self.init(configuration: configuration, responder: .plain(responder), inspector: inspector, group: group, logger: logger)
    }

    /// Creates a server whose responder also chooses how each response reaches the wire: the
    /// simulator's hook for wire faults.
    package convenience init(
        configuration: HTTPServerConfiguration, faultingResponder: any HTTPFaultingResponder,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, logger: Logger
    ) {
        self.init(configuration: configuration, responder: .faulting(faultingResponder), inspector: nil, group: group, logger: logger)
    }

    private init(
        configuration: HTTPServerConfiguration, responder: HTTPConnectionHandler.Responder,
        inspector: (any HTTPHeadInspector)?, group: any EventLoopGroup, logger: Logger
    ) {
        self.configuration = configuration
        self.responder = responder
        self.inspector = inspector
        self.group = group
        self.connections = ConnectionRegistry(maxConnections: configuration.maxConnections)
        self.budget = ByteBudget(limit: configuration.maxBufferedBytes)
        var logger = logger
        logger[metadataKey: "server"] = "\(configuration.name)"
        self.logger = logger
    }

    /// Connections open now (tests and the bench watch limits with it).
    package var openConnections: Int { connections.count }

    /// Request body bytes buffered now across all connections.
    package var bufferedBytes: Int { budget.inUse }

    /// The bound port while running, else nil.
    package var port: Int? {
        state.withLock { state in
            if case .running(_, let port) = state { return port }
            return nil
        }
    }

    /// Binds and starts accepting connections; returns the bound port (the ephemeral one when configured with 0).
    ///
    /// Throws `HTTPServerError.alreadyStarted` when called twice, or NIO's error when binding fails.
    package func start() async throws -> Int {
        let name = self.configuration.name
        try state.withLock { state in
            guard case .created = state else { throw HTTPServerError.alreadyStarted(name: name) }
            state = .starting
        }
        let configuration = self.configuration
        let responder = self.responder
        let inspector = self.inspector
        let logger = self.logger
        let connections = self.connections
        let budget = self.budget
        let limits = HTTPConnectionHandler.Limits(configuration)
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: Int32(clamping: configuration.backlog))
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            .childChannelInitializer { channel in
                let now = channel.eventLoop.now
                let activity = ConnectionActivity(awaitingHeadSince: now)
                switch connections.admit(channel, activity: activity, now: now) {
                case .refused:
                    // Failing the initializer makes the bootstrap close the accepted socket.
                    logger.debug("connection cap reached with no connection to give up; refusing a connection")
                    return channel.eventLoop.makeFailedFuture(HTTPServerError.connectionLimit(name: configuration.name))
                case .admittedByEvicting:
                    logger.debug("connection cap reached; closed a refused or long-waiting connection to make room")
                case .admitted:
                    break
                }
                return channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    try pipeline.configureHTTPServerPipeline(withErrorHandling: true)
                    try pipeline.addHandler(HTTPConnectionHandler(
                        responder: responder, inspector: inspector, limits: limits, budget: budget, activity: activity,
                        logger: logger))
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.bind(host: configuration.host, port: configuration.port).get()
        } catch {
            state.withLock { $0 = .created }
            logger.error("could not bind", metadata: [
                "host": "\(configuration.host)", "port": "\(configuration.port)", "error": "\(error)",
            ])
            throw error
        }
        let port = channel.localAddress?.port ?? configuration.port
        let stoppedMeanwhile = state.withLock { state in
            if case .stopped = state { return true }
            state = .running(channel: channel, port: port)
            return false
        }
        if stoppedMeanwhile {
            try? await channel.close()
            throw HTTPServerError.stopped(name: configuration.name)
        }
        logger.info("listening", metadata: ["host": "\(configuration.host)", "port": "\(port)"])
        return port
    }

    /// Stops accepting, lets every in-flight response finish (up to `stopGracePeriod`), then closes
    /// all connections. With a grace period of 0 every connection closes at once (the simulator:
    /// stalled and held answers end).
    package func stop() async {
        let listener: (any Channel)? = state.withLock { state in
            defer { state = .stopped }
            if case .running(let channel, _) = state { return channel }
            return nil
        }
        guard let listener else { return }
        try? await listener.close()
        let closing = connections.quiesceAll()
        let eventLoop = listener.eventLoop
        let allClosed = EventLoopFuture.andAllComplete(closing, on: eventLoop)
        let grace = HTTPConnectionHandler.Limits.amount(configuration.stopGracePeriod)
        if configuration.stopGracePeriod <= 0 {
            connections.closeAll()
        }
        let deadline = eventLoop.scheduleTask(in: grace) { [connections] in
            connections.closeAll()
        }
        try? await allClosed.get()
        deadline.cancel()
        logger.info("stopped")
    }
}

/// Why `HTTPServer.start()` refused to run.
package enum HTTPServerError: Error, Sendable, CustomStringConvertible {
    /// `start()` was called on a server that was already started (or stopped).
    case alreadyStarted(name: String)
    /// `stop()` ran while `start()` was binding, so the server did not start.
    case stopped(name: String)
    /// A connection arrived at the connection cap while every open one was inside a request.
    case connectionLimit(name: String)

    /// A sentence naming the server and the problem.
    package var description: String {
        switch self {
        case .alreadyStarted(let name): "HTTP server \(name) was already started; create a new one"
        case .stopped(let name): "HTTP server \(name) was stopped while starting"
        case .connectionLimit(let name): "HTTP server \(name) is at its connection cap"
        }
    }
}

/// Turns a complete request into a response; what an `HTTPServer` calls for every request.
///
/// Called concurrently for requests on different connections; requests on one connection are
/// answered in order, one at a time.
package protocol HTTPResponder: Sendable {
    /// The response to `request`. Never throws: failures are responses (e.g. 500 JSON errors).
    func respond(to request: HTTPRequest) async -> HTTPResponse
}
