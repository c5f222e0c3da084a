import Foundation
import KontextTesting
import Testing

@testable import KontextStore

@Suite("ImageFileStore")
struct ImageFileStoreTests {
    static let digest = "ab" + "cd" + String(repeating: "0123456789abcdef", count: 3) + "0123456789ab"

    @Test func storeAndReadRoundTripUnderContentAddress() async throws {
        try await withTemporaryDirectory { dir in
            let files = try ImageFileStore(root: dir + "/files")
            let bytes: [UInt8] = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
            let path = try files.store(bytes, sha256: Self.digest, fileExtension: "png")
            #expect(Self.digest.count == 64)
            #expect(path == "\(dir)/files/images/ab/cd/\(Self.digest).png")
            #expect(path == files.path(sha256: Self.digest, fileExtension: "png"))
            #expect(try files.read(path: path) == bytes)
            // Nothing is left behind in tmp/ after a successful write.
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir + "/files/tmp").isEmpty)
        }
    }

    @Test func identicalContentIsNotRewritten() async throws {
        try await withTemporaryDirectory { dir in
            let files = try ImageFileStore(root: dir)
            let bytes: [UInt8] = Array("same image".utf8)
            let first = try files.store(bytes, sha256: Self.digest, fileExtension: "jpg")
            let inode = try #require(try FileManager.default.attributesOfItem(atPath: first)[.systemFileNumber] as? UInt64)
            let second = try files.store(bytes, sha256: Self.digest, fileExtension: "jpg")
            #expect(second == first)
            // A rewrite would rename a new file into place, which has a new inode.
            #expect(try FileManager.default.attributesOfItem(atPath: second)[.systemFileNumber] as? UInt64 == inode)
            #expect(try files.read(path: second) == bytes)
        }
    }

    @Test func removeTemporaryFilesClearsCrashLeftovers() async throws {
        try await withTemporaryDirectory { dir in
            let files = try ImageFileStore(root: dir)
            for name in ["a.tmp", "b.tmp"] {
                #expect(FileManager.default.createFile(atPath: "\(dir)/tmp/\(name)", contents: Data([1, 2, 3])))
            }
            #expect(try files.removeTemporaryFiles() == 2)
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir + "/tmp").isEmpty)
            #expect(try files.removeTemporaryFiles() == 0)
        }
    }

    @Test func unwritableRootNamesThePath() async throws {
        try await withTemporaryDirectory { dir in
            let blocker = dir + "/not-a-directory"
            #expect(FileManager.default.createFile(atPath: blocker, contents: Data([0])))
            let error = #expect(throws: ImageFileError.self) { try ImageFileStore(root: blocker + "/images-root") }
            #expect(error?.path == blocker + "/images-root")
            #expect(error?.operation == "mkdir")
            #expect(error?.code == ENOTDIR)
            #expect(error?.description.contains(blocker) == true)
            #expect(error?.reason.isEmpty == false)
        }
    }

    @Test func malformedDigestIsRefused() async throws {
        try await withTemporaryDirectory { dir in
            let files = try ImageFileStore(root: dir)
            let error = #expect(throws: ImageFileError.self) {
                try files.store([1], sha256: "../../etc/passwd", fileExtension: "png")
            }
            #expect(error?.reason.contains("SHA-256") == true)
            #expect(#expect(throws: ImageFileError.self) { try files.store([1], sha256: Self.digest, fileExtension: "p/ng") } != nil)
            #expect(throws: ImageFileError.self) { try files.read(path: dir + "/missing.png") }
        }
    }
}
