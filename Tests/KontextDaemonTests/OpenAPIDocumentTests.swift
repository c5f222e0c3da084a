import Foundation
import KontextCore
import Testing

@Suite struct OpenAPIDocumentTests {
    static let committed = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../openapi/kontextd-admin.json").standardizedFileURL.path

    @Test func theServedDocumentIsTheCommittedFileByteForByte() async throws {
        let harness = try await DaemonHarness.start()
        defer { Task { await harness.stop() } }
        let served = try await harness.raw("GET", harness.adminURL + "/openapi.json")
        #expect(served.status == 200)
        #expect(served.headers.value(named: "content-type") == "application/json")
        let file = try #require(FileManager.default.contents(atPath: Self.committed))
        #expect(served.body == Array(file), "run scripts/embed-openapi.sh after editing openapi/kontextd-admin.json")
    }

    @Test func theDocumentIsOpenAPI31AndEveryOperationDocumentsItsErrors() throws {
        let file = try #require(FileManager.default.contents(atPath: Self.committed))
        let document = try JSONCoding.parse(Array(file))
        #expect(document["openapi"] == .string("3.1.0"))
        guard case .object(let paths)? = document["paths"] else {
            Issue.record("no paths")
            return
        }
        for route in ["/v1/tasks", "/v1/tasks/{taskUUID}", "/v1/images/{imageUUID}", "/v1/images/{imageUUID}/thumbnail",
            "/v1/spend", "/healthz", "/metrics", "/openapi.json", "/", "/tasks/{taskUUID}"]
        {
            #expect(paths[route] != nil, "\(route) is not documented")
        }
        // Every JSON API operation that reads the store says what happens when it cannot.
        for (path, item) in paths where path.hasPrefix("/v1/") {
            guard case .object(let operations) = item else { continue }
            for (method, operation) in operations {
                #expect(operation["responses"]?["503"] != nil, "\(method) \(path) does not document 503")
            }
        }
    }
}
