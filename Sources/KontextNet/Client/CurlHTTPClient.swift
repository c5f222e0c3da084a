import KontextThreads
import Logging

/// An HTTP/1.1 client over libcurl that owns every curl easy handle it uses.
///
/// `threads` `OwnerThread`s (not the Swift concurrency pool) each own one reused easy handle,
/// so connections to the same host are kept alive between requests. Requests queue to them in FIFO
/// order and `execute` suspends until its transfer is done. Cancelling the awaiting task aborts the
/// transfer (or skips it if it has not started).
package final class CurlHTTPClient: Sendable {
    /// How many transfers run at once and how the client introduces itself.
    package struct Configuration: Sendable {
        /// The number of worker threads, hence concurrent transfers (at least 1).
        package var threads: Int
        /// The User-Agent header sent unless a request sets its own.
        package var userAgent: String
        /// Run the worker threads at the lowest CPU priority (`ThreadPriority.lowerCurrentThread`):
        /// for background transfers (downstream sync) that must yield to everything else. Default false.
        package var lowPriority: Bool

        /// Creates a configuration; defaults: 4 threads, user agent "kontextd", normal priority.
        package init(threads: Int = 4, userAgent: String = "kontextd", lowPriority: Bool = false) {
            self.threads = threads
            self.userAgent = userAgent
            self.lowPriority = lowPriority
        }
    }

    private let queue = JobQueue<TransferJob>()
    private let workers: [OwnerThread]

    /// Starts the worker threads.
    package init(configuration: Configuration = .init(), logger: Logger = Logger(label: "kontextd.http-client")) {
        let queue = self.queue
        self.workers = (0..<max(1, configuration.threads)).map { index in
            CurlWorkerThread.start(
                index: index, queue: queue, userAgent: configuration.userAgent, lowPriority: configuration.lowPriority, logger: logger)
        }
    }

    deinit {
        // Without shutdown(), the threads still finish what is queued and then exit.
        queue.close()
    }

    /// Sends `request` and returns the response, whatever its status.
    ///
    /// Throws `HTTPClientError` when no complete response arrived; its `outcomeUnknown` says whether
    /// the server may have received the request anyway. After `shutdown()` it throws `.other`.
    package func execute(_ request: HTTPClientRequest) async throws(HTTPClientError) -> HTTPClientResponse {
        let cancellation = CancellationFlag()
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let job = TransferJob(request: request, cancellation: cancellation, continuation: continuation)
                if !queue.submit(job) {
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

    /// Stops accepting requests without waiting: queued and running transfers still finish and
    /// the threads then exit on their own. For `defer` in code that cannot await.
    package func close() {
        queue.close()
    }

    /// Stops accepting requests, lets queued and running transfers finish, then waits for the
    /// threads to exit. Suspends, never blocks a thread of the concurrency pool.
    package func shutdown() async {
        queue.close()
        for thread in workers {
            await thread.join()
        }
    }
}
