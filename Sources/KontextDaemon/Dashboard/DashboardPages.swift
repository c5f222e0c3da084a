import KontextCore
import KontextStore

/// What the task list page shows: one keyset page of tasks (newest first) and the health panel.
struct DashboardListModel: Sendable {
    var state: TaskState?
    var limit: Int
    var after: String?
    var tasks: [TaskRecord]
    var results: [String: [ResultRecord]]
    var nextCursor: String?
    var health: HealthPanelModel
}

/// The health panel: conditions, spend and limits, held tasks, and where results are synced.
struct HealthPanelModel: Sendable {
    var conditions: [(name: String, reason: String)]
    var spend: SpendSummary?
    var budget: DaemonConfiguration.Budget
    /// Each configured sink's backlog, as `/healthz` reports it; nil when the outbox could not be read.
    var sinks: [SyncService.SinkStatus]?
}

/// The dashboard's server-rendered HTML. Every value from the store passes through `HTML.escape`;
/// pages load only `/assets/…` served by kontextd itself (no CDN, works offline), and the CSP
/// header forbids anything else, inline script included.
enum DashboardPages {
    static func layout(title: String, main: String) -> String {
        """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(HTML.escape(title)) · kontextd</title>
        <link rel="icon" href="/assets/favicon.svg" type="image/svg+xml">
        <link rel="stylesheet" href="/assets/dashboard.css">
        <script src="/assets/dashboard.js" defer></script>
        </head>
        <body>
        <header><a class="brand" href="/">kontextd</a> <span class="subtitle">FLUX.1 Kontext [dev] on Runware</span>
        <nav><a href="/">Tasks</a> <a href="/healthz">/healthz</a> <a href="/metrics">/metrics</a> <a href="/openapi.json">API</a></nav></header>
        <main id="main">
        \(main)
        </main>
        </body>
        </html>
        """
    }

    // MARK: List

    static func list(_ model: DashboardListModel) -> String {
        let filters = ([nil] + TaskState.allCases.map(Optional.some)).map { state -> String in
            let value = state?.rawValue ?? ""
            let selected = state == model.state ? " selected" : ""
            return "<option value=\"\(value)\"\(selected)>\(state?.rawValue ?? "every state")</option>"
        }.joined()
        var pager: [String] = []
        if model.after != nil { pager.append("<a href=\"\(listURL(state: model.state, limit: model.limit, after: nil))\">« Newest</a>") }
        if let next = model.nextCursor {
            pager.append("<a id=\"older\" href=\"\(listURL(state: model.state, limit: model.limit, after: next))\">Older »</a>")
        }
        let empty = model.tasks.isEmpty ? "<p class=\"empty\">No tasks\(model.state.map { " in state \(HTML.escape($0.rawValue))" } ?? "") on this page.</p>" : ""
        return """
            \(healthPanel(model.health))
            <section class="tasks">
            <h1>Tasks</h1>
            <form method="get" action="/" class="filter" id="filter">
            <label>State <select name="state" id="state-filter">\(filters)</select></label>
            <label>Per page <input type="number" name="limit" min="1" max="200" value="\(model.limit)"></label>
            <button type="submit">Show</button>
            </form>
            <table id="tasks" data-live="\(model.tasks.contains { !$0.state.isFinal } ? "1" : "0")">
            <thead><tr><th>Images</th><th>Task</th><th>State</th><th>Progress</th><th>Prompt</th><th>Created (UTC)</th></tr></thead>
            <tbody id="task-rows">\(rows(model.tasks, results: model.results))</tbody>
            </table>
            \(empty)
            <p class="pager">\(pager.joined(separator: " "))</p>
            </section>
            """
    }

