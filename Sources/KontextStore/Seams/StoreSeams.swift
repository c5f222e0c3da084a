import KontextCore

// What each part of the daemon needs of the store, one protocol per consumer. `TaskStore`
// (SQLite, Store/Tasks/) is the one implementation today; another store (PostgreSQL, for
// several instances on shared state) implements these protocols in its own module, applies the
// task rules from KontextCore's `TaskTransitions` exactly as `TaskStore` does, and no worker
// changes. Every write a method reports as done must be durable when it returns.

/// What the admin API's intake needs: record a task, idempotently by UUID.
/// Consumer: `AdminAPI` (Daemon/Intake/).
package protocol TaskIntakeStore: Sendable {
    /// Records a new task as queued, or reports what already exists under its UUID.
    func enqueue(_ task: NewTask) async throws(StoreError) -> EnqueueOutcome
}

/// What status reads need: tasks, results and counts, each read in one consistent snapshot.
/// Consumers: `AdminAPI` (`/v1/tasks`, `/v1/images`, `/healthz`), the CLI's local commands.
package protocol TaskStatusStore: Sendable {
    /// A task with its results and errors; nil when unknown.
    func task(_ taskUUID: String) async throws(StoreError) -> TaskDetail?
    /// A page of tasks, optionally only those in `state`; `after` is the previous page's cursor;
    /// oldest first, or newest first (the dashboard's order).
    func tasks(state: TaskState?, limit: Int, after cursor: String?, newestFirst: Bool) async throws(StoreError) -> TaskPage
    /// The results of each of a page's tasks, in one snapshot (the dashboard's list).
    func results(ofTasks taskUUIDs: [String]) async throws(StoreError) -> [String: [ResultRecord]]
    /// One result by image UUID; nil when unknown.
    func result(imageUUID: String) async throws(StoreError) -> ResultRecord?
    /// How many tasks are in each state (every state present).
    func stateCounts() async throws(StoreError) -> [TaskState: Int]
    /// How many results are in each state (every state present).
    func resultCounts() async throws(StoreError) -> [ResultState: Int]
    /// How many results were found by the reconciler (lost webhooks repaired).
    func repairCount() async throws(StoreError) -> Int
}

/// What recording a delivery needs: results and failures for one task, committed before the
/// caller answers anyone. Consumers: `WebhookReceiver` (Daemon/Webhooks/), and through the
/// protocols below the submission worker and the reconciler.
package protocol DeliveryStore: Sendable {
    /// Records one delivery in one transaction and moves the task as `TaskTransitions.afterDelivery`
    /// says; items of the body that could not be read are kept beside the task (once each).
    func recordDelivery(
        taskUUID: String, source: DeliverySource, rawBody: [UInt8], results: [IncomingResult],
        failures: [IncomingFailure], unrecognised: [IncomingUnrecognised], at time: Double
    ) async throws(StoreError) -> DeliveryOutcome
}

extension DeliveryStore {
    /// Records one delivery in which every item was understood.
    package func recordDelivery(
        taskUUID: String, source: DeliverySource, rawBody: [UInt8], results: [IncomingResult],
        failures: [IncomingFailure], at time: Double
    ) async throws(StoreError) -> DeliveryOutcome {
        try await recordDelivery(
            taskUUID: taskUUID, source: source, rawBody: rawBody, results: results, failures: failures, unrecognised: [],
            at: time)
    }
}

/// What submission needs: the queue, and recording what Runware said about each send.
/// Consumer: `SubmissionWorker` (Daemon/Runware/).
package protocol SubmissionStore: DeliveryStore {
    /// Queued tasks, oldest first, at most `limit`.
    func queuedTasks(limit: Int) async throws(StoreError) -> [TaskRecord]
    /// Tasks whose last send went unanswered, to ask Runware about before sending again.
    func uncertainTasks(limit: Int) async throws(StoreError) -> [TaskRecord]
    /// Runware acknowledged these tasks (all or nothing).
    func markSubmitted(_ taskUUIDs: [String], at time: Double) async throws(StoreError)
    /// Runware refused a task; returns its state afterwards.
    @discardableResult
    func markRejected(
        _ taskUUID: String, code: String, message: String, parameter: String?, rawJSON: String, at time: Double
    ) async throws(StoreError) -> TaskState
    /// A send failed without a verdict; returns each task's failure count.
    @discardableResult
    func recordSubmitFailure(_ taskUUIDs: [String], uncertain: Bool, at time: Double) async throws(StoreError) -> [String: Int]
    /// Runware does not have the task after an uncertain send: it may be sent again (after
    /// `taskFailedOrNotFound`, a conflict on that resend will mean failure).
    func clearSubmissionUncertain(_ taskUUID: String, afterFailedOrNotFound: Bool) async throws(StoreError)
    /// Counts one more send of each task, before it is sent.
    func recordSends(_ taskUUIDs: [String]) async throws(StoreError)
    /// kontextd gave up on the task; returns its state afterwards.
    @discardableResult
    func failTask(_ taskUUID: String, code: String, message: String, at time: Double) async throws(StoreError) -> TaskState
}

