/// The faults a simulator injects on purpose, so a client can be tested against crashes,
/// missed webhooks and a flaky API. Every member is a rate in 0…1 (the chance per event) or a
/// duration in seconds; `FaultPlan.none` (the default) injects nothing.
///
/// Every choice is drawn from SplitMix64 generators seeded from `seed` (one stream per kind of
/// event: submissions, webhooks, downloads, URLs), so the same seed and the same sequence of
/// events give the same faults, and webhook traffic does not shift the submission choices.
package struct FaultPlan: Sendable, Hashable {
    /// Seed of every fault choice.
    package var seed: UInt64
    /// Per result: its webhooks are never sent (`getResponse` still has the result).
    package var dropWebhookRate: Double
    /// Per result: the webhook is delivered 2–3 times, the copies sent even after a 2xx.
    package var duplicateWebhookRate: Double
    /// Per result: delivery starts after a random wait of up to `maxWebhookDelay`, so
    /// deliveries reorder.
    package var delayWebhookRate: Double
    /// Longest extra wait of a delayed webhook, in seconds.
    package var maxWebhookDelay: Double
    /// Per submitted task with a `webhookURL`: the POST /v1 response is held until one of the
    /// task's webhooks got an answer (bounded), so the webhook arrives before the acknowledgement.
    package var webhookBeforeAckRate: Double
    /// Per download attempt: the body is damaged in its middle in a way structural verification
    /// catches (a retry may get good bytes).
    package var corruptDownloadRate: Double
    /// Per download attempt: the full Content-Length is announced but the connection closes
    /// early, or a short body is sent with a matching Content-Length.
    package var truncateDownloadRate: Double
    /// Per download attempt: part of the body is sent, then nothing for `stallSeconds`, then the
    /// connection closes.
    package var stallDownloadRate: Double
    /// How long a stalled download stalls, in seconds.
    package var stallSeconds: Double
    /// Per result: its first image URL answers 404 (expired) from the start; `getResponse`
    /// returns a fresh URL for the same imageUUID that works.
    package var expireImageURLRate: Double
    /// When set, every image URL answers 404 this many seconds after it was issued;
    /// `getResponse` re-issues a fresh URL once the current one expired.
    package var imageURLLifetime: Double?
    /// Per submission (a POST /v1 carrying `imageInference` tasks): answer 429, 503 or 504 with
    /// Runware's error envelope (`Retry-After` on 429 and 503); nothing is accepted.
    package var submitErrorRate: Double
    /// Per submission: the tasks are accepted and run, but the response is held for
    /// `submitHangSeconds`, longer than a client waits: an ambiguous submission.
    package var submitTimeoutRate: Double
    /// How long a timed-out submission's response is held, in seconds.
    package var submitHangSeconds: Double
    /// Per submission: the tasks are accepted and run, then the connection closes without a
    /// response.
    package var submitDropAfterAcceptRate: Double
    /// Per result with a webhook: a progress frame (`imageUUID`, `status: processing`,
    /// `progress`, `resultIndex`, no image field; runware-sdk 1.8 reads these) is POSTed first.
    package var progressFrameRate: Double
    /// Per failed generation: the failure is sent as runware-sdk 1.8's nested item
    /// (`{"taskUUID","status":"error","error":{"code","message"}}`, in `data` for `getResponse`)
    /// instead of the flat error object.
    package var nestedErrorRate: Double
    /// Per `getResponse` request: answered 404 (plain text), 500, 502 or 503 instead of the envelope.
    package var pollErrorRate: Double
    /// Per `getResponse` item about a failed or unknown task: `taskFailedOrNotFound` (the SDK's
    /// ambiguous code) instead of the failure or `taskNotFound`.
    package var failedOrNotFoundRate: Double
    /// Per task with several results and a webhook: its result webhooks are held until every
    /// result exists, then sent last first (out of order; `resultIndex` says the order).
    package var reorderResultsRate: Double
    /// Per accepted task: generation starts `lateTaskDelay` seconds late, so its results can
    /// arrive after the client's deadline (`[sim:late]` in the prompt forces it).
    package var lateTaskRate: Double
    /// How late a late task starts, in seconds.
    package var lateTaskDelay: Double

    /// Creates a plan; every rate defaults to 0 (no fault).
    package init(
        seed: UInt64 = 1,
        dropWebhookRate: Double = 0,
        duplicateWebhookRate: Double = 0,
        delayWebhookRate: Double = 0,
        maxWebhookDelay: Double = 2,
        webhookBeforeAckRate: Double = 0,
        corruptDownloadRate: Double = 0,
        truncateDownloadRate: Double = 0,
        stallDownloadRate: Double = 0,
        stallSeconds: Double = 30,
        expireImageURLRate: Double = 0,
        imageURLLifetime: Double? = nil,
        submitErrorRate: Double = 0,
        submitTimeoutRate: Double = 0,
        submitHangSeconds: Double = 40,
        submitDropAfterAcceptRate: Double = 0,
        progressFrameRate: Double = 0,
        nestedErrorRate: Double = 0,
        pollErrorRate: Double = 0,
        failedOrNotFoundRate: Double = 0,
        reorderResultsRate: Double = 0,
        lateTaskRate: Double = 0,
        lateTaskDelay: Double = 30
    ) {
        self.seed = seed
        self.dropWebhookRate = dropWebhookRate
        self.duplicateWebhookRate = duplicateWebhookRate
        self.delayWebhookRate = delayWebhookRate
        self.maxWebhookDelay = maxWebhookDelay
        self.webhookBeforeAckRate = webhookBeforeAckRate
        self.corruptDownloadRate = corruptDownloadRate
        self.truncateDownloadRate = truncateDownloadRate
        self.stallDownloadRate = stallDownloadRate
        self.stallSeconds = stallSeconds
        self.expireImageURLRate = expireImageURLRate
        self.imageURLLifetime = imageURLLifetime
        self.submitErrorRate = submitErrorRate
        self.submitTimeoutRate = submitTimeoutRate
        self.submitHangSeconds = submitHangSeconds
        self.submitDropAfterAcceptRate = submitDropAfterAcceptRate
        self.progressFrameRate = progressFrameRate
        self.nestedErrorRate = nestedErrorRate
        self.pollErrorRate = pollErrorRate
        self.failedOrNotFoundRate = failedOrNotFoundRate
        self.reorderResultsRate = reorderResultsRate
        self.lateTaskRate = lateTaskRate
        self.lateTaskDelay = lateTaskDelay
    }

    /// No fault at all: the simulator behaves like a healthy Runware.
    package static let none = FaultPlan()

    /// Whether any fault can happen under this plan.
    package var injectsFaults: Bool {
        [dropWebhookRate, duplicateWebhookRate, delayWebhookRate, webhookBeforeAckRate, corruptDownloadRate,
         truncateDownloadRate, stallDownloadRate, expireImageURLRate, submitErrorRate, submitTimeoutRate,
         submitDropAfterAcceptRate, progressFrameRate, nestedErrorRate, pollErrorRate, failedOrNotFoundRate,
         reorderResultsRate, lateTaskRate].contains { $0 > 0 } || imageURLLifetime != nil
    }
}

/// Each fault the simulator can inject, named as `faultCounts()` and `GET /sim/state` report
/// them (the raw value is the key).
package enum FaultKind: String, Sendable, Hashable, CaseIterable {
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
    /// A progress frame was POSTed before a result.
    case progressFrame
    /// A failure was sent as the SDK's nested error item.
    case nestedError
    /// A `getResponse` request was answered 404 or 5xx.
    case pollError
    /// A `getResponse` item said `taskFailedOrNotFound`.
    case failedOrNotFound
    /// A task's result webhooks were sent last first.
    case reorderedResults
    /// A task started late (its results may come after the client's deadline).
    case lateTask
}

/// The shape faults drawn per task: how its results and failure travel.
struct TaskShapeFaults: Sendable, Equatable {
    /// Start generation this many seconds late (0: on time).
    var lateBy: Double = 0
    /// Hold the result webhooks and send them last first.
    var reorder = false
    /// Send the failure as the SDK's nested item.
    var nestedError = false
}

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
