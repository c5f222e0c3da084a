/// One queued request and the continuation of the task awaiting it.
struct TransferJob: Sendable {
    let request: HTTPClientRequest
    let cancellation: CancellationFlag
    let continuation: CheckedContinuation<Result<HTTPClientResponse, HTTPClientError>, Never>

    /// Hands the outcome to the awaiting task; must be called exactly once.
    func finish(_ result: Result<HTTPClientResponse, HTTPClientError>) {
        continuation.resume(returning: result)
    }
}
