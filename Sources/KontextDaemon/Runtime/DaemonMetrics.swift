import CoreMetrics
import KontextStore
import struct Prometheus.PrometheusMetricsFactory
import class Prometheus.PrometheusCollectorRegistry

/// The daemon's counters, in its own Prometheus registry so `/metrics` shows exactly this daemon
/// (several daemons may share one test process).
package struct DaemonMetrics: Sendable {
    /// The registry `/metrics` renders.
    package let registry: PrometheusCollectorRegistry
    let tasksAccepted: Counter
    let tasksSubmitted: Counter
    let tasksRejected: Counter
    let submitRequests: Counter
    let submitFailures: Counter
    let webhooksAccepted: Counter
    let webhooksDuplicate: Counter
    let webhooksUnauthorized: Counter
    let webhooksRejected: Counter
    let imagesStored: Counter
    let imagesFailed: Counter
    let imageBytesStored: Counter
    let fetchRetries: Counter
    let refetches: Counter
    let repairs: Counter
    private let factory: PrometheusMetricsFactory
    let unrecognisedWebhook: Counter
    let unrecognisedPoll: Counter
    let unrecognisedSubmitResponse: Counter
    let polls: Counter
    let pollFailures: Counter
    let tasksGivenUp: Counter
    let spendTodayUSD: Gauge
    let spendTotalUSD: Gauge
    let tasksHeld: Gauge
    let storeCommits: Counter
    let storeCommittedWrites: Counter
    let resultsRefusedBeyondTask: Counter
    let resultsRefusedTaskFinal: Counter

    package init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        let factory = PrometheusMetricsFactory(registry: registry)
        self.factory = factory
        func counter(_ label: String, _ dimensions: [(String, String)] = []) -> Counter {
            Counter(label: label, dimensions: dimensions, factory: factory)
        }
        tasksAccepted = counter("kontextd_tasks_accepted_total")
        tasksSubmitted = counter("kontextd_tasks_submitted_total")
        tasksRejected = counter("kontextd_tasks_rejected_total")
        submitRequests = counter("kontextd_runware_requests_total")
        submitFailures = counter("kontextd_runware_request_failures_total")
        webhooksAccepted = counter("kontextd_webhooks_total", [("outcome", "accepted")])
        webhooksDuplicate = counter("kontextd_webhooks_total", [("outcome", "duplicate")])
        webhooksUnauthorized = counter("kontextd_webhooks_total", [("outcome", "unauthorized")])
        webhooksRejected = counter("kontextd_webhooks_total", [("outcome", "rejected")])
        imagesStored = counter("kontextd_images_total", [("outcome", "stored")])
        imagesFailed = counter("kontextd_images_total", [("outcome", "failed")])
        imageBytesStored = counter("kontextd_image_bytes_stored_total")
        fetchRetries = counter("kontextd_image_fetch_retries_total")
        refetches = counter("kontextd_image_url_refetches_total")
        repairs = counter("kontextd_reconciler_repairs_total")
        unrecognisedWebhook = counter("kontextd_runware_unrecognised_items_total", [("source", "webhook")])
        unrecognisedPoll = counter("kontextd_runware_unrecognised_items_total", [("source", "poll")])
        unrecognisedSubmitResponse = counter("kontextd_runware_unrecognised_items_total", [("source", "submitResponse")])
        polls = counter("kontextd_reconciler_polls_total")
        pollFailures = counter("kontextd_reconciler_poll_failures_total")
        tasksGivenUp = counter("kontextd_tasks_given_up_total")
        // Spend as Runware reported it; set from the store each time /metrics is rendered.
        spendTodayUSD = Gauge(label: "kontextd_spend_today_usd", dimensions: [], factory: factory)
        spendTotalUSD = Gauge(label: "kontextd_spend_total_usd", dimensions: [], factory: factory)
        tasksHeld = Gauge(label: "kontextd_tasks_held", dimensions: [], factory: factory)
        // Group commit at work: writes per commit is committed_writes / commits (one fsync each).
        storeCommits = counter("kontextd_store_commits_total")
        storeCommittedWrites = counter("kontextd_store_committed_writes_total")
        // Distinct results refused: beyond the task's numberResults, or for a completed/failed task.
        resultsRefusedBeyondTask = counter("kontextd_results_refused_total", [("reason", ResultRefusal.resultLimit.rawValue)])
        resultsRefusedTaskFinal = counter("kontextd_results_refused_total", [("reason", ResultRefusal.taskFinal.rawValue)])
    }

    /// The counter of results refused for `reason`.
    func resultsRefused(_ reason: ResultRefusal) -> Counter {
        reason == .taskFinal ? resultsRefusedTaskFinal : resultsRefusedBeyondTask
    }

    /// Counts deliveries to a sink by outcome: delivered, failed (will retry), dead_letter.
    func syncOutcome(sink: String, _ outcome: String, count: Int = 1) {
        Counter(label: "kontextd_sync_deliveries_total", dimensions: [("sink", sink), ("outcome", outcome)], factory: factory)
            .increment(by: count)
    }

    /// Sets a sink's backlog gauges (refreshed whenever `/metrics` or `/healthz` is read).
    func syncGauges(_ status: SyncService.SinkStatus) {
        func gauge(_ label: String, _ value: Double) {
            Gauge(label: label, dimensions: [("sink", status.name)], factory: factory).record(value)
        }
        gauge("kontextd_sync_backlog", Double(status.outbox.pending))
        gauge("kontextd_sync_oldest_pending_seconds", status.oldestPendingAge)
        gauge("kontextd_sync_failing", Double(status.outbox.failing))
        gauge("kontextd_sync_dead_letters", Double(status.outbox.dead))
        gauge("kontextd_sync_delivered", Double(status.outbox.delivered))
        gauge("kontextd_sync_paused", status.pausedReason == nil ? 0 : 1)
    }

    /// Whether a sink runs one delivery at a time because the store writer is busy (`ForegroundYield`).
    func syncYielding(sink: String, _ yielding: Bool) {
        Gauge(label: "kontextd_sync_yielding", dimensions: [("sink", sink)], factory: factory).record(yielding ? 1 : 0)
    }

    /// Counts `count` items of a Runware body that could not be understood, by the body's kind.
    func countUnrecognised(_ count: Int, source: DeliverySource) {
        switch source {
        case .webhook: unrecognisedWebhook.increment(by: count)
        case .poll: unrecognisedPoll.increment(by: count)
        case .submitResponse: unrecognisedSubmitResponse.increment(by: count)
        }
    }

    /// The Prometheus text exposition of every metric.
    package func render() -> [UInt8] {
        registry.emitToBuffer()
    }
}
