import Foundation
import KontextCore
import KontextCrypto
import KontextNet
import KontextTesting
import RunwareSimulator
import Synchronization
import Testing

extension NeverLoseAResultTests {
    /// SIGTERM while webhooks pour in: the daemon exits 0, and after a restart every delivery
    /// it answered 2xx is in the store and ends up stored as the exact bytes delivered.
    @Test func sigtermDuringWebhookDeliveryExitsZeroAndKeepsEverythingAnswered() async throws {
        let simulator = try await Self.startSimulator { $0.generationDelay = 600 }
        let daemon = try DaemonProcess(
            runwareURL: simulator.endpointURL, apiKey: simulator.configuration.apiKey,
            settings: ["KONTEXTD_RECONCILE_OVERDUE_AFTER": "600"])
        do {
            try await daemon.start()
            var random = SplitMix64(seed: 0x5167_7e4d)
            let size = ImageSize(width: 1024, height: 1024)
            let specs = (0..<40).map { index in
                TaskSpec(
                    taskUUID: TaskSpec.uuid(using: &random), design: .normal, numberResults: 4, format: .jpg,
                    outputType: .base64Data, size: size, seed: UInt64(1000 + index))
            }
            for spec in specs {
                let (status, body) = try await daemon.admin("POST", "/v1/tasks", json: spec.json)
                #expect(status == 202, "\(body)")
            }
            // Four distinct pictures shared by all deliveries: what matters is that each
            // imageUUID answered 2xx is kept, not that the bytes differ.
            let pictures = try (0..<4).map { try ImageSynthesizer.render(format: .jpg, size: size, seed: UInt64(77 + $0)) }
            let deliveries = specs.flatMap { spec in
                (0..<4).map { Delivery(taskUUID: spec.taskUUID, imageUUID: TaskSpec.uuid(using: &random), picture: $0) }
            }
            let bodies = deliveries.map {
                JSONCoding.encode(Self.inlineResult(taskUUID: $0.taskUUID, imageUUID: $0.imageUUID, bytes: pictures[$0.picture], seed: 1))
            }
            let tally = DeliveryTally()

            let senders = Task {
                await withTaskGroup(of: Void.self) { group in
                    for _ in 0..<6 {
                        group.addTask {
                            while true {
                                let index = tally.next.withLock { value -> Int in
                                    defer { value += 1 }
                                    return value
                                }
                                guard index < deliveries.count else { return }
                                let delivery = deliveries[index]
                                let request = HTTPClientRequest(
                                    method: "POST", url: daemon.webhookURL(delivery.taskUUID),
                                    headers: [HTTPHeader(name: "Content-Type", value: "application/json")], body: bodies[index],
                                    timeout: 15)
                                do {
                                    let response = try await daemon.client.execute(request)
                                    if (200..<300).contains(response.status) {
                                        tally.answered.withLock { $0[delivery.imageUUID] = delivery.picture }
                                    } else {
                                        tally.otherAnswers.withLock { $0[response.status, default: 0] += 1 }
                                    }
                                } catch {
                                    tally.failedToConnect.withLock { $0 += 1 }
                                }
                            }
                        }
                    }
                }
            }
            // SIGTERM once a quarter of the deliveries were answered, with the rest still coming.
            let quarter = await eventually(within: 60) { tally.answered.withLock { $0.count } >= deliveries.count / 4 }
            #expect(quarter, "deliveries are not being answered\n\(daemon.logTail())")
            let exit = try await daemon.terminate()
            await senders.value
            #expect(exit == .exited(0), "SIGTERM during deliveries: \(exit)\n\(daemon.logTail())")
            let kept = tally.answered.withLock { $0 }
            #expect(kept.count >= deliveries.count / 4)

            // Restart: everything answered 2xx must be there and get stored, byte for byte.
            try await daemon.start()
            let allStored = await eventually(within: 60) {
                let health = try? await daemon.admin("GET", "/healthz").body
                return (health?["results"]?["pending"]?.int64Value ?? 0) == 0
            }
            #expect(allStored, "results still pending after the restart\n\(daemon.logTail())")
            let secondExit = try await daemon.terminate()
            #expect(secondExit == .exited(0), "second SIGTERM: \(secondExit)\n\(daemon.logTail())")

            let state = try await StoredState.read(stateDirectory: daemon.stateDirectory)
            let hashes = pictures.map(SHA256Digest.hexHash)
            var missing: [String] = []
            var wrong: [String] = []
            for (imageUUID, picture) in kept {
                guard let result = state.results[imageUUID] else {
                    missing.append(imageUUID)
                    continue
                }
                if result.state != .stored || result.sha256 != hashes[picture] {
                    wrong.append("\(imageUUID): \(result.state.rawValue) \(result.sha256 ?? "-") \(result.failureReason ?? "")")
                }
                wrong += state.fileProblems(of: result)
            }
            #expect(missing.isEmpty, "answered 2xx but not in the store: \(missing)")
            #expect(wrong.isEmpty, "answered 2xx but not stored intact: \(wrong)")
            #expect(state.contentAddressProblems().isEmpty, "\(state.contentAddressProblems())")
            #expect(state.temporaryFiles.isEmpty, "temporary files left: \(state.temporaryFiles)")
            // Nothing the daemon did not answer 2xx for may show up as stored from a torn request.
            let delivered = Set(deliveries.map(\.imageUUID))
            let unexpected = state.results.keys.filter { !delivered.contains($0) }
            #expect(unexpected.isEmpty, "results nobody delivered: \(unexpected)")
            let refusedStatuses = tally.otherAnswers.withLock { $0 }
            #expect(refusedStatuses.keys.allSatisfy { $0 == 503 }, "answers other than 2xx and 503: \(refusedStatuses)")
        } catch {
            Issue.record("\(error)\n\(daemon.logTail())")
        }
        await daemon.discard()
        await simulator.stop()
    }
}

/// One webhook delivery the graceful-shutdown test makes.
private struct Delivery: Sendable {
    let taskUUID: String
    let imageUUID: String
    /// Which of the test's pictures it carries.
    let picture: Int
}

/// What the concurrent senders of the graceful-shutdown test saw.
private final class DeliveryTally: Sendable {
    /// The next delivery to send.
    let next = Mutex(0)
    /// imageUUID → picture, for deliveries answered 2xx only.
    let answered = Mutex([String: Int]())
    /// Status → count, for answers other than 2xx.
    let otherAnswers = Mutex([Int: Int]())
    /// Deliveries that got no answer (the listener was gone).
    let failedToConnect = Mutex(0)
}
