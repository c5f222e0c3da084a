import Foundation
import KontextCore
import KontextStore

/// Creates tasks through the store's own API (`enqueue`, then `markSubmitted`), as intake and the
/// submission worker would, so they stand as submitted tasks awaiting webhooks.
enum BenchTasks {
    /// A task as the admin API would record it: canonical request and Runware payload.
    static func newTask(
        taskUUID: String, format: OutputFormat = .jpg, size: ImageSize = ImageSize(width: 1024, height: 1024),
        numberResults: Int = 1
    ) -> NewTask {
        let request =
            #"{"height":\#(size.height),"inputs":{"referenceImages":["https://assets.runware.ai/assets/inputs/bench.jpg"]},"model":"runware:106@1","numberResults":\#(numberResults),"outputFormat":"\#(format.rawValue)","positivePrompt":"Turn the scene into a watercolour painting","seed":42,"steps":28,"taskType":"imageInference","width":\#(size.width)}"#
        let payload = String(request.dropLast()) + #","deliveryMethod":"async","outputType":"URL","taskUUID":"\#(taskUUID)"}"#
        return NewTask(
            taskUUID: taskUUID, requestJSON: request, payloadJSON: payload, numberResults: numberResults,
            outputFormat: format, outputType: .url, expectedSize: size)
    }

    /// Enqueues `tasks` (at most `inFlight` at once, so group commit batches them) and marks
    /// them all submitted. Returns the seconds it took.
    static func create(_ tasks: [NewTask], in store: TaskStore, inFlight: Int = 256) async throws -> Double {
        let started = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            var running = 0
            for task in tasks {
                if running == inFlight {
                    try await group.next()
                    running -= 1
                }
                group.addTask {
                    guard case .created = try await store.enqueue(task) else {
                        throw BenchError("task \(task.taskUUID) already existed in a fresh store")
                    }
                }
                running += 1
            }
            try await group.waitForAll()
        }
        let now = Date().timeIntervalSince1970
        var start = 0
        while start < tasks.count {
            let chunk = tasks[start..<min(tasks.count, start + 1000)].map(\.taskUUID)
            try await store.markSubmitted(chunk, at: now)
            start += 1000
        }
        return (ContinuousClock.now - started).seconds
    }
}

extension Duration {
    /// The duration in seconds.
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