/// What reconciliation needs: overdue tasks, and recording what a poll found.
/// Consumer: `Reconciler` (Daemon/Reconcile/).
package protocol ReconciliationStore: DeliveryStore {
    /// Submitted tasks still waiting for results, submitted and last polled before the given times.
    func overdueTasks(submittedBefore: Double, polledBefore: Double, limit: Int) async throws(StoreError) -> [TaskRecord]
    /// Records one poll of each task, whatever it found (outcome, error).
    func recordPolls(_ polls: [PollRecord], at time: Double) async throws(StoreError)
    /// Submitted tasks submitted at or before the given time, with their result counts: candidates for their deadline.
    func submittedTasksWithCounts(submittedBefore: Double, limit: Int) async throws(StoreError) -> [TaskProgress]
    /// kontextd gave up on the task; returns its state afterwards.
    @discardableResult
    func failTask(_ taskUUID: String, code: String, message: String, at time: Double) async throws(StoreError) -> TaskState
}

/// What ingestion needs: pending results, what their task expects, and each outcome.
/// Consumer: `ResultIngestor` (Daemon/Ingestion/).
package protocol IngestionStore: Sendable {
    /// Results waiting to be fetched and verified, oldest first, at most `limit`.
    func pendingResults(limit: Int) async throws(StoreError) -> [ResultRecord]
    /// The task a result belongs to (its expected format and size).
    func task(_ taskUUID: String) async throws(StoreError) -> TaskDetail?
    /// The image is verified and durable; returns the task's state afterwards.
    @discardableResult
    func markResultStored(imageUUID: String, image: StoredImage, at time: Double) async throws(StoreError) -> TaskState
    /// The result is given up on, with the reason; returns the task's state afterwards.
    @discardableResult
    func markResultFailed(imageUUID: String, reason: String, at time: Double) async throws(StoreError) -> TaskState
    /// Counts one more fetch attempt; returns the count.
    @discardableResult
    func recordFetchAttempt(imageUUID: String) async throws(StoreError) -> Int
    /// Replaces an expired image URL with a fresh one; returns how many times that happened.
    @discardableResult
    func replaceResultSource(imageUUID: String, sourceValue: String) async throws(StoreError) -> Int
}

extension TaskStatusStore {
    /// A page of tasks, oldest first.
    package func tasks(state: TaskState?, limit: Int, after cursor: String?) async throws(StoreError) -> TaskPage {
        try await tasks(state: state, limit: limit, after: cursor, newestFirst: false)
    }
}

/// What spend control needs: spend so far, and holding and releasing tasks over a budget.
/// Consumer: `SpendGate` (Daemon/Runware/), the admin API's spend figures.
package protocol SpendStore: Sendable {
    /// Spend for a UTC day (`yyyy-MM-dd`), in total, the recent cost per image, images on their way and held tasks.
    func spendSummary(day: String) async throws(StoreError) -> SpendSummary
    /// Held tasks, oldest first.
    func heldTasks(limit: Int) async throws(StoreError) -> [TaskRecord]
    /// Holds a queued task with the reason; returns whether it was held.
    @discardableResult
    func hold(_ taskUUID: String, reason: String, at time: Double) async throws(StoreError) -> Bool
    /// Puts held tasks back in the queue; returns how many were released.
    @discardableResult
    func release(_ taskUUIDs: [String], at time: Double) async throws(StoreError) -> Int
    /// Spend per UTC day, most recent first.
    func spendDays(limit: Int) async throws(StoreError) -> [SpendDay]
}

/// What the thumbnail route needs: recording a thumbnail made after the image was stored.
/// Consumer: `AdminAPI` (`/v1/images/{imageUUID}/thumbnail`).
package protocol ThumbnailStore: Sendable {
    /// Records the thumbnail of a stored result.
    func setThumbnail(imageUUID: String, sha256: String) async throws(StoreError)
}

extension TaskStore: TaskIntakeStore, TaskStatusStore, DeliveryStore, SubmissionStore, ReconciliationStore, IngestionStore,
    SpendStore, ThumbnailStore {}

/// What the pull feed (`GET /v1/events`) reads: the ordered event log and the watch that wakes
/// a long-poll when events commit.
package protocol EventLogStore: Sendable {
    /// Events after the cursor, oldest first.
    func events(after: Int64, limit: Int) async throws(StoreError) -> [EventRecord]
    /// Advanced after every commit that appended events.
    var eventsAppended: EventLogWatch { get }
}

extension TaskStore: EventLogStore {}
