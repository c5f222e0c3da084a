/// Where a delivery of results or failures came from.
public enum DeliverySource: String, Sendable, Hashable, CaseIterable, Codable {
    /// A webhook POST from Runware.
    case webhook
    /// The response to the submission request itself.
    case submitResponse
    /// A `getResponse` poll.
    case poll
}
