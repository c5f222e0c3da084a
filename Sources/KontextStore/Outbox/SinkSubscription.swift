import KontextCore

/// A configured downstream sink as the store sees it: its name and the events it receives.
public struct SinkSubscription: Sendable, Hashable {
    /// The sink's name from `sync.sinks` (the outbox key).
    public var name: String
    /// The event types it receives (a directory or bucket only wants stored images).
    public var events: Set<DownstreamEventType>

    public init(name: String, events: Set<DownstreamEventType>) {
        self.name = name
        self.events = events
    }
}

/// One entry of the event log: the pull feed's item and every sink's unit of delivery.
public struct EventRecord: Sendable, Hashable {
    /// The log position: the pull feed's cursor, increasing, never reused.
    public var id: Int64
    /// The event's stable id (the body's `id`, Standard Webhooks' `webhook-id`).
    public var eventUUID: String
    public var type: DownstreamEventType
    public var taskUUID: String
    /// The image, for `image.stored`.
    public var imageUUID: String?
    /// The encoded body, byte for byte what every consumer receives.
    public var body: String
    /// When the event was recorded.
    public var createdAt: Double
}

/// One pending delivery of an event to one sink.
public struct OutboxEntry: Sendable, Hashable {
    public var sink: String
    public var event: EventRecord
    /// Failed attempts so far.
    public var attempts: Int
    public var lastError: String?
    /// The object may already be in the sink: enqueued by a backfill, put back from the dead
    /// letters, or after a failed attempt (which may have reached the store before it failed).
    public var checkExisting: Bool
    /// For `image.stored`: the local file of the stored result (nil when there is no such result).
    public var imagePath: String?
}

/// Where one sink's outbox stands.
public struct OutboxStatistics: Sendable, Hashable {
    /// Deliveries waiting (including ones backing off after failures).
    public var pending: Int = 0
    /// The oldest waiting event's time, nil when nothing waits.
    public var oldestPendingAt: Double?
    /// Waiting deliveries that failed at least once.
    public var failing: Int = 0
    /// Failed attempts over all waiting deliveries.
    public var attempts: Int = 0
    /// Deliveries given up on (until `sync retry`).
    public var dead: Int = 0
    /// Deliveries confirmed by the sink.
    public var delivered: Int = 0
    /// The last error of the most recently failed waiting delivery.
    public var lastError: String?

    public init() {}
}

/// What `images.retainLocalDays` may remove: a local image every sink has confirmed.
public struct ReleasableImage: Sendable, Hashable {
    public var imageUUID: String
    public var path: String
}