    /// The rows of the task table; also served alone (`?fragment=rows`) for live updates.
    static func rows(_ tasks: [TaskRecord], results: [String: [ResultRecord]]) -> String {
        tasks.map { task in
            let taskResults = results[task.taskUUID] ?? []
            let stored = taskResults.filter { $0.state == .stored }
            let thumbnails = stored.prefix(4).map { thumbnail($0, size: 64) }.joined()
            let link = "/tasks/\(HTML.urlComponent(task.taskUUID))"
            return """
                <tr data-task="\(HTML.escape(task.taskUUID))" data-state="\(task.state.rawValue)">\
                <td class="thumbs">\(thumbnails)</td>\
                <td><a class="task-link" href="\(link)">\(HTML.escape(task.taskUUID))</a></td>\
                <td>\(badge(task.state))\(task.heldReason.map { "<div class=\"reason\">\(HTML.escape($0))</div>" } ?? "")\
                \(task.errorCode.map { "<div class=\"reason\">\(HTML.escape($0)): \(HTML.escape(task.errorMessage ?? ""))</div>" } ?? "")</td>\
                <td>\(progress(stored: stored.count, failed: taskResults.count(where: { $0.state == .failed }), of: task.numberResults))</td>\
                <td class="prompt">\(HTML.escape(excerpt(prompt(of: task), 90)))</td>\
                <td class="time">\(HTML.time(task.createdAt))</td></tr>
                """
        }.joined(separator: "\n")
    }

    static func listURL(state: TaskState?, limit: Int, after: String?) -> String {
        var query: [String] = []
        if let state { query.append("state=\(state.rawValue)") }
        if limit != DashboardRoutes.defaultLimit { query.append("limit=\(limit)") }
        if let after { query.append("after=\(HTML.urlComponent(after))") }
        return HTML.escape("/" + (query.isEmpty ? "" : "?" + query.joined(separator: "&")))
    }

    // MARK: Health

    static func healthPanel(_ model: HealthPanelModel) -> String {
        let conditions =
            model.conditions.isEmpty
            ? "<p class=\"ok\" id=\"health-status\">ok — nothing degrades the daemon</p>"
            : "<ul id=\"health-status\" class=\"conditions\">"
                + model.conditions.map { "<li><strong>\(HTML.escape($0.name))</strong>: \(HTML.escape($0.reason))</li>" }.joined()
                + "</ul>"
        var spend = "<p>spend unavailable (the store could not be read)</p>"
        if let summary = model.spend {
            func limit(_ value: Double?) -> String { value.map(SpendControl.usd) ?? "no limit" }
            let estimate = summary.recentImageCostUSD ?? model.budget.defaultImageCostUSD
            spend = """
                <dl class="spend" id="spend">\
                <dt>Today (\(HTML.escape(summary.day)) UTC)</dt><dd>\(SpendControl.usd(summary.todayUSD)) of \(limit(model.budget.dailyUSD))</dd>\
                <dt>Total</dt><dd>\(SpendControl.usd(summary.totalUSD)) of \(limit(model.budget.totalUSD))</dd>\
                <dt>Estimate per image</dt><dd>\(SpendControl.usd(estimate))\(summary.recentImageCostUSD == nil ? " (default)" : " (recent)")</dd>\
                <dt>Images on their way</dt><dd>\(summary.outstandingImages)</dd>\
                <dt>Held by the budget</dt><dd><a href="/?state=held">\(summary.heldTasks)</a></dd></dl>
                """
        }
        return """
            <section class="health" id="health">
            <h2>Health</h2>
            \(conditions)
            <h3>Spend</h3>
            \(spend)
            <h3>Sync</h3>
            \(sinksTable(model.sinks))
            </section>
            """
    }

