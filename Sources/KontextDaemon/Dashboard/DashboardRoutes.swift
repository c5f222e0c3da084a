import Foundation
import KontextCore
import KontextNet
import KontextStore

/// The web dashboard on the admin listener: `GET /` (task list, health panel), `GET /tasks/{uuid}`
/// (one task) and `/assets/…`.
///
/// The list is one keyset page over the task indexes (newest first, optionally one state) plus
/// one indexed query for that page's results: no count over the whole table per request, so it
/// stays fast with millions of tasks. `?fragment=rows` / `?fragment=task` answer the part of the
/// page the script refreshes while tasks are still moving.
struct DashboardRoutes: Sendable {
    static let defaultLimit = 50

    let store: any TaskStatusStore
    let health: DaemonHealth
    let spend: SpendGate
    let sync: SyncService

    func add(to router: inout Router) {
        router.add("GET", "/") { request, _ in await self.list(request) }
        router.add("GET", "/tasks/:uuid") { request, parameters in await self.task(parameters["uuid"] ?? "", request) }
        router.add("GET", "/assets/dashboard.css") { _, _ in Self.asset(DashboardAssets.css, type: "text/css; charset=utf-8") }
        router.add("GET", "/assets/dashboard.js") { _, _ in
            Self.asset(DashboardAssets.javascript, type: "text/javascript; charset=utf-8")
        }
        router.add("GET", "/assets/favicon.svg") { _, _ in Self.asset(DashboardAssets.favicon, type: "image/svg+xml") }
    }

    /// Headers every dashboard answer carries: scripts, styles and images from kontextd only.
    static let securityHeaders = [
        HTTPHeader(
            name: "Content-Security-Policy",
            value: "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
                + "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"),
        HTTPHeader(name: "X-Content-Type-Options", value: "nosniff"),
        HTTPHeader(name: "Referrer-Policy", value: "no-referrer"),
    ]

    static func asset(_ text: String, type: String) -> HTTPResponse {
        HTTPResponse(
            status: 200,
            headers: [HTTPHeader(name: "Content-Type", value: type), HTTPHeader(name: "Cache-Control", value: "max-age=300")]
                + securityHeaders,
            body: Array(text.utf8))
    }

    static func page(_ status: Int, _ html: String) -> HTTPResponse {
        HTTPResponse(
            status: status,
            headers: [HTTPHeader(name: "Content-Type", value: "text/html; charset=utf-8"), HTTPHeader(name: "Cache-Control", value: "no-store")]
                + securityHeaders,
            body: Array(html.utf8))
    }

    static func errorPage(_ status: Int, _ title: String, _ message: String) -> HTTPResponse {
        page(status, DashboardPages.layout(title: title, main: "<section><h1>\(HTML.escape(title))</h1><p>\(HTML.escape(message))</p></section>"))
    }

    /// The list page, with a `Server-Timing` header (`total;dur=` in milliseconds) so a browser's
    /// developer tools and `make bench` see the server's own time apart from the network's.
    func list(_ request: HTTPRequest) async -> HTTPResponse {
        let started = ContinuousClock.now
        var response = await listPage(request)
        let elapsed = ContinuousClock.now - started
        let milliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        response.headers.append(HTTPHeader(name: "Server-Timing", value: "total;dur=\(String(format: "%.3f", milliseconds))"))
        return response
    }

    private func listPage(_ request: HTTPRequest) async -> HTTPResponse {
        var state: TaskState?
        if let text = request.query["state"], !text.isEmpty {
            guard let parsed = TaskState(rawValue: text) else {
                let allowed = TaskState.allCases.map(\.rawValue).joined(separator: ", ")
                return Self.errorPage(400, "Bad filter", "state: must be one of \(allowed), got \(text)")
            }
            state = parsed
        }
        var limit = Self.defaultLimit
        if let text = request.query["limit"], !text.isEmpty {
            guard let parsed = Int(text), (1...200).contains(parsed) else {
                return Self.errorPage(400, "Bad page size", "limit: must be an integer 1…200, got \(text)")
            }
            limit = parsed
        }
        let after = request.query["after"].flatMap { $0.isEmpty ? nil : $0 }
        let page: TaskPage
        let results: [String: [ResultRecord]]
        do {
            page = try await store.tasks(state: state, limit: limit, after: after, newestFirst: true)
            results = try await store.results(ofTasks: page.tasks.map(\.taskUUID))
        } catch where error.kind == .invalidInput {
            return Self.errorPage(400, "Bad page cursor", "after: \(error)")
        } catch {
            return Self.errorPage(503, "Storage unavailable", "\(error)")
        }
        switch request.query["fragment"] {
        case nil: break
        case "rows"?: return Self.page(200, DashboardPages.rows(page.tasks, results: results))
        case let other?: return Self.errorPage(400, "Bad fragment", "fragment: must be rows, got \(other)")
        }
        let model = DashboardListModel(
            state: state, limit: limit, after: after, tasks: page.tasks, results: results, nextCursor: page.nextCursor,
            health: await healthPanel())
        return Self.page(200, DashboardPages.layout(title: state.map { "\($0.rawValue) tasks" } ?? "Tasks", main: DashboardPages.list(model)))
    }

    func task(_ uuid: String, _ request: HTTPRequest) async -> HTTPResponse {
        if let fragment = request.query["fragment"], fragment != "task" {
            return Self.errorPage(400, "Bad fragment", "fragment: must be task, got \(fragment)")
        }
        let detail: TaskDetail
        let progress: TaskSyncProgress?
        do {
            guard let found = try await store.task(uuid.lowercased()) else {
                return Self.errorPage(404, "No such task", "no task \(uuid)")
            }
            detail = found
            progress = sync.sinkNames.isEmpty ? nil : try await sync.progress(of: detail)
        } catch {
            return Self.errorPage(503, "Storage unavailable", "\(error)")
        }
        let section = DashboardPages.task(detail, sync: progress)
        if request.query["fragment"] == "task" { return Self.page(200, section) }
        return Self.page(200, DashboardPages.layout(title: "Task \(detail.task.taskUUID)", main: section))
    }

    private func healthPanel() async -> HealthPanelModel {
        // Read the sinks first: it raises or clears the dead-letter condition listed with the others.
        // Backlog figures only: counting delivered rows would walk the whole archive on every page.
        let sinks = try? await sync.status(countDelivered: false)
        let conditions = health.current.map { (name: $0.key.rawValue, reason: $0.value) }.sorted { $0.name < $1.name }
        return HealthPanelModel(
            conditions: conditions, spend: try? await spend.summary(), budget: spend.live.current.budget, sinks: sinks)
    }
}
