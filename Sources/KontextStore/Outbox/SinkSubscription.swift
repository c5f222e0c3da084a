import KontextCore

/// A configured downstream sink as the store sees it: its name and the events it receives.
package struct SinkSubscription: Sendable, Hashable {
    /// The sink's name from `sync.sinks` (the outbox key).
    package var name: String
    /// The event types it receives (a directory or bucket only wants stored images).
    package var events: Set<DownstreamEventType>

    package init(name: String, events: Set<DownstreamEventType>) {
        self.name = name
        self.events = events
    }
}

/// One entry of the event log: the pull feed's item and every sink's unit of delivery.
package struct EventRecord: Sendable, Hashable {
    /// The log position: the pull feed's cursor, increasing, never reused.
    package var id: Int64
    /// The event's stable id (the body's `id`, Standard Webhooks' `webhook-id`).
    package var eventUUID: String
    package var type: DownstreamEventType
    package var taskUUID: String
    /// The image, for `image.stored`.
    package var imageUUID: String?
    /// The encoded body, byte for byte what every consumer receives.
    package var body: String
    /// When the event was recorded.
    package var createdAt: Double
}

/// One pending delivery of an event to one sink.
package struct OutboxEntry: Sendable, Hashable {
    package var sink: String
    package var event: EventRecord
    /// Failed attempts so far.
    package var attempts: Int
    package var lastError: String?
    /// The object may already be in the sink: enqueued by a backfill, put back from the dead
    /// letters, or after a failed attempt (which may have reached the store before it failed).
    package var checkExisting: Bool
    /// For `image.stored`: the local file of the stored result (nil when there is no such result).
    package var imagePath: String?
}

/// Where one sink's outbox stands.
package struct OutboxStatistics: Sendable, Hashable {
    /// Deliveries waiting (including ones backing off after failures).
    package var pending: Int = 0
    /// The oldest waiting event's time, nil when nothing waits.
    package var oldestPendingAt: Double?
    /// Waiting deliveries that failed at least once.
    package var failing: Int = 0
    /// Failed attempts over all waiting deliveries.
    package var attempts: Int = 0
    /// Deliveries given up on (until `sync retry`).
    package var dead: Int = 0
    /// Deliveries confirmed by the sink.
    package var delivered: Int = 0
    /// The last error of the most recently failed waiting delivery.
    package var lastError: String?

    package init() {}
}

/// What `images.retainLocalDays` may remove: a local image every sink has confirmed.
package struct ReleasableImage: Sendable, Hashable {
    package var imageUUID: String
    package var path: String
}
