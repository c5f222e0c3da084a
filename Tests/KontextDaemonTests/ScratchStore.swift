import Foundation
import KontextDaemon
import KontextNet
import KontextStore
import Logging

/// A task store in a fresh temporary directory, an HTTP client and a scripted Runware: what the
/// tests that drive one worker directly (reconciler, submission) share. `close()` removes it all.
final class ScratchStore: Sendable {
    let store: TaskStore
    let directory: String
    let client = CurlHTTPClient(configuration: .init(threads: 2))
    let runware: ScriptedRunware

    init(runware: ScriptedRunware, label: String) throws {
        directory = NSTemporaryDirectory() + "kontextd-\(label)-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        store = try TaskStore(path: directory + "/store.sqlite3")
        self.runware = runware
    }

    /// The Runware configuration pointing at the scripted Runware.
    func runwareConfiguration(maxTasksPerRequest: Int = 1) -> DaemonConfiguration.Runware {
        var api = DaemonConfiguration.Runware(apiURL: runware.baseURL + "/v1", apiKey: "scripted-key")
        api.maxTasksPerRequest = maxTasksPerRequest
        api.requestTimeout = 5
        return api
    }

    /// A logger that keeps quiet unless something is critical.
    static func quietLogger(_ label: String) -> Logger {
        var logger = Logger(label: label)
        logger.logLevel = .critical
        return logger
    }

    /// Queues a one-result task (or `results`) with `payload` as its Runware payload.
    func enqueue(_ uuid: String, results: Int = 1, payload: String = "{}") async throws {
        _ = try await store.enqueue(NewTask(
            taskUUID: uuid, requestJSON: "{\"p\":\"\(uuid)\"}", payloadJSON: payload, numberResults: results,
            outputFormat: .jpg, outputType: .url, expectedSize: nil))
    }

    func close() async {
        await store.close()
        await client.shutdown()
        await runware.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }
}
