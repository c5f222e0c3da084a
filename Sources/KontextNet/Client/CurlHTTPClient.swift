#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Logging

/// An HTTP/1.1 client over libcurl that owns every curl easy handle it uses.
///
/// `threads` dedicated OS threads (not the Swift concurrency pool) each own one reused easy handle,
/// so connections to the same host are kept alive between requests. Requests queue to them in FIFO
/// order and `execute` suspends until its transfer is done. Cancelling the awaiting task aborts the
/// transfer (or skips it if it has not started).
public final class CurlHTTPClient: Sendable {
    /// How many transfers run at once and how the client introduces itself.
    public struct Configuration: Sendable {
        /// The number of worker threads, hence concurrent transfers (at least 1).
        public var threads: Int
        /// The User-Agent header sent unless a request sets its own.
        public var userAgent: String

        /// Creates a configuration; defaults: 4 threads, user agent "kontextd".
        public init(threads: Int = 4, userAgent: String = "kontextd") {
            self.threads = threads
            self.userAgent = userAgent
        }
    }

    private let queue = TransferQueue()
    private let workers: [pthread_t]

    /// Starts the worker threads. A thread the OS refuses to start is logged and skipped.
    public init(configuration: Configuration = .init(), logger: Logger = Logger(label: "kontextd.http-client")) {
        var workers: [pthread_t] = []
        for _ in 0..<max(1, configuration.threads) {
            if let thread = CurlWorkerThread.start(queue: queue, userAgent: configuration.userAgent, logger: logger) {
                workers.append(thread)
            } else {
                logger.error("could not start an HTTP client worker thread")
            }
        }
        self.workers = workers
    }

    deinit {
        shutdown()
    }

    /// Sends `request` and returns the response, whatever its status.
    ///
    /// Throws `HTTPClientError` when no complete response arrived; its `outcomeUnknown` says whether
    /// the server may have received the request anyway. After `shutdown()` it throws `.other`.
    public func execute(_ request: HTTPClientRequest) async throws(HTTPClientError) -> HTTPClientResponse {
        let cancellation = CancellationFlag()
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let job = TransferJob(request: request, cancellation: cancellation, continuation: continuation)
                if workers.isEmpty || !queue.enqueue(job) {
                    job.finish(.failure(HTTPClientError(
                        kind: .other, url: request.url, message: "the HTTP client is shut down",
                        outcomeUnknown: false)))
                }
            }
        } onCancel: {
            cancellation.cancel()
        }
        return try result.get()
    }

    /// Stops accepting requests, lets queued and running transfers finish, then joins the threads.
    ///
    /// Blocks the calling thread until the workers exit; later calls return at once.
    public func shutdown() {
        guard queue.close(workers: workers.count) else { return }
        for thread in workers {
            CurlWorkerThread.join(thread)
        }
    }
}
