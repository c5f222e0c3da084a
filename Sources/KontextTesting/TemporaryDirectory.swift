import Foundation

/// A fresh directory under the system temp dir, removed after `body` (also when it throws).
package func withTemporaryDirectory<T>(
    prefix: String = "kontextd-test", _ body: (String) async throws -> T
) async throws -> T {
    let path = try makeTemporaryDirectory(prefix: prefix)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try await body(path)
}

/// Creates a fresh directory under the system temp dir and returns its path; the caller removes it.
package func makeTemporaryDirectory(prefix: String = "kontextd-test") throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}
