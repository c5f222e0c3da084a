/// How long and how big each part of the bench is: the default keeps the whole bench within
/// about five minutes; `--quick` is a smoke run of well under two.
struct BenchPlan: Sendable {
    /// wrk threads for every run.
    var wrkThreads = 2
    /// wrk connections for the full-speed runs.
    var wrkConnections = 64
    /// Length of each full-speed webhook run (daemon and no-op), in seconds.
    var webhookSeconds = 10
    /// Length of each store-only probe (no HTTP), in seconds.
    var probeSeconds = 3.0
    /// The fixed rate for the latency run, requests per second.
    var fixedRate = 1000
    /// Connections for the fixed-rate run (enough that pacing, not connections, sets the rate).
    var fixedRateConnections = 16
    /// Length of the fixed-rate runs, in seconds.
    var fixedRateSeconds = 10
    /// Extra full-speed webhook rounds for memory growth, and their length in seconds.
    var longRounds = 3
    var longRoundSeconds = 10
    /// Tasks created for the webhook runs (results spread over them at random). wrk's Lua caps a
    /// script at 65,536 constants (two per task), so this cannot grow much; by the long rounds
    /// tasks fill up to their `numberResults` and further results are refused with 409 (results
    /// bounded by the task): those show as non-2xx and are not counted as acks.
    var webhookTasks = 20_000
    /// Results per task the webhook tasks announce (Runware allows 1…20).
    var webhookResultsPerTask = 20
    /// ~1 MB images fed through ingestion.
    var ingestionImages = 1_000
    /// Tasks bulk-loaded for the status-query runs.
    var statusTasks = 1_000_000
    /// Length of each status-query run (daemon and no-op), in seconds.
    var statusSeconds = 10
    /// Hostile connections held open during the "under attack" run.
    var hostileConnections = 1_000
    /// Length of the unattacked and the attacked webhook runs, in seconds.
    var attackSeconds = 10
    /// wrk connections delivering legitimate webhooks in those runs (Runware's side).
    var attackWrkConnections = 16
    /// Tasks the legitimate webhooks of those runs go to (room for every result: see `webhookTasks`).
    var attackTasks = 20_000
    /// Tasks bulk-loaded for the dashboard list page.
    var dashboardTasks = 1_000_000
    /// Timed requests per dashboard page (after 20 to warm up).
    var dashboardRequests = 500
    /// 1 MiB images uploaded to moto by kontextd's S3 sink and, as the baseline, by boto3.
    var syncImages = 200
    /// 64 KiB images stored before every ack run (the same in both, so they differ in the sink
    /// alone), which a directory sink drains.
    var syncBacklog = 5_000
    /// Pairs of webhook runs (no sink, then a draining sink) whose averages are compared.
    var syncAckRounds = 2

    /// The default plan.
    static let standard = BenchPlan()

    /// A short smoke run: shorter runs, fewer tasks and images, 100,000 status tasks.
    static let quick = BenchPlan(
        webhookSeconds: 3, probeSeconds: 2, fixedRateSeconds: 3, longRounds: 3, longRoundSeconds: 3, webhookTasks: 20_000,
        ingestionImages: 200, statusTasks: 100_000, statusSeconds: 3, attackSeconds: 3, dashboardTasks: 100_000,
        dashboardRequests: 100,
        syncImages: 40, syncBacklog: 1_000, syncAckRounds: 1)
}
