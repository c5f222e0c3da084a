/// Where an `HTTPServer` listens and the limits it enforces on each connection.
public struct HTTPServerConfiguration: Sendable {
    /// The address to bind; default "127.0.0.1".
    public var host: String
    /// The port to bind; default 0, an ephemeral port (read it from `HTTPServer.start()`).
    public var port: Int
    /// The largest request body accepted; default 1 MiB. Larger requests get 413 `payload_too_large`
    /// without the responder being called, and the connection is closed.
    public var maxBodyBytes: Int
    /// Seconds without traffic after which a connection not waiting for its responder is closed; default 60.
    public var idleTimeout: Double
    /// The listen backlog; default 256.
    public var backlog: Int
    /// The server's name in log messages; default "http".
    public var name: String

    /// Creates a configuration; every parameter has the default documented on its property.
    public init(
        host: String = "127.0.0.1", port: Int = 0, maxBodyBytes: Int = 1 << 20, idleTimeout: Double = 60,
        backlog: Int = 256, name: String = "http"
    ) {
        self.host = host
        self.port = port
        self.maxBodyBytes = maxBodyBytes
        self.idleTimeout = idleTimeout
        self.backlog = backlog
        self.name = name
    }
}
