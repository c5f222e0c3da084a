import Foundation
import KontextCore
import KontextTesting
import Synchronization

@testable import KontextStore

/// A clock that advances one second per reading, so creation order is unambiguous.
final class SteppingClock: Sendable {
    private let time = Mutex(1_700_000_000.0)
    func now() -> Double { time.withLock { $0 += 1; return $0 } }
}

/// A flag set on one thread and polled from a test.
final class Flag: Sendable {
    private let value = Mutex(false)
    func set() { value.withLock { $0 = true } }
    var isSet: Bool { value.withLock { $0 } }
}

/// Opens a task store in `directory` with a stepping clock.
func openStore(in directory: String, clock: SteppingClock = SteppingClock()) throws -> TaskStore {
    try TaskStore(path: directory + "/kontextd.sqlite", configuration: StoreConfiguration(clock: { clock.now() }))
}

func newTask(_ uuid: String, numberResults: Int = 1, prompt: String = "make it blue") -> NewTask {
    NewTask(
        taskUUID: uuid,
        requestJSON: #"{"numberResults":\#(numberResults),"positivePrompt":"\#(prompt)","taskUUID":"\#(uuid)"}"#,
        payloadJSON: #"{"model":"runware:106@1","positivePrompt":"\#(prompt)","taskType":"imageInference","taskUUID":"\#(uuid)"}"#,
        numberResults: numberResults, outputFormat: .png, outputType: .url,
        expectedSize: ImageSize(width: 1024, height: 1024))
}

func incomingResult(_ imageUUID: String, task: String, seed: UInt64? = 42) -> IncomingResult {
    IncomingResult(
        imageUUID: imageUUID, taskUUID: task, sourceKind: .url,
        sourceValue: "https://im.runware.ai/image/\(imageUUID).png", seed: seed, nsfw: false, cost: 0.0025,
        rawJSON: #"{"imageUUID":"\#(imageUUID)","taskUUID":"\#(task)"}"#)
}

func storedImage(_ digit: Character) -> StoredImage {
    let sha = String(repeating: digit, count: 64)
    return StoredImage(format: .png, width: 1024, height: 1024, byteSize: 1234, sha256: sha, path: "/images/\(sha).png")
}

/// Delivers one result for `task` by webhook and returns the outcome.
@discardableResult
func deliver(_ imageUUIDs: [String], task: String, to store: TaskStore, at time: Double = 1_800_000_000) async throws
    -> DeliveryOutcome
{
    let results = imageUUIDs.map { incomingResult($0, task: task) }
    let body = Array(#"{"data":[\#(results.map(\.rawJSON).joined(separator: ","))]}"#.utf8)
    return try await store.recordDelivery(
        taskUUID: task, source: .webhook, rawBody: body, results: results, failures: [], at: time)
}

/// The number of rows in a table, read through the writer (so it sees every commit).
func rowCount(_ table: String, in store: TaskStore) async throws -> Int {
    try await store.writer.write { db in try db.queryFirst("SELECT COUNT(*) AS count FROM \(table)") { $0["count"] } ?? -1 }
}
