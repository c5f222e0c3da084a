import Foundation
import KontextCore
import KontextCrypto
import KontextNet
import KontextTesting
import RunwareSimulator
import Testing

extension NeverLoseAResultTests {
    /// A full disk: webhooks are answered 503 with Retry-After (never 200 for what was not
    /// committed) and `/healthz` says storage is unavailable; once space returns, the same
    /// delivery is answered 200, the image is stored, and health recovers by itself.
    ///
    /// The state directory is a 24 MiB tmpfs filled by a filler file (mounting works as root
    /// here); where mounting is refused, `SmallDisk` falls back to `prlimit --fsize` on the
    /// daemon and the test records `disk.mechanism` in its messages.
    @Test func aFullDiskIsAnswered503UntilSpaceReturnsThenTheResultIsStored() async throws {
        // The simulator accepts the task but would deliver only after ten minutes: every
        // webhook in this test is the test's own, so each answer is attributable.
        let simulator = try await Self.startSimulator { $0.generationDelay = 600 }
        let scratch = NSTemporaryDirectory() + "kontextd-diskfull-" + UUID().uuidString.lowercased()
        let commandLog = scratch + "-commands.log"
        let disk = try await SmallDisk.prepare(at: scratch, bytes: 24 << 20, logPath: commandLog)
        let daemon = try DaemonProcess(
            runwareURL: simulator.endpointURL, apiKey: simulator.configuration.apiKey, stateDirectory: scratch + "/state",
            settings: ["KONTEXTD_RECONCILE_OVERDUE_AFTER": "600"])
        do {
            try await daemon.start()
            let spec = TaskSpec(
                taskUUID: "5a1c7e42-93d8-4b6f-a0e1-2c3d4e5f6a7b", design: .normal, numberResults: 2, format: .png,
                outputType: .base64Data, size: ImageSize(width: 1024, height: 1024), seed: 4242)
            let queued = try await daemon.admin("POST", "/v1/tasks", json: spec.json)
            #expect(queued.status == 202, "\(queued.body)")
            let submitted = await eventually(within: 20) {
                (try? await daemon.admin("GET", "/v1/tasks/\(spec.taskUUID)").body["state"]) == .string("submitted")
            }
            #expect(submitted, "the task never reached submitted\n\(daemon.logTail())")

            // The inline PNG makes the delivery (kept raw in SQLite) far bigger than any slack the
            // database files have, so committing it needs new blocks.
            let image = try ImageSynthesizer.render(format: .png, size: spec.size, seed: spec.seed)
            let imageUUID = "0f6e2d1c-4b3a-4987-8f6e-5d4c3b2a1908"
            let delivery = Self.inlineResult(taskUUID: spec.taskUUID, imageUUID: imageUUID, bytes: image, seed: spec.seed)

            try await disk.exhaust(daemonPID: try #require(daemon.pid), logPath: commandLog)
            for attempt in 1...3 {
                let refused = try await daemon.deliverWebhook(spec.taskUUID, body: delivery)
                #expect(refused.status == 503, "[\(disk.mechanism)] attempt \(attempt) on a full disk answered \(refused.status): \(String(decoding: refused.body, as: UTF8.self))\n\(daemon.logTail())")
                let retryAfter = refused.header("retry-after").flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
                #expect((retryAfter ?? 0) > 0, "[\(disk.mechanism)] 503 without a usable Retry-After: \(String(describing: refused.header("retry-after")))")
            }
            let degraded = try await daemon.admin("GET", "/healthz")
            #expect(degraded.status == 503, "[\(disk.mechanism)] health on a full disk: \(degraded.status) \(degraded.body)")
            let storageReason = degraded.body["conditions"]?["storageUnavailable"]?.stringValue ?? ""
            #expect(!storageReason.isEmpty, "[\(disk.mechanism)] health does not name storage: \(degraded.body)")

            try await disk.release(daemonPID: daemon.pid, logPath: commandLog)
            let accepted = try await daemon.deliverWebhook(spec.taskUUID, body: delivery)
            #expect(accepted.status == 200, "[\(disk.mechanism)] after space returned: \(accepted.status) \(String(decoding: accepted.body, as: UTF8.self))\n\(daemon.logTail())")
            #expect((try? JSONCoding.parse(accepted.body))?["newResults"]?.int64Value == 1)

            let stored = await eventually(within: 30) {
                let detail = try? await daemon.admin("GET", "/v1/tasks/\(spec.taskUUID)").body
                return detail?["results"]?.arrayValue?.first { $0["imageUUID"] == .string(imageUUID) }?["state"] == .string("stored")
            }
            #expect(stored, "[\(disk.mechanism)] the result was never stored\n\(daemon.logTail())")
            let recovered = await eventually(within: 30) {
                (try? await daemon.admin("GET", "/healthz").status) == 200
            }
            let health = try? await daemon.admin("GET", "/healthz")
            #expect(recovered, "[\(disk.mechanism)] health did not return to ok by itself: \(String(describing: health))")

            let exit = try await daemon.terminate()
            #expect(exit == .exited(0), "SIGTERM: \(exit)\n\(daemon.logTail())")
            let state = try await StoredState.read(stateDirectory: daemon.stateDirectory)
            let result = try #require(state.results[imageUUID], "the result is not in the database")
            #expect(result.state == .stored)
            #expect(result.sha256 == SHA256Digest.hexHash(image))
            #expect(state.fileProblems(of: result).isEmpty, "\(state.fileProblems(of: result))")
            #expect(state.temporaryFiles.isEmpty, "temporary files left: \(state.temporaryFiles)")
        } catch {
            Issue.record("\(error)\n\(daemon.logTail())")
        }
        await daemon.discard()
        await disk.tearDown(logPath: commandLog)
        try? FileManager.default.removeItem(atPath: commandLog)
        await simulator.stop()
    }
}
