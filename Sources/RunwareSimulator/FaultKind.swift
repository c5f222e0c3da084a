/// Each fault the simulator can inject, named as `faultCounts()` and `GET /sim/state` report
/// them (the raw value is the key).
public enum FaultKind: String, Sendable, Hashable, CaseIterable {
    /// A result's webhooks were never sent.
    case droppedWebhook
    /// A result's webhook was sent more than once (counted once per extra copy).
    case duplicatedWebhook
    /// A result's webhook was held back before its first attempt.
    case delayedWebhook
    /// A submission's response was held until one of its webhooks was answered.
    case webhookBeforeAck
    /// A download attempt got damaged bytes.
    case corruptedDownload
    /// A download attempt was cut short (closed early, or a short body with a matching length).
    case truncatedDownload
    /// A download attempt stalled, then was closed.
    case stalledDownload
    /// A result's first image URL was expired from the start.
    case expiredImageURL
    /// An image URL was requested after it expired and answered 404.
    case expiredURLRequested
    /// `getResponse` issued a fresh URL for an image whose current URL had expired.
    case freshImageURLIssued
    /// A submission was refused with 429, 503 or 504.
    case submitError
    /// A submission was accepted but its response held past the client's patience.
    case submitTimeout
    /// A submission was accepted, then its connection closed without a response.
    case submitDroppedAfterAccept
}
