import KontextCore
import KontextStore

/// Where a task's results (and its `task.finished` event) stand with each configured sink:
/// what the task page's "Synced to" table and `GET /v1/tasks/{uuid}`'s `sync` fields show.
struct TaskSyncProgress: Sendable, Equatable {
    /// Per stored result (by imageUUID), one entry per sink that receives images, in `sync.sinks` order.
    var images: [String: [SinkDeliveryView]] = [:]
    /// For a final task, one entry per sink that receives `task.finished` (webhook sinks).
    var taskFinished: [SinkDeliveryView] = []

    /// Joins the outbox rows of one task with the configured sinks and their pause state.
    ///
    /// A stored result a sink has no row for is `not queued` (the sink was added after the
    /// result; `kontextd sync backfill` catches it up). A pending delivery of a paused sink is
    /// `paused`, with the sink's reason.
    static func build(
        detail: TaskDetail, records: [SinkDeliveryRecord], sinks: [SinkConfiguration], paused: [String: String]
    ) -> TaskSyncProgress {
        var rows: [String: SinkDeliveryRecord] = [:]
        for record in records { rows[Self.key(record.sink, record.eventType, record.imageUUID)] = record }
        var progress = TaskSyncProgress()
        for result in detail.results where result.state == .stored {
            let values = result.sha256.flatMap { sha256 in
                result.format.map { format in
                    ObjectKeyTemplate.Values(
                        taskUUID: result.taskUUID, imageUUID: result.imageUUID, sha256: sha256, format: format, seed: result.seed,
                        storedAt: result.storedAt ?? result.receivedAt)
                }
            }
            progress.images[result.imageUUID] = sinks.filter { $0.kind.events.contains(.imageStored) }.map { sink in
                let row = rows[Self.key(sink.name, .imageStored, result.imageUUID)]
                // The sinks render their key from the event's time (ImageToSync.storedAt): so does the page.
                let location = values.map { values -> String in
                    var values = values
                    if let row { values.storedAt = row.eventCreatedAt }
                    return sink.location(of: values)
                }
                return SinkDeliveryView(sink: sink, event: .imageStored, row: row, pausedReason: paused[sink.name], location: location)
            }
        }
        if detail.task.state.isFinal {
            progress.taskFinished = sinks.filter { $0.kind.events.contains(.taskFinished) }.map { sink in
                let row = rows[Self.key(sink.name, .taskFinished, nil)]
                // Only webhooks receive task events: their location is the URL, whatever the event.
                let url: String? = if case .webhook(let settings) = sink.kind { settings.url } else { nil }
                return SinkDeliveryView(sink: sink, event: .taskFinished, row: row, pausedReason: paused[sink.name], location: url)
            }
        }
        return progress
    }

    /// True while a delivery waits (pending, or paused with its sink).
    var hasDeliveriesOnTheirWay: Bool {
        let waiting: (SinkDeliveryView) -> Bool = { $0.state == .pending || $0.state == .paused }
        return taskFinished.contains(where: waiting) || images.values.contains { $0.contains(where: waiting) }
    }

    private static func key(_ sink: String, _ type: DownstreamEventType, _ imageUUID: String?) -> String {
        "\(sink)\u{0}\(type.rawValue)\u{0}\(imageUUID ?? "")"
    }
}

/// One event's delivery to one sink, as shown to a person.
struct SinkDeliveryView: Sendable, Equatable {
    enum State: String, Sendable, Equatable {
        case pending
        case delivered
        case deadLettered = "dead-lettered"
        /// Pending, but the sink is paused (403, missing bucket): nothing is tried until it answers.
        case paused
        /// The sink has no delivery of this event (added later; `kontextd sync backfill`).
        case notQueued = "not-queued"
    }

    var sink: String
    /// `directory`, `s3` or `webhook`.
    var sinkType: String
    var event: DownstreamEventType
    var state: State
    var attempts: Int
    var lastError: String?
    /// When the sink confirmed it.
    var deliveredAt: Double?
    /// When a pending delivery is tried next.
    var nextAttemptAt: Double?
    /// Why the sink is paused, when it is.
    var pausedReason: String?
    /// The file path, `s3://bucket/key` or webhook URL.
    var location: String?

    init(sink: SinkConfiguration, event: DownstreamEventType, row: SinkDeliveryRecord?, pausedReason: String?, location: String?) {
        self.sink = sink.name
        self.sinkType = sink.kind.typeName
        self.event = event
        self.attempts = row?.attempts ?? 0
        self.lastError = row?.lastError
        self.location = location
        self.pausedReason = nil
        switch row?.state {
        case nil:
            state = .notQueued
        case .delivered?:
            state = .delivered
            deliveredAt = row?.updatedAt
        case .dead?:
            state = .deadLettered
        case .pending?:
            nextAttemptAt = row?.nextAttemptAt
            if let pausedReason {
                state = .paused
                self.pausedReason = pausedReason
            } else {
                state = .pending
            }
        }
    }

    /// The JSON shape in `GET /v1/tasks/{uuid}` (`results[].sync[]`, `sync[]`).
    var json: JSONValue {
        .object([
            "sink": .string(sink),
            "type": .string(sinkType),
            "state": .string(state.rawValue),
            "attempts": .integer(Int64(attempts)),
            "lastError": lastError.map(JSONValue.string) ?? .null,
            "deliveredAt": deliveredAt.map(JSONValue.double) ?? .null,
            "nextAttemptAt": nextAttemptAt.map(JSONValue.double) ?? .null,
            "pausedReason": pausedReason.map(JSONValue.string) ?? .null,
            "location": location.map(JSONValue.string) ?? .null,
        ])
    }
}

extension SyncService {
    /// Where each of the task's results (and its `task.finished` event) stands with every configured sink.
    func progress(of detail: TaskDetail) async throws(StoreError) -> TaskSyncProgress {
        let sinks = runners.map(\.configuration)
        guard !sinks.isEmpty else { return TaskSyncProgress() }
        let records = try await store.deliveries(ofTask: detail.task.taskUUID, sinks: sinks.map(\.name))
        return TaskSyncProgress.build(detail: detail, records: records, sinks: sinks, paused: paused.withLock { $0 })
    }
}