    /// Backlog per sink: pending deliveries, the oldest one's age, dead letters, and why a sink is
    /// paused or failing — the figures of `/healthz`'s `sync` (all but the delivered count, which
    /// costs a walk over the whole archive; `/healthz` and `GET /v1/sync` have it).
    static func sinksTable(_ sinks: [SyncService.SinkStatus]?) -> String {
        guard let sinks else { return "<p id=\"sinks\" class=\"reason\">sync status unavailable (the outbox could not be read)</p>" }
        guard !sinks.isEmpty else {
            return "<p id=\"sinks\" class=\"empty\">No sinks are configured: results are kept in the state directory only.</p>"
        }
        let rows = sinks.map { status -> String in
            let state = SyncRendering.state(status)
            var why: [String] = []
            if let reason = status.pausedReason { why.append("paused: " + reason) }
            if let error = status.outbox.lastError { why.append("last error: " + error) }
            let oldest = status.outbox.pending > 0 ? age(status.oldestPendingAge) : "—"
            return "<tr data-sink=\"\(HTML.escape(status.name))\" data-state=\"\(HTML.escape(state))\" data-backlog=\"\(status.outbox.pending)\" "
                + "data-dead=\"\(status.outbox.dead)\"><td><strong>\(HTML.escape(status.name))</strong></td><td>\(HTML.escape(status.type))</td>"
                + "<td>\(badge(state))</td><td class=\"backlog\">\(status.outbox.pending)</td><td>\(oldest)</td>"
                + "<td class=\"dead\">\(status.outbox.dead)</td>"
                + "<td class=\"reason\">\(HTML.escape(why.joined(separator: "; ")))</td></tr>"
        }.joined()
        return "<table id=\"sinks\"><thead><tr><th>Sink</th><th>Type</th><th>State</th><th>Backlog</th><th>Oldest pending</th>"
            + "<th>Dead letters</th><th>Reason</th></tr></thead><tbody>\(rows)</tbody></table>"
    }

