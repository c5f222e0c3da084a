import Synchronization

/// Draws every fault decision of a `FaultPlan` and counts the faults that happened.
///
/// Each kind of event (submissions, webhooks, downloads, image URLs) has its own SplitMix64
/// stream seeded from `plan.seed`, and every decision consumes a fixed number of values, so the
/// same seed and the same sequence of events of one kind give the same decisions whatever the
/// other kinds did meanwhile. The plan can be replaced while running (`replacePlan`), which
/// restarts the streams from the new seed; counts carry on. All state sits in one `Mutex`.
final class FaultInjector: Sendable {
    private struct Dice {
        var plan: FaultPlan
        var submissions: SplitMix64
        var webhooks: SplitMix64
        var downloads: SplitMix64
        var urls: SplitMix64
        var shapes: SplitMix64
        var polls: SplitMix64

        init(plan: FaultPlan) {
            func stream(_ salt: UInt64) -> SplitMix64 {
                var mixer = SplitMix64(seed: plan.seed ^ salt)
                return SplitMix64(seed: mixer.next())
            }
            self.plan = plan
            submissions = stream(0x5355_424D)
            webhooks = stream(0x5745_4248)
            downloads = stream(0x444F_574E)
            urls = stream(0x5552_4C53)
            shapes = stream(0x5348_4150)
            polls = stream(0x504F_4C4C)
        }
    }

    private let dice: Mutex<Dice>
    private let tally = Mutex<[FaultKind: Int]>([:])

    init(plan: FaultPlan) {
        dice = Mutex(Dice(plan: plan))
    }

    /// The plan in force.
    var plan: FaultPlan { dice.withLock { $0.plan } }

    /// Puts `plan` in force from now on, its streams starting afresh from `plan.seed`.
    func replacePlan(_ plan: FaultPlan) {
        dice.withLock { $0 = Dice(plan: plan) }
    }

    /// Counts one fault that happened (`times` for several at once).
    func record(_ kind: FaultKind, times: Int = 1) {
        guard times > 0 else { return }
        tally.withLock { $0[kind, default: 0] += times }
    }

    /// How many of each fault happened, every kind present (0 when it never happened).
    var counts: [FaultKind: Int] {
        tally.withLock { tally in
            Dictionary(uniqueKeysWithValues: FaultKind.allCases.map { ($0, tally[$0] ?? 0) })
        }
    }

    /// The decision for one submission; nil means answer normally. Not counted here: the
    /// endpoint counts what it actually did.
    func submissionFault() -> SubmissionFault? {
        dice.withLock { dice in
            let plan = dice.plan
            guard plan.submitErrorRate > 0 || plan.submitTimeoutRate > 0 || plan.submitDropAfterAcceptRate > 0 else {
                return nil
            }
            let draws = (0..<4).map { _ in Self.unit(&dice.submissions) }
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
    }

    /// The decision for one result's webhook.
    func webhookFaults() -> WebhookFaults {
        dice.withLock { dice in
            let plan = dice.plan
            guard plan.dropWebhookRate > 0 || plan.duplicateWebhookRate > 0 || plan.delayWebhookRate > 0 else {
                return WebhookFaults()
            }
            let draws = (0..<5).map { _ in Self.unit(&dice.webhooks) }
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
    }

    /// Whether a submitted task's acknowledgement waits for one of its webhooks.
    func webhookBeforeAck() -> Bool {
        dice.withLock { dice in
            guard dice.plan.webhookBeforeAckRate > 0 else { return false }
            return Self.unit(&dice.webhooks) < dice.plan.webhookBeforeAckRate
        }
    }

    /// The decision for one download attempt of `byteCount` bytes; nil means serve them whole.
    func downloadFault(byteCount: Int) -> DownloadFault? {
        dice.withLock { dice in
            let plan = dice.plan
            guard plan.stallDownloadRate > 0 || plan.truncateDownloadRate > 0 || plan.corruptDownloadRate > 0 else {
                return nil
            }
            let draws = (0..<5).map { _ in Self.unit(&dice.downloads) }
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
    }

    /// Whether a new result's first image URL is expired from the start.
    func expireImageURL() -> Bool {
        dice.withLock { dice in
            guard dice.plan.expireImageURLRate > 0 else { return false }
            return Self.unit(&dice.urls) < dice.plan.expireImageURLRate
        }
    }

    /// The shape faults of one accepted task (late start, reordered results, nested error).
    /// `late` forces a late start (`[sim:late]`).
    func taskShapeFaults(late: Bool) -> TaskShapeFaults {
        dice.withLock { dice in
            let plan = dice.plan
            var faults = TaskShapeFaults()
            if late { faults.lateBy = plan.lateTaskDelay }
            guard plan.lateTaskRate > 0 || plan.reorderResultsRate > 0 || plan.nestedErrorRate > 0 else { return faults }
            let draws = (0..<3).map { _ in Self.unit(&dice.shapes) }
            if draws[0] < plan.lateTaskRate { faults.lateBy = plan.lateTaskDelay }
            faults.reorder = draws[1] < plan.reorderResultsRate
            faults.nestedError = draws[2] < plan.nestedErrorRate
            return faults
        }
    }

    /// Whether a result's webhook is preceded by a progress frame.
    func progressFrame() -> Bool {
        dice.withLock { dice in
            guard dice.plan.progressFrameRate > 0 else { return false }
            return Self.unit(&dice.shapes) < dice.plan.progressFrameRate
        }
    }

    /// The status a `getResponse` request is answered with instead of the envelope, or nil.
    func pollError() -> Int? {
        dice.withLock { dice in
            guard dice.plan.pollErrorRate > 0 else { return nil }
            let draws = (0..<2).map { _ in Self.unit(&dice.polls) }
            guard draws[0] < dice.plan.pollErrorRate else { return nil }
            return [404, 500, 502, 503][min(3, Int(draws[1] * 4))]
        }
    }

    /// Whether a `getResponse` item about a failed or unknown task says `taskFailedOrNotFound`.
    func failedOrNotFound() -> Bool {
        dice.withLock { dice in
            guard dice.plan.failedOrNotFoundRate > 0 else { return false }
            return Self.unit(&dice.polls) < dice.plan.failedOrNotFoundRate
        }
    }

    /// A uniform value in [0, 1) from the top 53 bits.
    private static func unit(_ generator: inout SplitMix64) -> Double {
        Double(generator.next() >> 11) * 0x1.0p-53
    }
}
