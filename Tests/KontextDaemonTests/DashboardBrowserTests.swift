import Foundation
import KontextCore
import RunwareSimulator
import Testing

/// The dashboard in a real headless browser (Debian's chromium via chromium-driver and selenium):
/// the demo's four reference tasks plus one Runware rejects.
@Suite(.serialized) struct DashboardBrowserTests {
    static let browser = ["/usr/bin/chromium", "/usr/bin/chromedriver"]

    @Test(.enabled(if: PythonTools.available(browser)))
    func theDashboardShowsTheDemoTasksThumbnailsTimelineAndRunwaresErrors() async throws {
        guard let python = PythonTools.tool("python", alongside: Self.browser) else { return }
        // As in `make demo`: every stored image is also synced to a directory sink.
        let mirror = SyncTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: mirror) }
        let harness = try await DaemonHarness.start { configuration in
            configuration.sync.sinks = [SyncTests.directorySink("archive", path: mirror)]
        }
        defer { Task { await harness.stop() } }
        var completed: [String] = []
        for example in ReferenceExamples.all {
            guard case .object(var request) = example.request else { continue }
            if let images = request["referenceImages"]?.arrayValue {
                request["referenceImages"] = .array(images.map { image in
                    .string(harness.simulator.baseURL + "/assets/inputs/" + ((image.stringValue ?? "input.jpg") as NSString).lastPathComponent)
                })
            }
            let created = try await harness.admin("POST", "/v1/tasks", json: .object(request))
            completed.append(try #require(created.body["taskUUID"]?.stringValue, "\(example.title): \(created.body)"))
        }
        let rejected = try await harness.admin("POST", "/v1/tasks", json: DaemonHarness.task("[sim:reject] <b>not bold</b>"))
        let rejectedUUID = try #require(rejected.body["taskUUID"]?.stringValue)
        var storedImages = 0
        for uuid in completed {
            let detail = try await harness.waitForFinal(uuid, timeout: 120)
            #expect(detail["state"] == .string("completed"))
            storedImages += Int(detail["storedResults"]?.int64Value ?? 0)
        }
        #expect(try await harness.waitForFinal(rejectedUUID)["state"] == .string("rejected"))
        // The browser checks a drained sink: wait until the sink confirmed every stored image.
        let sinks = try await SyncTests.waitForSync(harness, SyncTests.drained(["archive"], delivered: storedImages))
        #expect(sinks["archive"]?["delivered"]?.int64Value == Int64(storedImages), "\(sinks)")

        let script = PythonTools.repository + "/Tests/Browser/dashboard_check.py"
        let run = try await PythonTools.run(python, [script, harness.adminURL, "archive", mirror, rejectedUUID] + completed)
        #expect(run.status == 0, "\(run.output)")
    }
}
