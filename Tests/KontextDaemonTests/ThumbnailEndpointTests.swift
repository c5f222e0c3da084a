import Foundation
import KontextCore
import KontextNet
import KontextStore
import Testing

@Suite struct ThumbnailEndpointTests {
    @Test(arguments: ["JPG", "PNG", "WEBP"])
    func everyStoredImageHasAThumbnailServedAsJPEG(format: String) async throws {
        let harness = try await DaemonHarness.start()
        defer { Task { await harness.stop() } }
        let created = try await harness.admin("POST", "/v1/tasks", json: DaemonHarness.task("Paint it", ["outputFormat": .string(format)]))
        let uuid = try #require(created.body["taskUUID"]?.stringValue)
        let done = try await harness.waitForFinal(uuid)
        #expect(done["state"] == .string("completed"))
        let result = try #require(done["results"]?.arrayValue?.first)
        let href = try #require(result["thumbnailHref"]?.stringValue)
        let imageUUID = try #require(result["imageUUID"]?.stringValue)
        #expect(href == "/v1/images/\(imageUUID)/thumbnail")

        // Made at ingest, from the pixels the decode check produced, for every format (PNG included):
        // the thumbnail is on disk before anyone asked for it.
        let files = try ImageFileStore(root: harness.stateDirectory)
        let madeAtIngest = Self.thumbnailFiles(in: harness.stateDirectory)
        #expect(madeAtIngest.count == 1, "\(madeAtIngest)")
        let first = try await harness.raw("GET", harness.adminURL + href)
        #expect(first.status == 200)
        #expect(first.headers.value(named: "content-type") == "image/jpeg")
        let servedSHA = try #require(first.headers.value(named: "etag")?.trimmingCharacters(in: CharacterSet(charactersIn: "\"")))
        #expect(madeAtIngest == [servedSHA + ".jpg"])
        guard case .success(let verified) = ImageVerifier.verify(first.body, expectedFormat: .jpg, expectedSize: nil) else {
            Issue.record("the thumbnail is not a JPEG")
            return
        }
        #expect(max(verified.width, verified.height) <= 256)
        let etag = try #require(first.headers.value(named: "etag"))
        let again = try await harness.raw("GET", harness.adminURL + href, headers: [HTTPHeader(name: "If-None-Match", value: etag)])
        #expect(again.status == 304)
        // The same bytes the second time (made once, recorded, read back for PNG too).
        let second = try await harness.raw("GET", harness.adminURL + href)
        #expect(second.body == first.body)

        let missing = try await harness.raw("GET", harness.adminURL + "/v1/images/00000000-0000-0000-0000-000000000000/thumbnail")
        #expect(missing.status == 404)

        // A thumbnail lost from disk is made again on request (on the image thread pool), the same bytes.
        files.removeThumbnail(sha256: servedSHA)
        let remade = try await harness.raw("GET", harness.adminURL + href)
        #expect(remade.status == 200 && remade.body == first.body)
        #expect(FileManager.default.fileExists(atPath: files.thumbnailPath(sha256: servedSHA)))
    }

    /// The thumbnail files under the state directory (their names: `<sha256>.jpg`).
    static func thumbnailFiles(in stateDirectory: String) -> [String] {
        let root = stateDirectory + "/thumbnails"
        let all = (FileManager.default.enumerator(atPath: root)?.allObjects as? [String]) ?? []
        return all.filter { $0.hasSuffix(".jpg") }.map { ($0 as NSString).lastPathComponent }
    }
}
