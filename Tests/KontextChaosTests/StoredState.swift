import Foundation
import KontextCore
import KontextCrypto
import KontextStore

/// Everything a stopped daemon left in its state directory, read straight from SQLite and the
/// file system: the proof of what was kept, independent of the daemon's own API.
struct StoredState {
    /// Every task with its results and errors, by taskUUID.
    let tasks: [String: TaskDetail]
    /// Every result row, by imageUUID.
    let results: [String: ResultRecord]
    /// Files under `images/` (absolute paths).
    let imageFiles: [String]
    /// Files under `tmp/` (names).
    let temporaryFiles: [String]

    /// Reads the state directory of a daemon that is not running.
    static func read(stateDirectory: String) async throws -> StoredState {
        let store = try TaskStore(path: stateDirectory + "/kontextd.sqlite3")
        var tasks: [String: TaskDetail] = [:]
        var results: [String: ResultRecord] = [:]
        do {
            var cursor: String?
            repeat {
                let page = try await store.tasks(state: nil, limit: 500, after: cursor)
                for record in page.tasks {
                    guard let detail = try await store.task(record.taskUUID) else { continue }
                    tasks[record.taskUUID] = detail
                    for result in detail.results { results[result.imageUUID] = result }
                }
                cursor = page.nextCursor
            } while cursor != nil
        } catch {
            await store.close()
            throw error
        }
        await store.close()
        let images = (FileManager.default.enumerator(atPath: stateDirectory + "/images")?.allObjects as? [String] ?? [])
            .map { stateDirectory + "/images/" + $0 }
            .filter { path in
                var isDirectory: ObjCBool = false
                return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && !isDirectory.boolValue
            }
        let temporary = (try? FileManager.default.contentsOfDirectory(atPath: stateDirectory + "/tmp")) ?? []
        return StoredState(tasks: tasks, results: results, imageFiles: images, temporaryFiles: temporary)
    }

    /// Problems with one stored result's file: missing, hashing to something other than its
    /// recorded SHA-256, or failing verification as the task's format and size. Empty when sound.
    func fileProblems(of result: ResultRecord) -> [String] {
        guard result.state == .stored else { return [] }
        guard let path = result.path, let sha256 = result.sha256 else {
            return ["\(result.imageUUID): stored without path or sha256"]
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            return ["\(result.imageUUID): stored file \(path) is missing"]
        }
        var problems: [String] = []
        let bytes = Array(data)
        let actual = SHA256Digest.hexHash(bytes)
        if actual != sha256 { problems.append("\(result.imageUUID): file \(path) hashes to \(actual), recorded \(sha256)") }
        if let task = tasks[result.taskUUID]?.task {
            if case .failure(let error) = ImageVerifier.verify(bytes, expectedFormat: task.outputFormat, expectedSize: task.expectedSize) {
                problems.append("\(result.imageUUID): stored file \(path) fails verification: \(error)")
            }
        } else {
            problems.append("\(result.imageUUID): its task \(result.taskUUID) is missing")
        }
        return problems
    }

    /// Problems with the content-addressed files: each must hash to the digest in its name and
    /// verify as an image of its extension's format. Empty when every file is sound.
    func contentAddressProblems() -> [String] {
        imageFiles.compactMap { path -> String? in
            let name = (path as NSString).lastPathComponent
            let digest = (name as NSString).deletingPathExtension
            let fileExtension = (name as NSString).pathExtension
            guard let data = FileManager.default.contents(atPath: path) else { return "\(path): unreadable" }
            let bytes = Array(data)
            let actual = SHA256Digest.hexHash(bytes)
            if actual != digest { return "\(path): content hashes to \(actual)" }
            let format = OutputFormat.allCases.first { $0.fileExtension == fileExtension }
            guard let format else { return "\(path): unknown extension" }
            if case .failure(let error) = ImageVerifier.verify(bytes, expectedFormat: format, expectedSize: nil) {
                return "\(path): fails verification: \(error)"
            }
            return nil
        }
    }
}
