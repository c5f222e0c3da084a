import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// The simulator's HTTP/1.1 server over SwiftNIO. Like the project's `HTTPServer` it hands
/// complete, size-checked requests to a router (keep-alive, pipelining in order,
/// `Expect: 100-continue`, 413 over the body cap), but each answer also says how it is put on
/// the wire (`ReplyDelivery`): cut short, stalled, held back or never sent, which the fault
/// plan needs and a well-behaved server cannot express.
///
/// `stop()` closes the listener and every open connection, ending stalls and held answers.
final class SimulatorServer: Sendable {
    private enum State: Sendable {
        case created
        case starting
        case running(channel: any Channel, port: Int)
        case stopped
    }

    private let host: String
    private let requestedPort: Int
    private let maxBodyBytes: Int
    private let router: any SimulatorRouting
    private let logger: Logger
    private let state = Mutex(State.created)
    private let connections = Mutex<[ObjectIdentifier: any Channel]>([:])

    init(host: String, port: Int, maxBodyBytes: Int, router: any SimulatorRouting, logger: Logger) {
        self.host = host
        self.requestedPort = port
        self.maxBodyBytes = maxBodyBytes
        self.router = router
        self.logger = logger
    }

    /// The bound port while running, else nil.
    var port: Int? {
        state.withLock { state in
            if case .running(_, let port) = state { return port }
            return nil
        }
    }

    /// Binds and starts accepting; returns the bound port. Throws when binding fails or when
    /// called twice.
    func start() async throws -> Int {
        try state.withLock { state in
            guard case .created = state else { throw SimulatorServerError.alreadyStarted }
            state = .starting
        }
        let router = self.router
        let logger = self.logger
        let maxBodyBytes = self.maxBodyBytes
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { [self] channel in
                register(channel)
                return channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    try pipeline.configureHTTPServerPipeline(withErrorHandling: true)
                    try pipeline.addHandler(SimulatorConnectionHandler(
                        router: router, maxBodyBytes: maxBodyBytes, logger: logger))
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.bind(host: host, port: requestedPort).get()
        } catch {
            state.withLock { $0 = .created }
            throw error
        }
        let port = channel.localAddress?.port ?? requestedPort
        let stoppedMeanwhile = state.withLock { state in
            if case .stopped = state { return true }
            state = .running(channel: channel, port: port)
            return false
        }
        if stoppedMeanwhile {
            try? await channel.close()
            throw SimulatorServerError.stopped
        }
        logger.info("listening", metadata: ["host": "\(host)", "port": "\(port)"])
        return port
    }

    /// Stops listening and closes every connection, whatever it was doing.
    func stop() async {
        let listener = state.withLock { state -> (any Channel)? in
            defer { state = .stopped }
            if case .running(let channel, _) = state { return channel }
            return nil
        }
        try? await listener?.close()
        let open = connections.withLock { Array($0.values) }
        for channel in open {
            try? await channel.close()
        }
    }

    private func register(_ channel: any Channel) {
        let id = ObjectIdentifier(channel)
        connections.withLock { $0[id] = channel }
        channel.closeFuture.whenComplete { [self] _ in
            _ = connections.withLock { $0.removeValue(forKey: id) }
        }
    }
}

/// Why `SimulatorServer.start()` refused to start.
enum SimulatorServerError: Error, Sendable, CustomStringConvertible {
    /// `start()` was called a second time.
    case alreadyStarted
    /// `stop()` ran while binding.
    case stopped

    var description: String {
        switch self {
        case .alreadyStarted: return "the simulator's server was already started; a simulator starts once"
        case .stopped: return "the simulator was stopped while its server was binding"
        }
    }
}
