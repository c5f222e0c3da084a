import KontextCore

/// What `TaskStore.recordDelivery` kept from a delivery.
public struct DeliveryOutcome: Sendable, Hashable {
    /// Image UUIDs seen for the first time (now pending).
    public var newResults: [String]
    /// Image UUIDs already known; nothing new was stored for them.
    public var duplicateResults: [String]
    /// Failures recorded for the first time.
    public var failuresRecorded: Int
    /// The task's state after the delivery.
    public var state: TaskState

    /// True when the delivery's raw body was kept (it carried something new).
    public var storedAnything: Bool { !newResults.isEmpty || failuresRecorded > 0 }

    /// Creates an outcome.
    public init(newResults: [String], duplicateResults: [String], failuresRecorded: Int, state: TaskState) {
        self.newResults = newResults
        self.duplicateResults = duplicateResults
        self.failuresRecorded = failuresRecorded
        self.state = state
    }
}
