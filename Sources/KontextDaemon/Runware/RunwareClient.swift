import KontextCore
import KontextNet

/// What the workers need of Runware's REST API: send tasks, ask about tasks. `RunwareAPI`
/// (libcurl, `POST /v1`) is the one implementation; a test can script answers without HTTP.
/// Consumers: `SubmissionWorker` (Daemon/Runware/), `Reconciler` (Daemon/Reconcile/), and
/// `ResultIngestor` (Daemon/Ingestion/) for fresh image URLs.
protocol RunwareClient: Sendable {
    /// The Runware settings the workers size their batches and budgets by.
    var configuration: DaemonConfiguration.Runware { get }
    /// Sends `tasks` in one request; throws when no complete answer arrived.
    func post(_ tasks: [JSONValue]) async throws(HTTPClientError) -> RunwareAPI.Answer
    /// Asks for the cumulative state of each task (`getResponse`) in one request.
    func getResponse(_ taskUUIDs: [String]) async throws(HTTPClientError) -> RunwareAPI.Answer
}

extension RunwareAPI: RunwareClient {}
