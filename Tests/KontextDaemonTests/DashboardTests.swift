@testable import KontextDaemon
import Foundation
import KontextCore
import KontextNet
import Testing

@Suite struct DashboardTests {
    @Test(arguments: [
        ("<script>alert(\"x\")</script>", "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"),
        ("a & b 'c'", "a &amp; b &#39;c&#39;"), ("plain – ünïcode ✓", "plain – ünïcode ✓"), ("", ""),
    ])
    func escapingCoversTextAndAttributes(raw: String, escaped: String) {
        #expect(HTML.escape(raw) == escaped)
    }

    @Test func urlComponentsAndTimes() {
        #expect(HTML.urlComponent("a b/c?d=é") == "a%20b%2Fc%3Fd%3D%C3%A9")
        #expect(HTML.time(1_800_000_000.25) == "2027-01-15 08:00:00.250")
    }

    func page(_ harness: DaemonHarness, _ path: String) async throws -> (status: Int, html: String, response: HTTPClientResponse) {
        let response = try await harness.raw("GET", harness.adminURL + path)
        return (response.status, String(decoding: response.body, as: UTF8.self), response)
    }

    @Test func listAndTaskPagesShowEverythingEscaped() async throws {
        let harness = try await DaemonHarness.start()
        defer { Task { await harness.stop() } }
        let hostile = "Paint <script>alert('owned')</script> & <img src=x onerror=alert(1)>"
        let created = try await harness.admin("POST", "/v1/tasks", json: DaemonHarness.task(hostile, ["numberResults": .integer(2)]))
        let uuid = try #require(created.body["taskUUID"]?.stringValue)
        let rejected = try await harness.admin("POST", "/v1/tasks", json: DaemonHarness.task("[sim:reject] please", ["seed": .integer(9)]))
        let rejectedUUID = try #require(rejected.body["taskUUID"]?.stringValue)
        #expect(try await harness.waitForFinal(uuid)["state"] == .string("completed"))
        #expect(try await harness.waitForFinal(rejectedUUID)["state"] == .string("rejected"))

        let list = try await page(harness, "/")
        #expect(list.status == 200)
        #expect(list.response.headers.value(named: "content-type") == "text/html; charset=utf-8")
        #expect(list.response.headers.value(named: "content-security-policy")?.contains("script-src 'self'") == true)
        #expect(!list.html.contains("<script>alert"))
        #expect(!list.html.contains("<img src=x"))
        #expect(list.html.contains("Paint &lt;script&gt;alert(&#39;owned&#39;)&lt;/script&gt; &amp; &lt;img src=x"))
        #expect(list.html.contains("data-task=\"\(uuid)\" data-state=\"completed\""))
        #expect(list.html.contains("data-task=\"\(rejectedUUID)\" data-state=\"rejected\""))
        #expect(list.html.contains("/thumbnail\""))
        #expect(list.html.contains("id=\"spend\""))
        // Newest first: the rejected task was created second.
        let newer = try #require(list.html.range(of: rejectedUUID)), older = try #require(list.html.range(of: uuid))
        #expect(newer.lowerBound < older.lowerBound)

        let filtered = try await page(harness, "/?state=rejected&limit=1")
        #expect(filtered.html.contains(rejectedUUID) && !filtered.html.contains("data-task=\"\(uuid)\""))
        let rows = try await page(harness, "/?fragment=rows")
        #expect(rows.html.hasPrefix("<tr data-task="))
        let paged = try await page(harness, "/?limit=1")
        #expect(paged.html.contains("id=\"older\""))

        let taskPage = try await page(harness, "/tasks/\(uuid)")
        #expect(taskPage.status == 200)
        #expect(!taskPage.html.contains("<script>alert"))
        #expect(taskPage.html.contains("id=\"timeline\""))
        #expect(taskPage.html.contains("event-queued") && taskPage.html.contains("event-submitted"))
        #expect(taskPage.html.components(separatedBy: "event-stored").count - 1 == 2)
        #expect(taskPage.html.contains("<li class=\"event-final\">"))
        #expect(taskPage.html.contains("$0.0286"))

        let rejectedPage = try await page(harness, "/tasks/\(rejectedUUID)")
        #expect(rejectedPage.html.contains("<td class=\"error-code\">"))
        #expect(rejectedPage.html.contains("event-error"))

        #expect(try await page(harness, "/?state=nonsense").status == 400)
        #expect(try await page(harness, "/?limit=0").status == 400)
        #expect(try await page(harness, "/?after=garbage").status == 400)
        #expect(try await page(harness, "/tasks/unknown").status == 404)
        for asset in ["/assets/dashboard.css", "/assets/dashboard.js", "/assets/favicon.svg"] {
            #expect(try await page(harness, asset).status == 200)
        }
    }
}
