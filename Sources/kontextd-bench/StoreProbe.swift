import Foundation
import KontextStore
import Synchronization

/// The webhook receiver's store work alone, without HTTP: `concurrency` loops, each recording
/// one new result per call through `TaskStore.recordDelivery` (optionally after the
/// `TaskStore.task` lookup the receiver does first), for `seconds`. A diagnostic beside the
/// webhook figure: how much of the gap to the no-op ceiling is the store's.
struct StoreProbe {
    /// What each call does.
    enum Work: String {
        /// `recordDelivery` only.
        case recordDelivery = "recordDelivery"
        /// `task(_:)` then `recordDelivery`, as `WebhookReceiver` does.
        case lookupThenRecord = "task + recordDelivery"
    }

    let store: TaskStore
    let taskUUIDs: [String]
    let concurrency: Int
    let seconds: Double

    /// Runs the probe; returns completed calls per second.
    func run(_ work: Work) async throws -> Double {
        let store = self.store
        let taskUUIDs = self.taskUUIDs
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        let started = ContinuousClock.now
        let completed = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<concurrency {
                group.addTask {
                    var count = 0
                    while ContinuousClock.now < deadline {
                        let task = taskUUIDs.randomElement()!
                        let image = UUID().uuidString.lowercased()
                        let raw = #"{"imageURL":"http://127.0.0.1:9/image/\#(image).jpg","imageUUID":"\#(image)","taskType":"imageInference","taskUUID":"\#(task)"}"#
                        if work == .lookupThenRecord {
                            guard try await store.task(task) != nil else { throw BenchError("task \(task) vanished") }
                        }
                        let result = IncomingResult(
                            imageUUID: image, taskUUID: task, sourceKind: .url,
                            sourceValue: "http://127.0.0.1:9/image/\(image).jpg", seed: nil, nsfw: nil, cost: nil,
                            rawJSON: raw)
                        _ = try await store.recordDelivery(
                            taskUUID: task, source: .webhook, rawBody: Array(raw.utf8), results: [result], failures: [],
                            at: Date().timeIntervalSince1970)
                        count += 1
                    }
                    return count
                }
            }
            return try await group.reduce(0, +)
        }
        return Double(completed) / (ContinuousClock.now - started).seconds
    }
}
