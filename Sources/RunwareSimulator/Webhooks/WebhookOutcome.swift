import KontextCore

/// One webhook delivery attempt and what came of it, as the simulator records it: enough for a
/// test to check that every 2xx a client gave was for a result it really kept.
package struct WebhookOutcome: Sendable, Hashable {
    /// The result's imageUUID; nil for a failure notice.
    package let imageUUID: String?
    /// The task the webhook belongs to.
    package let taskUUID: String
    /// Which delivery of the same body this was: 1 for the original, 2 or 3 for duplicates.
    package let copy: Int
    /// The attempt within this copy, from 1 (retries count up).
    package let attempt: Int
    /// The HTTP status the receiver answered; nil when there was no answer.
    package let status: Int?
    /// Why there was no answer (connection refused, timeout…); nil when answered.
    package let transportError: String?
    /// Position among all recorded outcomes, from 0: the order the answers came in.
    package let sequence: Int
    /// Seconds from the simulator's creation to the end of the attempt.
    package let secondsSinceStart: Double

    /// Creates a record; the simulator makes these, tests only read them.
    package init(
        imageUUID: String?, taskUUID: String, copy: Int, attempt: Int, status: Int?, transportError: String?,
        sequence: Int, secondsSinceStart: Double
    ) {
        self.imageUUID = imageUUID
        self.taskUUID = taskUUID
        self.copy = copy
        self.attempt = attempt
        self.status = status
        self.transportError = transportError
        self.sequence = sequence
        self.secondsSinceStart = secondsSinceStart
    }

    /// Whether the receiver took the body (answered 2xx).
    package var isAcknowledged: Bool { status.map { (200..<300).contains($0) } ?? false }

    /// The record as JSON, as `GET /sim/state` lists it.
    package var jsonValue: JSONValue {
        var object: [String: JSONValue] = [
            "taskUUID": .string(taskUUID), "copy": .integer(Int64(copy)), "attempt": .integer(Int64(attempt)),
            "sequence": .integer(Int64(sequence)), "secondsSinceStart": .double(secondsSinceStart),
            "acknowledged": .bool(isAcknowledged),
        ]
        if let imageUUID { object["imageUUID"] = .string(imageUUID) }
        if let status { object["status"] = .integer(Int64(status)) }
        if let transportError { object["transportError"] = .string(transportError) }
        return .object(object)
    }
}
