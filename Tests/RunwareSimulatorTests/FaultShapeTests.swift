import KontextCore
import KontextTesting
import Testing

@testable import RunwareSimulator

/// What the real service can send that a tidy simulator would not, each at rate 1, over real
/// sockets: progress frames, the SDK's nested error item, 404/5xx to getResponse,
/// taskFailedOrNotFound, results out of order, late tasks; and the SDK's codes.
@Suite("Faults: answer shapes")
struct FaultShapeTests {
    static func webhookTask(_ uuid: String, url: String, results: Int = 1, prompt: String = "Make it dusk") -> JSONValue {
        TaskFixture.task(uuid: uuid, prompt: prompt, extra: ["webhookURL": .string(url), "numberResults": .integer(Int64(results))])
    }

    @Test("progress frames: each result's webhook is preceded by a frame with its imageUUID and no image field")
    func progressFrames() async throws {
        let session = try await SimulatorSession.start(faults: FaultPlan(progressFrameRate: 1))
        let receiver = WebhookReceiver()
        let url = try await receiver.start()
        let uuid = TaskFixture.uuid()
        _ = try await session.post([Self.webhookTask(uuid, url: url, results: 2)])
        #expect(await eventually { receiver.deliveries.count == 4 })
        let bodies = try receiver.bodies()
        let frames = bodies.filter { $0["imageURL"] == nil }
        let results = bodies.filter { $0["imageURL"] != nil }
        #expect(frames.count == 2)
        #expect(frames.allSatisfy { $0["status"] == .string("processing") && $0["progress"] != nil && $0["imageUUID"] != nil })
        for result in results {
            let imageUUID = try #require(result["imageUUID"])
            let frameAt = try #require(bodies.firstIndex { $0["imageURL"] == nil && $0["imageUUID"] == imageUUID })
            let resultAt = try #require(bodies.firstIndex { $0["imageURL"] != nil && $0["imageUUID"] == imageUUID })
            #expect(frameAt < resultAt)
            #expect(result["resultIndex"] == frames[frames.firstIndex { $0["imageUUID"] == imageUUID } ?? 0]["resultIndex"])
        }
        #expect(session.simulator.faultCounts()[FaultKind.progressFrame.rawValue] == 2)
        // Frames carry no result: only the two results count as webhook outcomes.
        #expect(await eventually { session.simulator.webhookOutcomes().count == 2 })
        #expect(session.simulator.webhookOutcomes().allSatisfy { $0.imageUUID != nil })
        await receiver.stop()
        await session.stop()
    }

    @Test("nested error: a failed task's webhook and getResponse use the SDK's {status: error, error: {code, message}} item")
    func nestedError() async throws {
        let session = try await SimulatorSession.start(faults: FaultPlan(nestedErrorRate: 1))
        let receiver = WebhookReceiver()
        let url = try await receiver.start()
        let uuid = TaskFixture.uuid()
        _ = try await session.post([Self.webhookTask(uuid, url: url, prompt: "a boat [sim:fail]")])
        #expect(await eventually { receiver.deliveries.count == 1 })
        let body = try #require(try receiver.bodies().first)
        #expect(body["status"] == .string("error"))
        #expect(body["code"] == nil)
        let code = try #require(body["error"]?["code"]?.stringValue)
        #expect(RunwareErrorObject.generationFailureCodes.contains(code))
        #expect(body["error"]?["message"]?.stringValue?.isEmpty == false)
        #expect(body["taskUUID"] == .string(uuid))
        let poll = try await session.poll(uuid)
        #expect(poll.errorItems.isEmpty)
        #expect(poll.dataItems.first?["error"]?["code"] == .string(code))
        // The daemon's parser reads it as the failure it is.
        #expect(try RunwareEnvelope.parse(poll).failures.map(\.code) == [code])
        #expect(session.simulator.faultCounts()[FaultKind.nestedError.rawValue] == 1)
        await receiver.stop()
        await session.stop()
    }

