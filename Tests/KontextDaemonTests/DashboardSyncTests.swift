@testable import KontextDaemon
import Foundation
import KontextCore
import KontextNet
import KontextStore
import Testing

/// Where each result was synced (task page, task JSON) and the backlog per sink (health panel).
@Suite struct DashboardSyncTests {
    static let task = TaskRecord(
        taskUUID: "11111111-2222-4333-8444-555555555555", state: .completed, requestJSON: "{}", requestHash: "", payloadJSON: "{}",
        numberResults: 2, outputFormat: .png, outputType: .url, expectedSize: nil, createdAt: 1_800_000_000,
        updatedAt: 1_800_000_010, submittedAt: 1_800_000_001, finishedAt: 1_800_000_010, submitAttempts: 1, errorCode: nil,
        errorMessage: nil)

    static func stored(_ imageUUID: String) -> ResultRecord {
        ResultRecord(
            imageUUID: imageUUID, taskUUID: task.taskUUID, state: .stored, sourceKind: .url, sourceValue: "https://x/y", seed: 7,
            nsfw: nil, cost: nil, rawJSON: "{}", receivedAt: 1_800_000_002, format: .png, width: 64, height: 64, byteSize: 10,
            sha256: String(repeating: "ab", count: 32), path: "/state/images/ab.png", storedAt: 1_800_000_003, failureReason: nil,
            fetchAttempts: 1)
    }

    static let template = try! ObjectKeyTemplate("{taskUUID}/{imageUUID}.{ext}")
    static let sinks = [
        SinkConfiguration(name: "archive", kind: .directory(DirectorySinkSettings(path: "/srv/<archive>/", keyTemplate: template))),
        SinkConfiguration(
            name: "bucket",
            kind: .s3(S3SinkSettings(
                endpoint: "http://127.0.0.1:9", region: "us-east-1", bucket: "images", prefix: "k/", keyTemplate: template,
                pathStyle: true, accessKeyID: "AKIA", secretAccessKey: "secret"))),
        SinkConfiguration(
            name: "notify", kind: .webhook(WebhookSinkSettings(url: "https://example.com/hook?a=1&b=\"2\"", secret: Array(repeating: 1, count: 16)))),
    ]

    static func row(_ sink: String, _ type: DownstreamEventType, _ image: String?, _ state: OutboxState, attempts: Int = 0, error: String? = nil)
        -> SinkDeliveryRecord
    {
        SinkDeliveryRecord(
            sink: sink, eventID: 1, eventType: type, imageUUID: image, eventCreatedAt: 1_800_000_003, state: state, attempts: attempts,
            lastError: error, updatedAt: 1_800_000_020, nextAttemptAt: 1_800_000_030)
    }

    @Test func progressJoinsOutboxRowsWithTheConfiguredSinksAndTheirPauses() {
        let detail = TaskDetail(task: Self.task, results: [Self.stored("img-a"), Self.stored("img-b")], errors: [])
        let records = [
            Self.row("archive", .imageStored, "img-a", .delivered),
            Self.row("bucket", .imageStored, "img-a", .pending, attempts: 2, error: "HTTP 403 AccessDenied"),
            Self.row("archive", .imageStored, "img-b", .dead, attempts: 20, error: "disk full"),
            Self.row("notify", .taskFinished, nil, .pending),
            // A sink no longer configured is ignored.
            Self.row("gone", .imageStored, "img-a", .delivered),
        ]
        let progress = TaskSyncProgress.build(detail: detail, records: records, sinks: Self.sinks, paused: ["bucket": "HTTP 403"])
        let a = progress.images["img-a"] ?? []
        // Every sink that receives images is listed per result (a webhook gets image events too), in sync.sinks order.
        #expect(a.map(\.sink) == ["archive", "bucket", "notify"])
        #expect(a[2].state == .notQueued && a[2].location == "https://example.com/hook?a=1&b=\"2\"")
        #expect(a[0].state == .delivered && a[0].deliveredAt == 1_800_000_020)
        #expect(a[0].location == "/srv/<archive>/\(Self.task.taskUUID)/img-a.png")
        #expect(a[1].state == .paused && a[1].pausedReason == "HTTP 403" && a[1].attempts == 2 && a[1].lastError == "HTTP 403 AccessDenied")
        #expect(a[1].location == "s3://images/k/\(Self.task.taskUUID)/img-a.png")
        let b = progress.images["img-b"] ?? []
        #expect(b.map(\.state) == [.deadLettered, .notQueued, .notQueued])
        #expect(b[0].deliveredAt == nil && b[0].lastError == "disk full")
        #expect(progress.taskFinished.map(\.sink) == ["notify"])
        #expect(progress.taskFinished.first?.state == .pending)
        #expect(progress.taskFinished.first?.location == "https://example.com/hook?a=1&b=\"2\"")

        var running = detail
        running.task.state = .submitted
        #expect(TaskSyncProgress.build(detail: running, records: records, sinks: Self.sinks, paused: [:]).taskFinished.isEmpty)
    }

