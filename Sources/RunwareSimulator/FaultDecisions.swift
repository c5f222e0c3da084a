/// What the fault plan decided for one submission (a POST /v1 carrying `imageInference` tasks).
enum SubmissionFault: Sendable, Equatable {
    /// Refuse with this status (429, 503 or 504); nothing is accepted.
    case refuse(status: Int)
    /// Accept and run the tasks, hold the response this long.
    case hang(seconds: Double)
    /// Accept and run the tasks, close the connection without a response.
    case dropAfterAccept
}

/// What the fault plan decided for one result's webhook.
struct WebhookFaults: Sendable, Equatable {
    /// Never send it.
    var drop = false
    /// How many times to deliver it (1 normally, 2–3 when duplicated).
    var copies = 1
    /// Seconds to wait before the first attempt.
    var delay: Double = 0
}

/// What the fault plan decided for one download attempt of a live image URL.
enum DownloadFault: Sendable, Equatable {
    /// Send the first `sentBytes`, stall `seconds`, close.
    case stall(sentBytes: Int, seconds: Double)
    /// Announce the full length, send `sentBytes`, close.
    case cutShort(sentBytes: Int)
    /// A complete response whose body is only the first `length` bytes.
    case shortBody(length: Int)
    /// Structurally damaged bytes of the full length.
    case corrupt
}
