import KontextCore
import Testing

@testable import RunwareSimulator

@Suite("Simulator parts")
struct SimulatorPartsTests {
    @Test("retry waits start at 250 ms, double, and stop growing at 8 s")
    func retrySchedule() {
        let policy = WebhookRetryPolicy()
        #expect((1...8).map(policy.baseDelay(afterAttempt:)) == [0.25, 0.5, 1, 2, 4, 8, 8, 8])
        #expect(policy.maximumAttempts == 10)
    }

    @Test("jitter stays within its fraction of the base wait")
    func retryJitter() {
        let policy = WebhookRetryPolicy(jitter: 0.2)
        var random = SplitMix64(seed: 3)
        let waits = (0..<200).map { _ in policy.delay(afterAttempt: 3, using: &random) }
        #expect(waits.allSatisfy { (0.8...1.2).contains($0) })
        #expect(Set(waits).count > 1)
    }

    @Test("configuration defaults are the documented ones")
    func configurationDefaults() {
        let configuration = SimulatorConfiguration()
        #expect(configuration.host == "127.0.0.1")
        #expect(configuration.port == 0)
        #expect(configuration.generationDelay == 0.2)
        #expect(configuration.webhookBodyVariant == .bare)
        #expect(configuration.publicBaseURL == nil)
        #expect(configuration.maxWebhookAttempts == 10)
        #expect(configuration.costPerImage == 0.0143)
        #expect(configuration.faults == .none)
        #expect(configuration.faults == FaultPlan(seed: 1, maxWebhookDelay: 2, stallSeconds: 30, submitHangSeconds: 40))
    }

    @Test("corruption flips bytes in the middle and keeps the length")
    func corruption() {
        let original = [UInt8](repeating: 0x11, count: 1000)
        let damaged = ImageCorruption.corrupt(original)
        #expect(damaged.count == original.count)
        #expect(damaged.prefix(400) == original.prefix(400))
        #expect(damaged[500] == ~UInt8(0x11))
        #expect(ImageCorruption.corrupt([7]) == [~UInt8(7)])
    }

    @Test("bearer tokens are read case-insensitively and other schemes are ignored")
    func bearer() {
        #expect(TaskEndpoint.bearerToken("Bearer abc") == "abc")
        #expect(TaskEndpoint.bearerToken("bearer  abc ") == "abc")
        #expect(TaskEndpoint.bearerToken("Basic abc") == nil)
        #expect(TaskEndpoint.bearerToken("Bearer ") == nil)
        #expect(TaskEndpoint.bearerToken(nil) == nil)
    }

    @Test("prompt hooks are found anywhere in the prompt")
    func hooks() {
        #expect(SimulatorHook.hooks(in: "x [sim:fail] y [sim:corrupt]") == [.fail, .corrupt])
        #expect(SimulatorHook.hooks(in: "sim:fail without brackets").isEmpty)
    }

    @Test("reference assets are the same JPEG for the same name and differ between names")
    func referenceAssets() throws {
        let first = try ReferenceAsset.jpeg(named: "d63ac405")
        #expect(try ReferenceAsset.jpeg(named: "d63ac405") == first)
        #expect(try ReferenceAsset.jpeg(named: "a6abbc5b") != first)
        #expect(try ImageIdentification.identify(first) == ImageIdentification(format: "JPEG", width: 1024, height: 1024))
    }
}