    @Test func theSyncTableEscapesPathsURLsAndErrors() {
        let hostile = "<script>alert('x')</script>"
        let detail = TaskDetail(task: Self.task, results: [Self.stored("img-a")], errors: [])
        let records = [
            Self.row("archive", .imageStored, "img-a", .pending, attempts: 1, error: "write failed: \(hostile)"),
            Self.row("notify", .taskFinished, nil, .dead, error: "HTTP 500: <img src=x onerror=alert(1)>"),
        ]
        let progress = TaskSyncProgress.build(detail: detail, records: records, sinks: Self.sinks, paused: ["archive": "\"paused\" & <b>"])
        let html = DashboardPages.syncTable(detail.results, progress)
        #expect(!html.contains("<script>") && !html.contains("<img src=x") && !html.contains("<b>"))
        #expect(html.contains("write failed: &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"))
        #expect(html.contains("/srv/&lt;archive&gt;/"))
        #expect(html.contains("https://example.com/hook?a=1&amp;b=&quot;2&quot;"))
        #expect(html.contains("&quot;paused&quot; &amp; &lt;b&gt;"))
        #expect(html.contains("data-image=\"img-a\" data-sink=\"archive\" data-state=\"paused\""))
        #expect(html.contains("data-event=\"task.finished\" data-sink=\"notify\" data-state=\"dead-lettered\""))
        #expect(DashboardPages.syncTable(detail.results, nil).contains("No sinks are configured"))
        // A page with a delivery still on its way keeps refreshing itself.
        #expect(DashboardPages.task(detail, sync: progress).contains("data-live=\"1\""))
        #expect(DashboardPages.task(detail, sync: nil).contains("data-live=\"0\""))
    }

    @Test func theHealthPanelListsEveryConfiguredSinkWithItsBacklogEscaped() {
        var outbox = OutboxStatistics()
        outbox.pending = 3
        outbox.oldestPendingAt = 1
        outbox.dead = 1
        outbox.lastError = "HTTP 403 <Code>AccessDenied</Code>"
        let statuses = [
            SyncService.SinkStatus(name: "bucket", type: "s3", outbox: outbox, pausedReason: "PUT k in bucket <b>: 403", oldestPendingAge: 4_000),
            SyncService.SinkStatus(name: "archive", type: "directory", outbox: OutboxStatistics(), pausedReason: nil, oldestPendingAge: 0),
        ]
        let html = DashboardPages.sinksTable(statuses)
        #expect(html.contains("data-sink=\"bucket\" data-state=\"paused\" data-backlog=\"3\" data-dead=\"1\""))
        #expect(html.contains("data-sink=\"archive\" data-state=\"ok\" data-backlog=\"0\" data-dead=\"0\""))
        #expect(html.contains("<td>66 min</td>"))
        #expect(!html.contains("<Code>") && !html.contains("<b>"))
        #expect(html.contains("paused: PUT k in bucket &lt;b&gt;: 403; last error: HTTP 403 &lt;Code&gt;AccessDenied&lt;/Code&gt;"))
        #expect(DashboardPages.sinksTable([]).contains("No sinks are configured"))
        #expect(DashboardPages.sinksTable(nil).contains("unavailable"))
        #expect(DashboardPages.age(59) == "59 s" && DashboardPages.age(7_300) == "2 h" && DashboardPages.age(200_000) == "2 d")
    }

