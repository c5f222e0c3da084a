import KontextTesting
import KontextCore
import Testing

@testable import RunwareSimulator

/// Webhook faults over real sockets, each at rate 1, with a real receiver.
@Suite("Faults: webhooks")
struct FaultWebhookTests {
    static func webhookTask(_ uuid: String, url: String, results: Int = 1) -> JSONValue {
        TaskFixture.task(uuid: uuid, extra: ["webhookURL": .string(url), "numberResults": .integer(Int64(results))])
    }

    @Test("dropped: no webhook ever arrives, yet getResponse has every result")
    func dropped() async throws {
        let session = try await SimulatorSession.start(faults: FaultPlan(dropWebhookRate: 1))
        let receiver = WebhookReceiver()
        let url = try await receiver.start()
        let uuid = TaskFixture.uuid()
        #expect(try await session.post([Self.webhookTask(uuid, url: url, results: 2)]).status == 200)
        let results = try await session.awaitResults(uuid, count: 2)
        #expect(Set(results.compactMap { $0["imageUUID"]?.stringValue })
            == Set(session.simulator.generatedImages().map(\.imageUUID)))
        #expect(await eventually { session.simulator.faultCounts()[FaultKind.droppedWebhook.rawValue] == 2 })
        // Once the ledger is quiet nothing is running or due: a delivery wrongly sent has arrived.
        await session.simulator.waitUntilQuiet()
        #expect(receiver.deliveries.isEmpty)
        #expect(session.simulator.webhookOutcomes().isEmpty)
        #expect(session.simulator.webhookAttempts.isEmpty)
        await receiver.stop()
        await session.stop()
    }

    @Test("duplicated: the same result arrives 2–3 times although every delivery got 200")
    func duplicated() async throws {
        let plan = FaultPlan(duplicateWebhookRate: 1)
        // The simulator's first webhook decision is this one, so a fresh injector predicts it.
        let copies = FaultInjector(plan: plan).webhookFaults().copies
        #expect((2...3).contains(copies))
        let session = try await SimulatorSession.start(faults: plan)
        let receiver = WebhookReceiver()
        let url = try await receiver.start()
        let uuid = TaskFixture.uuid()
        _ = try await session.post([Self.webhookTask(uuid, url: url)])
        #expect(await eventually { session.simulator.webhookOutcomes().count == copies })
        let image = try #require(session.simulator.generatedImages().first)
        let duplicates = copies - 1
        #expect(session.simulator.faultCounts()[FaultKind.duplicatedWebhook.rawValue] == duplicates)
        let bodies = try receiver.bodies()
        #expect(bodies.count == duplicates + 1)
        #expect(bodies.allSatisfy { $0["imageUUID"] == .string(image.imageUUID) })
        let outcomes = session.simulator.webhookOutcomes()
        #expect(outcomes.allSatisfy { $0.isAcknowledged && $0.attempt == 1 && $0.imageUUID == image.imageUUID })
        #expect(outcomes.map(\.copy) == Array(1...(duplicates + 1)))
        await receiver.stop()
        await session.stop()
    }

    @Test("delayed: every result still arrives, and the delay is counted")
    func delayed() async throws {
        let session = try await SimulatorSession.start(faults: FaultPlan(delayWebhookRate: 1, maxWebhookDelay: 0.3))
        let receiver = WebhookReceiver()
        let url = try await receiver.start()
        let uuid = TaskFixture.uuid()
        _ = try await session.post([Self.webhookTask(uuid, url: url, results: 3)])
        #expect(await eventually { receiver.deliveries.count == 3 })
        #expect(Set(try receiver.bodies().compactMap { $0["imageUUID"]?.stringValue })
            == Set(session.simulator.generatedImages().map(\.imageUUID)))
        #expect(session.simulator.faultCounts()[FaultKind.delayedWebhook.rawValue] == 3)
        await receiver.stop()
        await session.stop()
    }

    @Test("before the ack: the webhook was delivered and answered before POST /v1 returned")
    func beforeAck() async throws {
        let session = try await SimulatorSession.start(faults: FaultPlan(webhookBeforeAckRate: 1))
        let receiver = WebhookReceiver()
        let url = try await receiver.start()
        let uuid = TaskFixture.uuid()
        let ack = try await session.post([Self.webhookTask(uuid, url: url)])
        // Read before anything else: the answer must already be there when the ack arrives.
        let deliveredBeforeAck = receiver.deliveries.count
        let outcomesBeforeAck = session.simulator.webhookOutcomes()
        #expect(ack.status == 200)
        #expect(ack.body.dataItems == [.object(["taskType": .string("imageInference"), "taskUUID": .string(uuid)])])
        #expect(deliveredBeforeAck == 1)
        #expect(outcomesBeforeAck.map(\.status) == [200])
        #expect(session.simulator.faultCounts()[FaultKind.webhookBeforeAck.rawValue] == 1)
        await receiver.stop()
        await session.stop()
    }

    @Test("outcomes record each attempt's status in order, retries included, and /sim/state lists them")
    func outcomes() async throws {
        let session = try await SimulatorSession.start()
        let receiver = WebhookReceiver(script: [500, 503])
        let url = try await receiver.start()
        let uuid = TaskFixture.uuid()
        _ = try await session.post([Self.webhookTask(uuid, url: url)])
        #expect(await eventually { session.simulator.webhookOutcomes().count == 3 })
        let outcomes = session.simulator.webhookOutcomes()
        let image = try #require(session.simulator.generatedImages().first)
        #expect(outcomes.map(\.status) == [500, 503, 200])
        #expect(outcomes.map(\.attempt) == [1, 2, 3])
        #expect(outcomes.map(\.sequence) == [0, 1, 2])
        #expect(outcomes.map(\.isAcknowledged) == [false, false, true])
        #expect(outcomes.allSatisfy { $0.taskUUID == uuid && $0.imageUUID == image.imageUUID && $0.copy == 1 })
        #expect(zip(outcomes, outcomes.dropFirst()).allSatisfy { $0.secondsSinceStart <= $1.secondsSinceStart })
        let state = try JSONCoding.parse(try await session.get("\(session.simulator.baseURL)/sim/state").body)
        #expect(state["webhookOutcomes"]?.arrayValue == outcomes.map(\.jsonValue))
        #expect(state["faultCounts"]?[FaultKind.droppedWebhook.rawValue] == .integer(0))
        await receiver.stop()
        await session.stop()
    }

    @Test("a failure notice records its outcome under the taskUUID, without an imageUUID")
    func failureNoticeOutcome() async throws {
        let session = try await SimulatorSession.start()
        let receiver = WebhookReceiver()
        let url = try await receiver.start()
        let uuid = TaskFixture.uuid()
        _ = try await session.post([TaskFixture.task(uuid: uuid, prompt: "a boat [sim:fail]", extra: [
            "webhookURL": .string(url),
        ])])
        #expect(await eventually { session.simulator.webhookOutcomes().count == 1 })
        let outcome = try #require(session.simulator.webhookOutcomes().first)
        #expect(outcome.imageUUID == nil)
        #expect(outcome.taskUUID == uuid)
        #expect(outcome.status == 200)
        await receiver.stop()
        await session.stop()
    }
}
