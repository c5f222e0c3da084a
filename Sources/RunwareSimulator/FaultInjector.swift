import Synchronization

/// Draws every fault decision of a `FaultPlan` and counts the faults that happened.
///
/// Each kind of event (submissions, webhooks, downloads, image URLs) has its own SplitMix64
/// stream seeded from `plan.seed`, and every decision consumes a fixed number of values, so the
/// same seed and the same sequence of events of one kind give the same decisions whatever the
/// other kinds did meanwhile. All state sits in one `Mutex`.
final class FaultInjector: Sendable {
    let plan: FaultPlan

    private struct Streams {
        var submissions: SplitMix64
        var webhooks: SplitMix64
        var downloads: SplitMix64
        var urls: SplitMix64
        var counts: [FaultKind: Int] = [:]
    }

    private let state: Mutex<Streams>

    init(plan: FaultPlan) {
        self.plan = plan
        func stream(_ salt: UInt64) -> SplitMix64 {
            var mixer = SplitMix64(seed: plan.seed ^ salt)
            return SplitMix64(seed: mixer.next())
        }
        state = Mutex(Streams(
            submissions: stream(0x5355_424D), webhooks: stream(0x5745_4248), downloads: stream(0x444F_574E),
            urls: stream(0x5552_4C53)))
    }

    /// Counts one fault that happened (`times` for several at once).
    func record(_ kind: FaultKind, times: Int = 1) {
        guard times > 0 else { return }
        state.withLock { $0.counts[kind, default: 0] += times }
    }

    /// How many of each fault happened, every kind present (0 when it never happened).
    var counts: [FaultKind: Int] {
        state.withLock { state in
            Dictionary(uniqueKeysWithValues: FaultKind.allCases.map { ($0, state.counts[$0] ?? 0) })
        }
    }

    /// The decision for one submission; nil means answer normally. Not counted here: the
    /// endpoint counts what it actually did.
    func submissionFault() -> SubmissionFault? {
        guard plan.submitErrorRate > 0 || plan.submitTimeoutRate > 0 || plan.submitDropAfterAcceptRate > 0 else {
            return nil
        }
        let draws = state.withLock { state in (0..<4).map { _ in Self.unit(&state.submissions) } }
        if draws[0] < plan.submitErrorRate {
            return .refuse(status: [429, 503, 504][min(2, Int(draws[1] * 3))])
        }
        if draws[2] < plan.submitTimeoutRate {
            return .hang(seconds: plan.submitHangSeconds)
        }
        if draws[3] < plan.submitDropAfterAcceptRate {
            return .dropAfterAccept
        }
        return nil
    }

    /// The decision for one result's webhook.
    func webhookFaults() -> WebhookFaults {
        guard plan.dropWebhookRate > 0 || plan.duplicateWebhookRate > 0 || plan.delayWebhookRate > 0 else {
            return WebhookFaults()
        }
        let draws = state.withLock { state in (0..<5).map { _ in Self.unit(&state.webhooks) } }
        var faults = WebhookFaults()
        faults.drop = draws[0] < plan.dropWebhookRate
        if draws[1] < plan.duplicateWebhookRate {
            faults.copies = draws[2] < 0.5 ? 2 : 3
        }
        if draws[3] < plan.delayWebhookRate {
            faults.delay = draws[4] * max(0, plan.maxWebhookDelay)
        }
        return faults
    }

    /// Whether a submitted task's acknowledgement waits for one of its webhooks.
    func webhookBeforeAck() -> Bool {
        guard plan.webhookBeforeAckRate > 0 else { return false }
        return state.withLock { Self.unit(&$0.webhooks) } < plan.webhookBeforeAckRate
    }

    /// The decision for one download attempt of `byteCount` bytes; nil means serve them whole.
    func downloadFault(byteCount: Int) -> DownloadFault? {
        guard plan.stallDownloadRate > 0 || plan.truncateDownloadRate > 0 || plan.corruptDownloadRate > 0 else {
            return nil
        }
        let draws = state.withLock { state in (0..<5).map { _ in Self.unit(&state.downloads) } }
        // Cut somewhere in the middle half, so headers arrive but the image cannot be whole.
        let cut = max(1, min(byteCount - 1, byteCount / 4 + Int(draws[1] * Double(byteCount / 2))))
        if draws[0] < plan.stallDownloadRate {
            return .stall(sentBytes: cut, seconds: plan.stallSeconds)
        }
        if draws[2] < plan.truncateDownloadRate {
            return draws[3] < 0.5 ? .cutShort(sentBytes: cut) : .shortBody(length: cut)
        }
        if draws[4] < plan.corruptDownloadRate {
            return .corrupt
        }
        return nil
    }

    /// Whether a new result's first image URL is expired from the start.
    func expireImageURL() -> Bool {
        guard plan.expireImageURLRate > 0 else { return false }
        return state.withLock { Self.unit(&$0.urls) } < plan.expireImageURLRate
    }

    /// A uniform value in [0, 1) from the top 53 bits.
    private static func unit(_ generator: inout SplitMix64) -> Double {
        Double(generator.next() >> 11) * 0x1.0p-53
    }
}
