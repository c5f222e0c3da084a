import Foundation
import KontextCore
import KontextCrypto
import KontextStore
import Testing

/// The database and the images are the owner's alone, whatever the umask says.
@Suite struct FileModeTests {
    func mode(_ path: String) -> Int {
        var status = stat()
        guard stat(path, &status) == 0 else { return -1 }
        return Int(status.st_mode & 0o777)
    }

    @Test func databaseAndImagesAreCreatedPrivately() async throws {
        let previous = umask(0o022)
        defer { umask(previous) }
        let directory = NSTemporaryDirectory() + "kontextd-modes-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }

        // An existing database readable by others is tightened too.
        FileManager.default.createFile(atPath: directory + "/old.sqlite3", contents: nil, attributes: [.posixPermissions: 0o644])
        let old = try TaskStore(path: directory + "/old.sqlite3")
        await old.close()
        #expect(mode(directory + "/old.sqlite3") == 0o600)

        let store = try TaskStore(path: directory + "/kontextd.sqlite3")
        try await store.ping()
        #expect(mode(directory + "/kontextd.sqlite3") == 0o600)
        #expect(mode(directory + "/kontextd.sqlite3-wal") == 0o600)
        await store.close()

        let files = try ImageFileStore(root: directory + "/state")
        let bytes = Array("not really an image".utf8)
        let path = try files.store(bytes, sha256: SHA256Digest.hexHash(bytes), fileExtension: "png")
        #expect(mode(path) == 0o600)
        for directory in [directory + "/state", directory + "/state/images", directory + "/state/tmp",
                          (path as NSString).deletingLastPathComponent] {
            #expect(mode(directory) == 0o700, "\(directory)")
        }
    }
}
