import KontextThreads
import Logging

/// An `OwnerThread` that owns one curl easy handle and runs queued transfers until the queue closes.
///
/// curl_easy_perform blocks, so it must never run on the Swift concurrency pool; these threads exist for it.
enum CurlWorkerThread {
    /// Starts a thread serving `queue`.
    static func start(index: Int, queue: JobQueue<TransferJob>, userAgent: String, logger: Logger) -> OwnerThread {
        OwnerThread(name: "kx-curl-\(index)") {
            run(queue: queue, userAgent: userAgent, logger: logger)
        }
    }

    private static func run(queue: JobQueue<TransferJob>, userAgent: String, logger: Logger) {
        guard let transfer = CurlEasyTransfer(userAgent: userAgent) else {
            logger.critical("curl could not be initialised; this worker fails every request it takes")
            while let job = queue.takeOne() {
                job.finish(.failure(HTTPClientError(
                    kind: .other, url: job.request.url, message: "curl could not be initialised",
                    outcomeUnknown: false)))
            }
            return
        }
        while let job = queue.takeOne() {
            if job.cancellation.isCancelled {
                job.finish(.failure(HTTPClientError(
                    kind: .other, url: job.request.url, message: "request cancelled before it started",
                    outcomeUnknown: false)))
                continue
            }
            job.finish(transfer.perform(job.request, cancellation: job.cancellation))
        }
    }
}
