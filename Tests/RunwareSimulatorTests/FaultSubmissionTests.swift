import KontextCore
import KontextNet
import Testing

@testable import RunwareSimulator

/// Submission faults over real sockets: refusals, ambiguous (hung or dropped) submissions, and
/// the promise that each taskUUID is run, and paid, once.
@Suite("Faults: submissions")
struct FaultSubmissionTests {
    @Test("submit errors: 429/503/504 with Runware's envelope, Retry-After on 429 and 503, nothing accepted")
    func refused() async throws {
        let session = try await SimulatorSession.start(faults: FaultPlan(seed: 11, submitErrorRate: 1))
        var statuses: Set<Int> = []
        var uuids: [String] = []
        for _ in 0..<20 {
            let uuid = TaskFixture.uuid()
            uuids.append(uuid)
            let response = try await session.exchange(raw: JSONCoding.encode(.array([TaskFixture.task(uuid: uuid)])))
            statuses.insert(response.status)
            #expect([429, 503, 504].contains(response.status))
            #expect((response.header("Retry-After") != nil) == (response.status != 504))
            let body = try JSONCoding.parse(response.body)
            #expect(body.dataItems.isEmpty)
            let error = try #require(body.errorItems.first)
            #expect(body.errorItems.count == 1)
            #expect(error["taskUUID"] == .string(uuid))
            #expect(error["taskType"] == .string("imageInference"))
            #expect(error["code"]?.stringValue?.isEmpty == false)
            #expect(error["message"]?.stringValue?.isEmpty == false)
        }
        #expect(statuses == [429, 503, 504])
        #expect(session.simulator.acceptedTaskCount == 0)
        #expect(session.simulator.runCounts.isEmpty)
        #expect(session.simulator.submissionsReceived == Dictionary(uniqueKeysWithValues: uuids.map { ($0, 1) }))
        #expect(session.simulator.faultCounts()[FaultKind.submitError.rawValue] == 20)
        // getResponse is not a submission: it is answered, and knows nothing of refused tasks.
        let poll = try await session.poll(uuids[0])
        #expect(poll.errorItems.first?["code"] == .string("taskNotFound"))
        await session.stop()
    }

    @Test("submit timeout: the client gives up, the task ran anyway, a resend gets conflictTaskUUID and is not run again")
    func ambiguousTimeout() async throws {
        let session = try await SimulatorSession.start(faults: FaultPlan(submitTimeoutRate: 1, submitHangSeconds: 60))
        let uuid = TaskFixture.uuid()
        let body = JSONCoding.encode(.array([TaskFixture.task(uuid: uuid)]))
        do {
            let response = try await session.exchange(raw: body, timeout: 1)
            Issue.record("a hung submission was answered with \(response.status)")
        } catch {
            #expect(error.kind == .timeout)
            #expect(error.outcomeUnknown)
        }
        #expect(try await session.awaitResults(uuid).count == 1)
        #expect(session.simulator.faultCounts()[FaultKind.submitTimeout.rawValue] == 1)

        session.simulator.replaceFaults(.none)
        let resend = try await session.post([TaskFixture.task(uuid: uuid)])
        #expect(resend.status == 400)
        #expect(resend.body.errorItems.first?["code"] == .string("conflictTaskUUID"))
        #expect(session.simulator.timesRun(uuid) == 1)
        #expect(session.simulator.timesRun(uuid.uppercased()) == 1)
        #expect(session.simulator.submissionsReceived[uuid] == 2)
        #expect(session.simulator.acceptedTaskCount == 1)
        #expect(session.simulator.generatedImages().count == 1)
        await session.stop()
    }

    @Test("submit drop: the connection closes without an answer, yet the task runs once")
    func droppedAfterAccept() async throws {
        let session = try await SimulatorSession.start(faults: FaultPlan(submitDropAfterAcceptRate: 1))
        let uuid = TaskFixture.uuid()
        do {
            let response = try await session.exchange(raw: JSONCoding.encode(.array([TaskFixture.task(uuid: uuid)])))
            Issue.record("a dropped submission was answered with \(response.status)")
        } catch {
            #expect(error.kind == .receiveFailed)
        }
        #expect(try await session.awaitResults(uuid).count == 1)
        // Still dropping: the resend is run through the endpoint (conflict), and dropped again.
        await #expect(throws: HTTPClientError.self) {
            try await session.exchange(raw: JSONCoding.encode(.array([TaskFixture.task(uuid: uuid)])))
        }
        #expect(session.simulator.timesRun(uuid) == 1)
        // curl itself resends once when a reused keep-alive connection dies without an answer,
        // so the simulator may see the resend twice: what matters is that it runs once.
        #expect((session.simulator.submissionsReceived[uuid] ?? 0) >= 2)
        #expect((session.simulator.faultCounts()[FaultKind.submitDroppedAfterAccept.rawValue] ?? 0) >= 2)
        await session.stop()
    }

    @Test("the same seed gives the same sequence of refusals; another seed another")
    func seededSequence() async throws {
        func statuses(seed: UInt64) async throws -> [Int] {
            let session = try await SimulatorSession.start(faults: FaultPlan(seed: seed, submitErrorRate: 0.5))
            var statuses: [Int] = []
            for _ in 0..<16 {
                statuses.append(try await session.post([TaskFixture.task()]).status)
            }
            await session.stop()
            return statuses
        }
        let first = try await statuses(seed: 77)
        #expect(try await statuses(seed: 77) == first)
        #expect(try await statuses(seed: 78) != first)
        #expect(first.contains(200))
        #expect(first.contains { $0 != 200 })
    }

    @Test("dry runs and polls are never faulted")
    func onlySubmissionsAreFaulted() async throws {
        let session = try await SimulatorSession.start(faults: FaultPlan(submitErrorRate: 1))
        var request = HTTPClientRequest(
            method: "POST", url: session.simulator.endpointURL, body: JSONCoding.encode(.array([TaskFixture.task()])))
        request.addHeader("Authorization", "Bearer \(SimulatorSession.apiKey)")
        request.addHeader("X-Runware-Dry-Run", "1")
        #expect(try await session.client.execute(request).status == 200)
        #expect(try await session.post([TaskFixture.getResponse(TaskFixture.uuid())]).status == 400)
        #expect(session.simulator.faultCounts()[FaultKind.submitError.rawValue] == 0)
        await session.stop()
    }
}
