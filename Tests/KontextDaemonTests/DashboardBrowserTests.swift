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
        let harness = try await DaemonHarness.start()
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
        for uuid in completed { #expect(try await harness.waitForFinal(uuid, timeout: 120)["state"] == .string("completed")) }
        #expect(try await harness.waitForFinal(rejectedUUID)["state"] == .string("rejected"))

        let script = PythonTools.repository + "/Tests/Browser/dashboard_check.py"
        let run = try await PythonTools.run(python, [script, harness.adminURL, rejectedUUID] + completed)
        #expect(run.status == 0, "\(run.output)")
    }
}