    /// A duration for people: `42 s`, `7 min`, `3 h`, `2 d`.
    static func age(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "—" }
        switch seconds {
        case ..<120: return "\(Int(seconds)) s"
        case ..<7_200: return "\(Int(seconds / 60)) min"
        case ..<172_800: return "\(Int(seconds / 3_600)) h"
        default: return "\(Int(min(seconds / 86_400, 1e9))) d"
        }
    }

    // MARK: Task page

    /// One task's page; `sync` nil when no sink is configured.
    static func task(_ detail: TaskDetail, sync: TaskSyncProgress?) -> String {
        let task = detail.task
        let stored = detail.results.filter { $0.state == .stored }.count
        let failed = detail.results.filter { $0.state == .failed }.count
        let costs = detail.results.compactMap(\.cost)
        let request = (try? JSONCoding.parse(task.requestJSON)).map(JSONCoding.encodeString) ?? task.requestJSON
        var facts = [
            ("State", badge(task.state)),
            ("Progress", progress(stored: stored, failed: failed, of: task.numberResults)),
            ("Format", HTML.escape(task.outputFormat.rawValue)),
            ("Size", task.expectedSize.map { "\($0.width)×\($0.height)" } ?? "—"),
            ("Cost", costs.isEmpty ? "—" : SpendControl.usd(costs.reduce(0, +))),
            ("Send attempts", "\(task.submitAttempts)"),
        ]
        if let reason = task.heldReason { facts.append(("Held", HTML.escape(reason))) }
        if let code = task.errorCode {
            facts.append(("Error", "<span class=\"error-code\">\(HTML.escape(code))</span>: \(HTML.escape(task.errorMessage ?? ""))"))
        }
        let factList = facts.map { "<dt>\($0.0)</dt><dd>\($0.1)</dd>" }.joined()
        // The page keeps refreshing while the task runs and while its results are on their way to a sink.
        let live = !task.state.isFinal || sync?.hasDeliveriesOnTheirWay == true
        return """
            <section class="task" id="task" data-task="\(HTML.escape(task.taskUUID))" data-state="\(task.state.rawValue)" data-live="\(live ? "1" : "0")">
            <p><a href="/">« All tasks</a></p>
            <h1>Task <code>\(HTML.escape(task.taskUUID))</code></h1>
            <dl class="facts">\(factList)</dl>
            <h2>Prompt</h2>
            <p class="prompt-full">\(HTML.escape(prompt(of: task)))</p>
            <h2>Results</h2>
            \(resultsTable(detail.results))
            <h2>Synced to</h2>
            \(syncTable(detail.results, sync))
            <h2>Runware's errors</h2>
            \(errorsTable(detail.errors))
            <h2>Timeline</h2>
            \(timeline(detail))
            <h2>Request</h2>
            <pre class="request">\(HTML.escape(request))</pre>
            </section>
            """
    }

    static func resultsTable(_ results: [ResultRecord]) -> String {
        guard !results.isEmpty else { return "<p class=\"empty\" id=\"results\">No results yet.</p>" }
        let rows = results.map { result -> String in
            let image = result.state == .stored ? "<a href=\"/v1/images/\(HTML.urlComponent(result.imageUUID))\">\(thumbnail(result, size: 128))</a>" : ""
            let size = result.width.flatMap { width in result.height.map { "\(width)×\($0)" } } ?? "—"
            let status = result.failureReason.map { "\(badge(result.state.rawValue)) <div class=\"reason\">\(HTML.escape($0))</div>" } ?? badge(result.state.rawValue)
            return """
                <tr data-image="\(HTML.escape(result.imageUUID))"><td>\(image)</td><td><code>\(HTML.escape(result.imageUUID))</code></td>\
                <td>\(status)</td><td>\(HTML.escape(result.format?.rawValue ?? "—"))</td><td>\(size)</td>\
                <td>\(result.byteSize.map(String.init) ?? "—")</td><td>\(result.seed.map(String.init) ?? "—")</td>\
                <td>\(result.cost.map(SpendControl.usd) ?? "—")</td><td class="sha"><code>\(HTML.escape(result.sha256 ?? "—"))</code></td>\
                <td>\(HTML.escape(result.receivedVia.rawValue))</td></tr>
                """
        }.joined(separator: "\n")
        return """
            <table id="results"><thead><tr><th>Image</th><th>imageUUID</th><th>State</th><th>Format</th><th>Size</th>\
            <th>Bytes</th><th>Seed</th><th>Cost</th><th>SHA-256</th><th>Received via</th></tr></thead>
            <tbody>\(rows)</tbody></table>
            """
    }

    /// Per stored result and sink: state, attempts, last error, when delivered and where to.
    static func syncTable(_ results: [ResultRecord], _ sync: TaskSyncProgress?) -> String {
        guard let sync else {
            return "<p class=\"empty\" id=\"sync\">No sinks are configured: results are kept in the state directory only.</p>"
        }
        var rows: [String] = []
        for result in results where result.state == .stored {
            for view in sync.images[result.imageUUID] ?? [] {
                rows.append(syncRow(view, subject: "<code>\(HTML.escape(result.imageUUID))</code>", image: result.imageUUID))
            }
        }
        for view in sync.taskFinished {
            rows.append(syncRow(view, subject: "task finished", image: nil))
        }
        guard !rows.isEmpty else { return "<p class=\"empty\" id=\"sync\">Nothing to sync yet: no result is stored.</p>" }
        return "<table id=\"sync\"><thead><tr><th>Result</th><th>Sink</th><th>State</th><th>Attempts</th><th>Last error</th>"
            + "<th>Delivered (UTC)</th><th>Location</th></tr></thead><tbody>\(rows.joined(separator: "\n"))</tbody></table>"
    }

    private static func syncRow(_ view: SinkDeliveryView, subject: String, image: String?) -> String {
        var state = badge(view.state.rawValue)
        if let reason = view.pausedReason { state += "<div class=\"reason\">\(HTML.escape(reason))</div>" }
        if let next = view.nextAttemptAt, view.state == .pending, view.attempts > 0 {
            state += "<div class=\"reason\">next try \(HTML.time(next))</div>"
        }
        let imageAttribute = image.map { " data-image=\"\(HTML.escape($0))\"" } ?? " data-event=\"task.finished\""
        return "<tr\(imageAttribute) data-sink=\"\(HTML.escape(view.sink))\" data-state=\"\(view.state.rawValue)\">"
            + "<td>\(subject)</td><td><strong>\(HTML.escape(view.sink))</strong> <span class=\"reason\">\(HTML.escape(view.sinkType))</span></td>"
            + "<td>\(state)</td><td>\(view.attempts)</td><td class=\"sync-error\">\(HTML.escape(view.lastError ?? "—"))</td>"
            + "<td class=\"time\">\(view.deliveredAt.map(HTML.time) ?? "—")</td>"
            + "<td class=\"location\"><code>\(HTML.escape(view.location ?? "—"))</code></td></tr>"
    }

    static func errorsTable(_ errors: [TaskErrorRecord]) -> String {
        guard !errors.isEmpty else { return "<p class=\"empty\" id=\"errors\">None.</p>" }
        let rows = errors.map { error in
            "<tr><td class=\"error-code\">\(HTML.escape(error.code))</td><td class=\"error-message\">\(HTML.escape(error.message))</td>"
                + "<td>\(HTML.escape(error.parameter ?? "—"))</td><td class=\"time\">\(HTML.time(error.recordedAt))</td></tr>"
        }.joined()
        return "<table id=\"errors\"><thead><tr><th>Code</th><th>Message</th><th>Parameter</th><th>Recorded (UTC)</th></tr></thead><tbody>\(rows)</tbody></table>"
    }

    /// queued → (held) → submitted → each result received / stored / failed → final, in time order.
    static func timeline(_ detail: TaskDetail) -> String {
        let task = detail.task
        var events: [(time: Double, kind: String, text: String)] = [(task.createdAt, "queued", "queued")]
        if task.state == .held { events.append((task.updatedAt, "held", "held: " + HTML.escape(task.heldReason ?? ""))) }
        if let submitted = task.submittedAt { events.append((submitted, "submitted", "submitted to Runware")) }
        for result in detail.results {
            let image = "<code>\(HTML.escape(result.imageUUID))</code>"
            events.append((result.receivedAt, "received", "result \(image) received (\(HTML.escape(result.receivedVia.rawValue)))"))
            if let storedAt = result.storedAt {
                let what = [result.format?.rawValue, result.width.flatMap { w in result.height.map { "\(w)×\($0)" } }].compactMap { $0 }
                events.append((storedAt, "stored", "result \(image) stored \(HTML.escape(what.joined(separator: " ")))"))
            } else if result.state == .failed {
                events.append((result.receivedAt, "failed", "result \(image) failed: \(HTML.escape(result.failureReason ?? ""))"))
            }
        }
        for error in detail.errors {
            events.append((error.recordedAt, "error", "Runware error <span class=\"error-code\">\(HTML.escape(error.code))</span>: \(HTML.escape(error.message))"))
        }
        if let finished = task.finishedAt, task.state.isFinal { events.append((finished, "final", task.state.rawValue)) }
        // A stable sort keeps the causal order of events that share a timestamp.
        let ordered = events.enumerated().sorted { ($0.element.time, $0.offset) < ($1.element.time, $1.offset) }.map(\.element)
        let items = ordered.map { "<li class=\"event-\($0.kind)\"><span class=\"time\">\(HTML.time($0.time))</span> \($0.text)</li>" }
        return "<ol class=\"timeline\" id=\"timeline\">\(items.joined())</ol>"
    }

    // MARK: Pieces

    static func thumbnail(_ result: ResultRecord, size: Int) -> String {
        let alt = "image \(result.imageUUID)"
        return "<img class=\"thumb\" src=\"/v1/images/\(HTML.urlComponent(result.imageUUID))/thumbnail\" alt=\"\(HTML.escape(alt))\" "
            + "width=\"\(size)\" height=\"\(thumbnailHeight(result, width: size))\" loading=\"lazy\">"
    }

    private static func thumbnailHeight(_ result: ResultRecord, width: Int) -> Int {
        guard let w = result.width, let h = result.height, w > 0, h > 0 else { return width }
        return max(1, width * h / w)
    }

    static func badge(_ state: TaskState) -> String { badge(state.rawValue) }

    static func badge(_ state: String) -> String {
        "<span class=\"badge state-\(HTML.escape(state))\">\(HTML.escape(state))</span>"
    }

    static func progress(stored: Int, failed: Int, of total: Int) -> String {
        let failedText = failed > 0 ? ", \(failed) failed" : ""
        return "<progress value=\"\(stored)\" max=\"\(max(1, total))\"></progress> <span class=\"count\">\(stored)/\(total)\(failedText)</span>"
    }

    static func prompt(of task: TaskRecord) -> String {
        guard let request = try? JSONCoding.parse(task.requestJSON), let prompt = request["positivePrompt"]?.stringValue else { return "" }
        return prompt
    }

    static func excerpt(_ text: String, _ length: Int) -> String {
        text.count <= length ? text : String(text.prefix(length - 1)) + "…"
    }
}
