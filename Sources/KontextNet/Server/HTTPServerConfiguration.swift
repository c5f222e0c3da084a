/// Where an `HTTPServer` listens and the limits it enforces on each connection and across them.
///
/// The limits exist for a listener that faces the internet: every connection must finish its
/// request head, then its whole request, within a deadline (slowloris); the open connections and
/// the request bytes buffered across all of them are capped, so no number of clients can exhaust
/// memory or file descriptors.
package struct HTTPServerConfiguration: Sendable {
    /// The address to bind; default "127.0.0.1".
    package var host: String
    /// The port to bind; default 0, an ephemeral port (read it from `HTTPServer.start()`).
    package var port: Int
    /// The largest request body accepted; default 1 MiB. Larger requests get 413 `payload_too_large`
    /// without the responder being called, and the connection is closed. An `HTTPHeadInspector`
    /// may lower it per request.
    package var maxBodyBytes: Int
    /// Seconds a kept-alive connection may wait between requests: the next request head must be
    /// complete within this time after the previous response, else the connection closes; default 60.
    package var idleTimeout: Double
    /// Seconds a new connection has to deliver its first complete request head; default 10.
    package var headTimeout: Double
    /// Seconds from a request head to the last byte of its body; default 60. The responder's own
    /// time is not counted.
    package var requestTimeout: Double
    /// Connections open at once; default 1024. At the cap a connection already refused, else the
    /// one that has waited longest (at least 1 s) for a request head, is closed to admit the new
    /// one; when there is none, the new one is closed at once.
    package var maxConnections: Int
    /// Request body bytes held at once across all connections; default 64 MiB. A request whose
    /// body would pass it is answered 503 `server_busy` (with `Retry-After`) and its connection closed.
    package var maxBufferedBytes: Int
    /// The listen backlog; default 256.
    package var backlog: Int
    /// The server's name in log messages; default "http".
    package var name: String
    /// Seconds `stop()` lets in-flight responses finish before closing connections regardless; default 10.
    package var stopGracePeriod: Double

    /// Creates a configuration; every parameter has the default documented on its property.
    package init(
        host: String = "127.0.0.1", port: Int = 0, maxBodyBytes: Int = 1 << 20, idleTimeout: Double = 60,
        headTimeout: Double = 10, requestTimeout: Double = 60, maxConnections: Int = 1024,
        maxBufferedBytes: Int = 64 << 20, backlog: Int = 256, name: String = "http", stopGracePeriod: Double = 10
    ) {
        self.host = host
        self.port = port
        self.maxBodyBytes = maxBodyBytes
        self.idleTimeout = idleTimeout
        self.headTimeout = headTimeout
        self.requestTimeout = requestTimeout
        self.maxConnections = maxConnections
        self.maxBufferedBytes = maxBufferedBytes
        self.backlog = backlog
        self.name = name
        self.stopGracePeriod = stopGracePeriod
    }
}
