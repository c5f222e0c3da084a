import Foundation
import KontextCrypto
import KontextNet
import KontextStore
import Logging

/// The dashboard's list page over a store of `plan.dashboardTasks` tasks (1% of them failed, the
/// rest completed with one stored result each): the server's own time per request, as the page
/// reports it in `Server-Timing`, for the first page and for a page filtered to failed tasks.
struct DashboardBenchmark {
    struct Page {
        var name: String
        var path: String
        var serverMilliseconds: [Double]
        var clientMilliseconds: [Double]
    }

    struct Figures {
        var tasks: Int
        var failedTasks: Int
        var loadSeconds: Double
        var pages: [Page]
    }

    let plan: BenchPlan
    let logger: Logger
    let log: (String) -> Void

    func run() async throws -> Figures {
        let directory = BenchDaemon.temporaryDirectory()
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let prefix = Hex.encode(MessageAuthentication.randomBytes(count: 4))
        let path = directory + "/kontextd.sqlite3"
        let loadSeconds = try await BulkTaskLoader.loadInChildProcess(path: path, count: plan.dashboardTasks, prefix: prefix)
        // A rare state for the filtered page: one task in a hundred failed, spread over the whole range.
        // The connection closes when it goes out of scope, before the daemon opens the file.
        let failed = try {
            let db = try SQLiteConnection(path: path, role: .writer, busyTimeout: .seconds(5))
            return try db.run(
                "UPDATE tasks SET state = 'failed', error_code = 'resultFailed', error_message = 'bench' WHERE rowid % 100 = 0")
        }()
        log("dashboard: bulk-loaded \(Formatting.count(plan.dashboardTasks)) tasks (\(Formatting.count(failed)) failed) in \(Formatting.seconds(loadSeconds))")

        let daemon = try await BenchDaemon.start(directory: directory, logger: logger)
        let client = CurlHTTPClient(configuration: .init(threads: 1, userAgent: "kontextd-bench"))
        var pages: [Page] = []
        do {
            for (name, page) in [("first page", "/"), ("filtered page (state=failed)", "/?state=failed")] {
                var server: [Double] = []
                var wall: [Double] = []
                for round in 0..<(plan.dashboardRequests + 20) {
                    let started = ContinuousClock.now
                    let response = try await client.execute(HTTPClientRequest(method: "GET", url: daemon.adminURL + page))
                    let elapsed = (ContinuousClock.now - started).seconds * 1000
                    guard response.status == 200 else { throw BenchError("GET \(page) answered \(response.status)") }
                    guard let timing = response.headers.value(named: "server-timing"), let value = Self.duration(timing) else {
                        throw BenchError("GET \(page) carried no Server-Timing header")
                    }
                    // The first twenty warm the page cache and the statement caches.
                    if round >= 20 {
                        server.append(value)
                        wall.append(elapsed)
                    }
                }
                pages.append(Page(name: name, path: page, serverMilliseconds: server, clientMilliseconds: wall))
                log("dashboard: \(name): server p50 \(Formatting.milliseconds(Self.percentile(server, 50))), "
                    + "p99 \(Formatting.milliseconds(Self.percentile(server, 99))); at the client p99 \(Formatting.milliseconds(Self.percentile(wall, 99)))")
            }
        } catch {
            await client.shutdown()
            await daemon.stop()
            throw error
        }
        await client.shutdown()
        await daemon.stop()
        return Figures(tasks: plan.dashboardTasks, failedTasks: failed, loadSeconds: loadSeconds, pages: pages)
    }

    /// The `dur` of a `Server-Timing` header such as `total;dur=3.125`.
    static func duration(_ header: String) -> Double? {
        guard let range = header.range(of: "dur=") else { return nil }
        return Double(header[range.upperBound...].prefix { $0.isNumber || $0 == "." })
    }

    /// The `p`th percentile (nearest rank) of `values`; nil when empty.
    static func percentile(_ values: [Double], _ p: Double) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let rank = Int((p / 100 * Double(sorted.count)).rounded(.up))
        return sorted[min(sorted.count - 1, max(0, rank - 1))]
    }
}