    @Test("poll errors: getResponse answers 404 (not an envelope), 500, 502 or 503; submissions are untouched")
    func pollErrors() async throws {
        let session = try await SimulatorSession.start(faults: FaultPlan(seed: 5, pollErrorRate: 1))
        let uuid = TaskFixture.uuid()
        #expect(try await session.post([TaskFixture.task(uuid: uuid, extra: ["deliveryMethod": .string("async")])]).status == 200)
        var statuses: Set<Int> = []
        for _ in 0..<24 {
            let response = try await session.exchange(raw: JSONCoding.encode(.array([TaskFixture.getResponse(uuid)])))
            statuses.insert(response.status)
            if response.status == 404 {
                #expect(throws: RunwareParseError.self) { try RunwareEnvelope.parse(response.body) }
            } else {
                #expect(try JSONCoding.parse(response.body).errorItems.first?["code"] != nil)
            }
        }
        #expect(statuses == [404, 500, 502, 503])
        #expect(session.simulator.faultCounts()[FaultKind.pollError.rawValue] == 24)
        await session.stop()
    }

    @Test("unknown tasks: taskNotFound, or taskFailedOrNotFound (for failed tasks too) when the plan says so")
    func unknownTasks() async throws {
        let plain = try await SimulatorSession.start()
        #expect(try await plain.poll(TaskFixture.uuid()).errorItems.first?["code"] == .string("taskNotFound"))
        await plain.stop()

        let session = try await SimulatorSession.start(faults: FaultPlan(failedOrNotFoundRate: 1))
        #expect(try await session.poll(TaskFixture.uuid()).errorItems.first?["code"] == .string("taskFailedOrNotFound"))
        let failed = TaskFixture.uuid()
        _ = try await session.post([TaskFixture.task(uuid: failed, prompt: "a boat [sim:fail]", extra: ["deliveryMethod": .string("async")])])
        // Processing until the generation failed; from then on, the ambiguous code.
        #expect(try await eventually { try await session.poll(failed).errorItems.map { $0["code"] } == [.string("taskFailedOrNotFound")] })
        #expect((session.simulator.faultCounts()[FaultKind.failedOrNotFound.rawValue] ?? 0) >= 2)
        await session.stop()
    }

    @Test("out of order: a task's result webhooks come last first, one after the other; resultIndex tells the order")
    func reordered() async throws {
        let session = try await SimulatorSession.start(faults: FaultPlan(reorderResultsRate: 1))
        let receiver = WebhookReceiver()
        let url = try await receiver.start()
        let uuid = TaskFixture.uuid()
        _ = try await session.post([Self.webhookTask(uuid, url: url, results: 3)])
        #expect(await eventually { receiver.deliveries.count == 3 })
        #expect(try receiver.bodies().map { $0["resultIndex"] } == [.integer(2), .integer(1), .integer(0)])
        let generated = session.simulator.generatedImages().map(\.imageUUID)
        #expect(try receiver.bodies().compactMap { $0["imageUUID"]?.stringValue } == generated.reversed())
        #expect(session.simulator.faultCounts()[FaultKind.reorderedResults.rawValue] == 1)
        await receiver.stop()
        await session.stop()
    }

    @Test("late: [sim:late] holds a task's generation back; getResponse says processing (resultIndex 0, progress 0) meanwhile")
    func late() async throws {
        let session = try await SimulatorSession.start(faults: FaultPlan(lateTaskDelay: 5))
        let uuid = TaskFixture.uuid()
        _ = try await session.post([TaskFixture.task(uuid: uuid, prompt: "a boat [sim:late]", extra: ["deliveryMethod": .string("async")])])
        let early = try await session.poll(uuid).dataItems
        #expect(early.map { $0["status"] } == [.string("processing")])
        #expect(early.first?["resultIndex"] == .integer(0))
        #expect(early.first?["progress"] == .integer(0))
        #expect(session.simulator.generatedImages().isEmpty)
        #expect(try await eventually { try await session.poll(uuid).dataItems.first?["status"] == .string("success") })
        #expect(try await session.poll(uuid).dataItems.first?["resultIndex"] == .integer(0))
        #expect(session.simulator.faultCounts()[FaultKind.lateTask.rawValue] == 1)
        await session.stop()
    }
}
