import KontextCore
import Testing

@testable import RunwareSimulator

/// The fault decisions on their own: seeded determinism, the meaning of rates 0 and 1, damage
/// that structural verification always catches, and URL versions.
@Suite("Fault decisions")
struct FaultInjectorTests {
    static let mixed = FaultPlan(
        seed: 42, dropWebhookRate: 0.3, duplicateWebhookRate: 0.4, delayWebhookRate: 0.5, maxWebhookDelay: 1,
        webhookBeforeAckRate: 0.5, corruptDownloadRate: 0.3, truncateDownloadRate: 0.3, stallDownloadRate: 0.2,
        expireImageURLRate: 0.5, submitErrorRate: 0.3, submitTimeoutRate: 0.2, submitDropAfterAcceptRate: 0.2)

    /// 40 decisions of every kind, as one comparable text.
    static func transcript(_ injector: FaultInjector) -> [String] {
        (0..<40).flatMap { _ in
            [
                "\(String(describing: injector.submissionFault()))", "\(injector.webhookFaults())",
                "\(injector.webhookBeforeAck())", "\(String(describing: injector.downloadFault(byteCount: 10_000)))",
                "\(injector.expireImageURL())",
            ]
        }
    }

    @Test("the same seed gives the same decisions; another seed gives others")
    func seededDeterminism() {
        let first = Self.transcript(FaultInjector(plan: Self.mixed))
        let again = Self.transcript(FaultInjector(plan: Self.mixed))
        var reseeded = Self.mixed
        reseeded.seed = 43
        let other = Self.transcript(FaultInjector(plan: reseeded))
        #expect(first == again)
        #expect(first != other)
    }

    @Test("each kind of event has its own stream: webhook draws do not shift submission decisions")
    func independentStreams() {
        let quiet = FaultInjector(plan: Self.mixed)
        let busy = FaultInjector(plan: Self.mixed)
        var quietSubmissions: [SubmissionFault?] = []
        var busySubmissions: [SubmissionFault?] = []
        for _ in 0..<30 {
            quietSubmissions.append(quiet.submissionFault())
            _ = busy.webhookFaults()
            _ = busy.downloadFault(byteCount: 5000)
            busySubmissions.append(busy.submissionFault())
        }
        #expect(quietSubmissions == busySubmissions)
        #expect(quietSubmissions.contains(nil))
        #expect(quietSubmissions.contains { $0 != nil })
    }

    @Test("rate 0 never injects, rate 1 always does; refusals use 429, 503 and 504")
    func rateBounds() {
        let none = FaultInjector(plan: .none)
        let all = FaultInjector(plan: FaultPlan(
            dropWebhookRate: 1, duplicateWebhookRate: 1, delayWebhookRate: 1, webhookBeforeAckRate: 1,
            corruptDownloadRate: 1, expireImageURLRate: 1, submitErrorRate: 1))
        var statuses: Set<Int> = []
        for _ in 0..<200 {
            #expect(none.submissionFault() == nil)
            #expect(none.webhookFaults() == WebhookFaults())
            #expect(!none.webhookBeforeAck())
            #expect(none.downloadFault(byteCount: 100) == nil)
            #expect(!none.expireImageURL())

            guard case .refuse(let status) = all.submissionFault() else {
                Issue.record("submitErrorRate 1 did not refuse")
                continue
            }
            statuses.insert(status)
            let webhook = all.webhookFaults()
            #expect(webhook.drop)
            #expect((2...3).contains(webhook.copies))
            #expect((0...2).contains(webhook.delay))
            #expect(all.webhookBeforeAck())
            #expect(all.downloadFault(byteCount: 100) == .corrupt)
            #expect(all.expireImageURL())
        }
        #expect(statuses == [429, 503, 504])
        #expect(!FaultPlan.none.injectsFaults)
        #expect(FaultPlan(imageURLLifetime: 5).injectsFaults)
    }

    @Test("stalls and truncations cut inside the body, never at its ends")
    func cutsInsideTheBody() {
        let injector = FaultInjector(plan: FaultPlan(seed: 9, truncateDownloadRate: 0.5, stallDownloadRate: 0.5))
        var kinds: Set<String> = []
        for _ in 0..<300 {
            switch injector.downloadFault(byteCount: 1000) {
            case .stall(let sent, let seconds):
                kinds.insert("stall")
                #expect((250...750).contains(sent))
                #expect(seconds == 30)
            case .cutShort(let sent):
                kinds.insert("cutShort")
                #expect((250...750).contains(sent))
            case .shortBody(let length):
                kinds.insert("shortBody")
                #expect((250...750).contains(length))
            case .corrupt:
                Issue.record("corruptDownloadRate is 0")
            case nil:
                kinds.insert("whole")
            }
        }
        #expect(kinds == ["stall", "cutShort", "shortBody", "whole"])
    }

    @Test("download damage keeps the length and always fails structural verification", arguments: OutputFormat.allCases)
    func damageIsDetectable(format: OutputFormat) throws {
        for seed in UInt64(1)...4 {
            let size = ImageSize(width: 832, height: 1248)
            let pristine = try ImageSynthesizer.render(format: format, size: size, seed: seed)
            #expect(throws: Never.self) { try ImageVerifier.verify(pristine, expectedFormat: format, expectedSize: size).get() }
            let damaged = DownloadDamage.corrupt(pristine, format: format)
            #expect(damaged.count == pristine.count)
            #expect(damaged != pristine)
            #expect(throws: ImageVerificationError.self) {
                try ImageVerifier.verify(damaged, expectedFormat: format, expectedSize: size).get()
            }
            let short = Array(pristine.prefix(pristine.count / 2))
            #expect(throws: ImageVerificationError.self) {
                try ImageVerifier.verify(short, expectedFormat: format, expectedSize: size).get()
            }
        }
    }

    @Test("URL versions: an expired-from-start first URL is dead, later ones live until their lifetime ends")
    func urlVersions() {
        let start = ContinuousClock.now
        var history = ImageURLHistory(imageUUID: "abc", format: .png, issuedAt: start, firstExpiredFromStart: true)
        #expect(!history.isLive(version: 0, at: start, lifetime: nil))
        #expect(!history.isLive(version: 1, at: start, lifetime: nil))
        let fresh = history.issue(at: start + .seconds(1))
        #expect(fresh == 1)
        #expect(history.isLive(version: 1, at: start + .seconds(5), lifetime: nil))
        #expect(history.isLive(version: 1, at: start + .seconds(2), lifetime: 2))
        #expect(!history.isLive(version: 1, at: start + .seconds(3), lifetime: 2))
        #expect(history.url(base: "http://sim", version: 0) == "http://sim/image/ws/2/ii/abc.png")
        #expect(history.url(base: "http://sim", version: 1) == "http://sim/image/ws/2/ii/abc.png?v=1")
    }
}
