#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Logging

/// A dedicated OS thread that owns one curl easy handle and runs queued transfers until the queue closes.
///
/// curl_easy_perform blocks, so it must never run on the Swift concurrency pool; these threads exist for it.
enum CurlWorkerThread {
    /// What the new thread needs; handed over through pthread_create's context pointer.
    private final class Assignment {
        let queue: TransferQueue
        let userAgent: String
        let logger: Logger

        init(queue: TransferQueue, userAgent: String, logger: Logger) {
            self.queue = queue
            self.userAgent = userAgent
            self.logger = logger
        }

        func run() {
            guard let transfer = CurlEasyTransfer(userAgent: userAgent) else {
                logger.critical("curl could not be initialised; this worker fails every request it takes")
                while let job = queue.next() {
                    job.finish(.failure(HTTPClientError(
                        kind: .other, url: job.request.url, message: "curl could not be initialised",
                        outcomeUnknown: false)))
                }
                return
            }
            while let job = queue.next() {
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

    /// Starts a thread serving `queue`; returns its id for joining, or nil when the OS refused.
    static func start(queue: TransferQueue, userAgent: String, logger: Logger) -> pthread_t? {
        let assignment = Unmanaged.passRetained(Assignment(queue: queue, userAgent: userAgent, logger: logger))
        var thread = pthread_t()
        let result = pthread_create(&thread, nil, { context in
            let assignment = Unmanaged<Assignment>.fromOpaque(context!).takeRetainedValue()
            assignment.run()
            return nil
        }, assignment.toOpaque())
        guard result == 0 else {
            assignment.release()
            return nil
        }
        return thread
    }

    /// Waits for `thread` to exit.
    static func join(_ thread: pthread_t) {
        pthread_join(thread, nil)
    }
}
