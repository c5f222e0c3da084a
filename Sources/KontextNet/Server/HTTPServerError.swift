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