    @Test func aTasksDeliveriesAreReadThroughIndexesOnly() async throws {
        let directory = NSTemporaryDirectory() + "kontextd-plan-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try TaskStore(path: directory + "/store.sqlite3")
        let plan = try await store.deliveriesQueryPlan(sinks: ["archive", "bucket"])
        #expect(plan.contains { $0.contains("SEARCH e USING") && $0.contains("events_once") }, "\(plan)")
        #expect(plan.contains { $0.contains("SEARCH o USING PRIMARY KEY (sink=? AND event_id=?)") }, "\(plan)")
        #expect(!plan.contains { $0.hasPrefix("SCAN") }, "\(plan)")
        #expect(try await store.deliveries(ofTask: "none", sinks: ["archive"]).isEmpty)
        await store.close()
    }

    /// The real daemon with a directory sink: the task page and the task's JSON say where each
    /// result went, and the files are there; the health panel lists the sink with backlog 0.
    @Test func aCompletedTaskShowsEachResultDeliveredToItsDirectoryAndTheHealthPanelItsBacklog() async throws {
        let mirror = SyncTests.temporaryDirectory() + "/with space & <angle>"
        defer { try? FileManager.default.removeItem(atPath: (mirror as NSString).deletingLastPathComponent) }
        let harness = try await DaemonHarness.start { configuration in
            configuration.sync.sinks = [SyncTests.directorySink("archive", path: mirror)]
        }
        defer { Task { await harness.stop() } }
        let detail = try await SyncTests.completedTask(harness, results: 2, format: "png")
        let uuid = try #require(detail["taskUUID"]?.stringValue)
        let sinks = try await SyncTests.waitForSync(harness, SyncTests.drained(["archive"], delivered: 2))
        #expect(sinks["archive"]?["backlog"]?.int64Value == 0, "\(sinks)")

        let (_, body) = try await harness.admin("GET", "/v1/tasks/\(uuid)")
        let results = try #require(body["results"]?.arrayValue)
        #expect(results.count == 2)
        var locations: [String] = []
        for result in results {
            let sync = try #require(result["sync"]?.arrayValue?.first, "\(result)")
            #expect(sync["sink"] == .string("archive") && sync["state"] == .string("delivered") && sync["type"] == .string("directory"))
            #expect(sync["deliveredAt"]?.doubleValue != nil)
            let location = try #require(sync["location"]?.stringValue)
            #expect(location.hasPrefix(mirror + "/"))
            // The location is where the file really is, with the same bytes as the local copy.
            let local = try #require(result["path"]?.stringValue)
            #expect(FileManager.default.contents(atPath: location) == FileManager.default.contents(atPath: local))
            locations.append(location)
        }
        #expect(body["sync"] == .array([]))

        let page = try await harness.raw("GET", harness.adminURL + "/tasks/\(uuid)")
        let html = String(decoding: page.body, as: UTF8.self)
        for (result, location) in zip(results, locations) {
            let image = try #require(result["imageUUID"]?.stringValue)
            #expect(html.contains("data-image=\"\(image)\" data-sink=\"archive\" data-state=\"delivered\""))
            #expect(html.contains(HTML.escape(location)))
        }
        #expect(!html.contains("<angle>"))
        let list = try await harness.raw("GET", harness.adminURL + "/")
        #expect(String(decoding: list.body, as: UTF8.self).contains("data-sink=\"archive\" data-state=\"ok\" data-backlog=\"0\""))
    }
}
