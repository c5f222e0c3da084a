import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A minimal HTTP/1.1 server over SwiftNIO that hands complete, size-checked requests to a responder.
///
/// Keep-alive and pipelining are supported (pipelined requests are answered in order), request
/// bodies are capped by `maxBodyBytes`, idle connections close after `idleTimeout`, and malformed
/// requests get 400 and a closed connection.
public final class HTTPServer: Sendable {
    private enum State: Sendable {
        case created
        case starting
        case running(channel: any Channel, port: Int)
        case stopped
    }

    /// How long `stop()` waits for in-flight responses before closing connections regardless.
    static let stopGracePeriod: TimeAmount = .seconds(10)

    private let configuration: HTTPServerConfiguration
    private let responder: any HTTPResponder
    private let group: any EventLoopGroup
    private let logger: Logger
    private let connections = ConnectionRegistry()
    private let state = Mutex(State.created)

    /// Creates a server that is not yet listening; call `start()`.
    public init(
        configuration: HTTPServerConfiguration, responder: any HTTPResponder,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, logger: Logger
    ) {
        self.configuration = configuration
        self.responder = responder
        self.group = group
        var logger = logger
        logger[metadataKey: "server"] = "\(configuration.name)"
        self.logger = logger
    }

    /// The bound port while running, else nil.
    public var port: Int? {
        state.withLock { state in
            if case .running(_, let port) = state { return port }
            return nil
        }
    }

    /// Binds and starts accepting connections; returns the bound port (the ephemeral one when configured with 0).
    ///
    /// Throws `HTTPServerError.alreadyStarted` when called twice, or NIO's error when binding fails.
    public func start() async throws -> Int {
        let name = self.configuration.name
        try state.withLock { state in
            guard case .created = state else { throw HTTPServerError.alreadyStarted(name: name) }
            state = .starting
        }
        let configuration = self.configuration
        let responder = self.responder
        let logger = self.logger
        let connections = self.connections
        let idle = TimeAmount.nanoseconds(Int64(max(0.001, configuration.idleTimeout) * 1_000_000_000))
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: Int32(clamping: configuration.backlog))
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            .childChannelInitializer { channel in
                connections.add(channel)
                return channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    try pipeline.configureHTTPServerPipeline(withErrorHandling: true)
                    try pipeline.addHandler(IdleStateHandler(allTimeout: idle))
                    try pipeline.addHandler(HTTPConnectionHandler(
                        responder: responder, maxBodyBytes: configuration.maxBodyBytes, logger: logger))
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

    /// Stops accepting, lets every in-flight response finish (up to 10 s), then closes all connections.
    public func stop() async {
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
        let deadline = eventLoop.scheduleTask(in: Self.stopGracePeriod) { [connections] in
            connections.closeAll()
        }
        try? await allClosed.get()
        deadline.cancel()
        logger.info("stopped")
    }
}

/// Why `HTTPServer.start()` refused to run.
public enum HTTPServerError: Error, Sendable, CustomStringConvertible {
    /// `start()` was called on a server that was already started (or stopped).
    case alreadyStarted(name: String)
    /// `stop()` ran while `start()` was binding, so the server did not start.
    case stopped(name: String)

    /// A sentence naming the server and the problem.
    public var description: String {
        switch self {
        case .alreadyStarted(let name): "HTTP server \(name) was already started; create a new one"
        case .stopped(let name): "HTTP server \(name) was stopped while starting"
        }
    }
}

/// Turns a complete request into a response; what an `HTTPServer` calls for every request.
///
/// Called concurrently for requests on different connections; requests on one connection are
/// answered in order, one at a time.
public protocol HTTPResponder: Sendable {
    /// The response to `request`. Never throws: failures are responses (e.g. 500 JSON errors).
    func respond(to request: HTTPRequest) async -> HTTPResponse
}
