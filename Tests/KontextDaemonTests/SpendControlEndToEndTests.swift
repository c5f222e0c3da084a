import Foundation
import KontextCore
import KontextDaemon
import Synchronization
import Testing

@Suite struct SpendControlEndToEndTests {
    /// The simulator reports 0.0143 per image; the daily limit fits one image, not two.
    @Test func aTaskOverTheDailyLimitIsHeldUntilTheDayTurns() async throws {
        let clock = AdjustableClock()
        let harness = try await DaemonHarness.start(clock: clock) { configuration in
            configuration.budget = .init(dailyUSD: 0.02)
        }
        defer { Task { await harness.stop() } }

        let first = try await harness.admin("POST", "/v1/tasks", json: DaemonHarness.task())
        let firstUUID = try #require(first.body["taskUUID"]?.stringValue)
        let done = try await harness.waitForFinal(firstUUID)
        #expect(done["state"] == .string("completed"))
        #expect(done["costUSD"]?.doubleValue == 0.0143)

        let second = try await harness.admin("POST", "/v1/tasks", json: DaemonHarness.task("Make it snow", ["seed": .integer(7)]))
        let secondUUID = try #require(second.body["taskUUID"]?.stringValue)
        let held = try await harness.waitFor(secondUUID) { $0["state"] == .string("held") }
        #expect(held["state"] == .string("held"))
        let reason = held["heldReason"]?.stringValue ?? ""
        #expect(reason.hasPrefix("budget.dailyUSD $0.0200 would be exceeded: spent today $0.0143"), "\(reason)")

        let health = try await harness.admin("GET", "/healthz")
        #expect(health.body["spend"]?["held"] == .integer(1))
        #expect(health.body["spend"]?["todayUSD"]?.doubleValue == 0.0143)
        #expect(health.body["spend"]?["dailyLimitUSD"]?.doubleValue == 0.02)
        #expect(health.body["tasks"]?["held"] == .integer(1))
        let spend = try await harness.admin("GET", "/v1/spend")
        #expect(spend.body["heldTasks"]?.arrayValue?.first?["taskUUID"] == .string(secondUUID))
        #expect(spend.body["estimateSource"] == .string("recent"))
        let metrics = try await harness.raw("GET", harness.adminURL + "/metrics")
        let text = String(decoding: metrics.body, as: UTF8.self)
        #expect(text.contains("kontextd_tasks_held 1"), "\(text)")
        #expect(text.contains("kontextd_spend_today_usd 0.0143"), "\(text)")

        clock.advance(by: 86_400)
        let released = try await harness.waitForFinal(secondUUID)
        #expect(released["state"] == .string("completed"))
        #expect(released["heldReason"] == nil)
    }

    @Test func aHeldTaskIsReleasedWhenAReloadRaisesTheLimit() async throws {
        let harness = try await DaemonHarness.start(configure: { configuration in
            configuration.budget = .init(totalUSD: 0.01)
        })
        defer { Task { await harness.stop() } }
        // Before any cost is known the default estimate (0.015) already crosses 0.01.
        let submitted = try await harness.admin("POST", "/v1/tasks", json: DaemonHarness.task())
        let uuid = try #require(submitted.body["taskUUID"]?.stringValue)
        let held = try await harness.waitFor(uuid) { $0["state"] == .string("held") }
        #expect(held["heldReason"]?.stringValue?.hasPrefix("budget.totalUSD $0.0100 would be exceeded") == true)
        #expect(harness.simulator.submissionsReceived[uuid] == nil)

        var raised = harness.daemon.live.current
        raised.budget.totalUSD = 1
        #expect(harness.daemon.live.apply(raised).applied == ["budget"])
        let done = try await harness.waitForFinal(uuid)
        #expect(done["state"] == .string("completed"))
    }
}
