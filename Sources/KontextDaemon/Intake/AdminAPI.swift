import Foundation
import KontextCore
import KontextCrypto
import KontextNet
import KontextStore
import Logging

/// The admin listener's routes: task intake, status, listing, images, health and metrics.
///
/// Errors are JSON `{"error":{"code","message"}}` with a stable `code`; validation errors add
/// `issues`, one per violated rule, each naming the field, the rule and the value.
struct AdminAPI: Sendable {
    let store: any TaskIntakeStore & TaskStatusStore & ThumbnailStore
    let files: ImageFileStore
    let submitSignal: WorkSignal
    let health: DaemonHealth
    let metrics: DaemonMetrics
    let sync: SyncService
    let events: any EventLogStore
    let spend: SpendGate
    /// Where a thumbnail made on request is decoded: the image thread pool, never the concurrency pool.
    let decoding: ImageDecoding
    let logger: Logger

    /// The router serving every admin route.
    func router() -> Router {
        var router = Router()
        router.add("POST", "/v1/tasks") { request, _ in await self.createTask(request) }
        router.add("GET", "/v1/tasks") { request, _ in await self.listTasks(request) }
        router.add("GET", "/v1/tasks/:uuid") { _, parameters in await self.showTask(parameters["uuid"] ?? "") }
        router.add("GET", "/v1/images/:uuid") { request, parameters in await self.image(parameters["uuid"] ?? "", request) }
        router.add("GET", "/v1/images/:uuid/thumbnail") { request, parameters in
            await self.thumbnail(parameters["uuid"] ?? "", request)
        }
        router.add("GET", "/v1/events") { request, _ in await EventFeed(store: self.events).respond(request) }
        router.add("GET", "/healthz") { _, _ in await self.healthz() }
        router.add("GET", "/v1/sync") { _, _ in await self.syncStatus() }
        router.add("POST", "/v1/sync/retry") { request, _ in await self.syncRetry(request) }
        router.add("POST", "/v1/sync/backfill") { request, _ in await self.syncBackfill(request) }
        router.add("GET", "/v1/spend") { _, _ in await self.spendReport() }
        DashboardRoutes(store: store, health: health, spend: spend, sync: sync).add(to: &router)
        router.add("GET", "/openapi.json") { _, _ in
            HTTPResponse.json(status: 200, body: Self.openAPIDocument)
        }
        router.add("GET", "/metrics") { _, _ in
            // The sync gauges are read from the outbox when scraped, not kept up to date by a timer.
            _ = try? await self.sync.status()
            if let summary = try? await self.spend.summary() {
                self.metrics.spendTodayUSD.record(summary.todayUSD)
                self.metrics.spendTotalUSD.record(summary.totalUSD)
                self.metrics.tasksHeld.record(summary.heldTasks)
            }
            return HTTPResponse(
                status: 200, headers: [HTTPHeader(name: "Content-Type", value: "text/plain; version=0.0.4")],
                body: self.metrics.render())
        }
        return router
    }

    /// `openapi/kontextd-admin.json`, byte for byte (the multi-line literal drops the file's final newline).
    static let openAPIDocument = Array((AdminOpenAPIDocument.json + "\n").utf8)

    private func json(_ status: Int, _ value: JSONValue) -> HTTPResponse {
        HTTPResponse.json(status: status, body: JSONCoding.encode(value))
    }

    func createTask(_ request: HTTPRequest) async -> HTTPResponse {
        let body: JSONValue
        do {
            body = try JSONCoding.parse(request.body)
        } catch {
            return HTTPResponse.error(status: 400, code: "invalid_json", message: "request body: \(error)")
        }
        let task: ImageInferenceTask
        switch TaskValidator.validate(body, origin: .client) {
        case .success(let valid):
            task = valid
        case .failure(let error):
            let issues: [JSONValue] = error.issues.map {
                .object(["field": .string($0.field), "rule": .string($0.rule), "value": .string($0.value)])
            }
            let message = error.issues.map(\.description).joined(separator: "; ")
            return json(
                422,
                .object([
                    "error": .object([
                        "code": .string("validation_failed"), "message": .string(message), "issues": .array(issues),
                    ])
                ]))
        }
        let taskUUID = task.taskUUID ?? UUID().uuidString.lowercased()
        let newTask = NewTask(
            taskUUID: taskUUID,
            requestJSON: JSONCoding.encodeString(task.canonicalRequest),
            payloadJSON: JSONCoding.encodeString(task.runwarePayload(taskUUID: taskUUID, webhookURL: nil)),
            numberResults: task.numberResults, outputFormat: task.outputFormat, outputType: task.outputType,
            expectedSize: task.size)
        let outcome: EnqueueOutcome
        do {
            outcome = try await store.enqueue(newTask)
        } catch {
            health.raise(.storageUnavailable, reason: "\(error)")
            return HTTPResponse.error(
                status: 503, code: "storage_unavailable", message: "the task was not recorded: \(error)",
                extraHeaders: [HTTPHeader(name: "Retry-After", value: "5")])
        }
        switch outcome {
        case .created(let record):
            metrics.tasksAccepted.increment()
            submitSignal.notify()
            logger.info("task queued", metadata: ["task": "\(taskUUID)", "results": "\(task.numberResults)"])
            return json(202, accepted(record, warnings: task.warnings))
        case .existing(let record):
            return json(200, accepted(record, warnings: task.warnings))
        case .conflict(let record):
            return HTTPResponse.error(
                status: 409, code: "task_conflict",
                message: "task \(record.taskUUID) already exists with a different body; use a new taskUUID")
        }
    }

    private func accepted(_ record: TaskRecord, warnings: [String]) -> JSONValue {
        guard case .object(var object) = TaskRendering.summary(record) else { return .null }
        object["warnings"] = .array(warnings.map(JSONValue.string))
        return .object(object)
    }

    func showTask(_ uuid: String) async -> HTTPResponse {
        do {
            guard let detail = try await store.task(uuid.lowercased()) else {
                return HTTPResponse.error(status: 404, code: "task_not_found", message: "no task \(uuid)")
            }
            let progress = sync.sinkNames.isEmpty ? nil : try await sync.progress(of: detail)
            return json(200, TaskRendering.detail(detail, sync: progress))
        } catch {
            return HTTPResponse.error(status: 503, code: "storage_unavailable", message: "\(error)")
        }
    }

    func listTasks(_ request: HTTPRequest) async -> HTTPResponse {
        var state: TaskState?
        if let text = request.query["state"], !text.isEmpty {
            guard let parsed = TaskState(rawValue: text) else {
                let allowed = TaskState.allCases.map(\.rawValue).joined(separator: "|")
                return HTTPResponse.error(status: 400, code: "invalid_query", message: "state: must be one of \(allowed), got \(text)")
            }
            state = parsed
        }
        var limit = 50
        if let text = request.query["limit"] {
            guard let parsed = Int(text), (1...1000).contains(parsed) else {
                return HTTPResponse.error(status: 400, code: "invalid_query", message: "limit: must be an integer 1…1000, got \(text)")
            }
            limit = parsed
        }
        let after = request.query["after"].flatMap { $0.isEmpty ? nil : $0 }
        do {
            let page = try await store.tasks(state: state, limit: limit, after: after)
            var object: [String: JSONValue] = ["tasks": .array(page.tasks.map(TaskRendering.summary))]
            object["nextCursor"] = page.nextCursor.map(JSONValue.string) ?? .null
            return json(200, .object(object))
        } catch where error.kind == .invalidInput {
            return HTTPResponse.error(status: 400, code: "invalid_query", message: "after: \(error)")
        } catch {
            return HTTPResponse.error(status: 503, code: "storage_unavailable", message: "\(error)")
        }
    }

    func image(_ uuid: String, _ request: HTTPRequest) async -> HTTPResponse {
        let result: ResultRecord
        switch await storedResult(uuid) {
        case .success(let found): result = found
        case .failure(let refusal): return refusal.response
        }
        guard let path = result.path, let sha256 = result.sha256, let format = result.format else {
            return HTTPResponse.error(status: 404, code: "image_not_stored", message: "image \(uuid) has no stored file")
        }
        let etag = "\"\(sha256)\""
        if request.header("if-none-match") == etag {
            return HTTPResponse(status: 304, headers: [HTTPHeader(name: "ETag", value: etag)])
        }
        do {
            let bytes = try files.read(path: path)
            return HTTPResponse(
                status: 200,
                headers: [
                    HTTPHeader(name: "Content-Type", value: format.mimeType), HTTPHeader(name: "ETag", value: etag),
                    HTTPHeader(name: "Cache-Control", value: "immutable, max-age=31536000"),
                ],
                body: bytes)
        } catch {
            logger.error("stored image unreadable", metadata: ["image": "\(uuid)", "path": "\(path)", "error": "\(error)"])
            return HTTPResponse.error(status: 500, code: "image_unreadable", message: "\(error)")
        }
    }

    /// Why an image route cannot serve: the answer to send.
    struct Refusal: Error {
        let response: HTTPResponse
    }

    /// The stored result of `uuid`, or the 404/503 answer saying why there is none.
    private func storedResult(_ uuid: String) async -> Result<ResultRecord, Refusal> {
        let result: ResultRecord
        do {
            guard let found = try await store.result(imageUUID: uuid.lowercased()) else {
                return .failure(Refusal(response: .error(status: 404, code: "image_not_found", message: "no image \(uuid)")))
            }
            result = found
        } catch {
            return .failure(Refusal(response: .error(status: 503, code: "storage_unavailable", message: "\(error)")))
        }
        guard result.state == .stored else {
            let why = result.failureReason.map { "failed: \($0)" } ?? "not stored yet (\(result.state.rawValue))"
            return .failure(Refusal(response: .error(status: 404, code: "image_not_stored", message: "image \(uuid) is \(why)")))
        }
        return .success(result)
    }

    /// The image's thumbnail (JPEG, at most 256 px on the long side), made at ingest from the
    /// decoded pixels. One lost or damaged (derived data, written without fsync), or an image
    /// stored before thumbnails were made at ingest, gets it made again on request — on the image
    /// thread pool — and recorded.
    func thumbnail(_ uuid: String, _ request: HTTPRequest) async -> HTTPResponse {
        let result: ResultRecord
        switch await storedResult(uuid) {
        case .success(let found): result = found
        case .failure(let refusal): return refusal.response
        }
        guard let path = result.path, let format = result.format else {
            return HTTPResponse.error(status: 404, code: "image_not_stored", message: "image \(uuid) has no stored file")
        }
        func answer(_ bytes: [UInt8], sha256: String) -> HTTPResponse {
            let etag = "\"\(sha256)\""
            if request.header("if-none-match") == etag {
                return HTTPResponse(status: 304, headers: [HTTPHeader(name: "ETag", value: etag)])
            }
            return HTTPResponse(
                status: 200,
                headers: [
                    HTTPHeader(name: "Content-Type", value: "image/jpeg"), HTTPHeader(name: "ETag", value: etag),
                    HTTPHeader(name: "Cache-Control", value: "immutable, max-age=31536000"),
                ],
                body: bytes)
        }
        if let known = result.thumbnailSHA256 {
            if let bytes = try? files.read(path: files.thumbnailPath(sha256: known)), SHA256Digest.hexHash(bytes) == known {
                return answer(bytes, sha256: known)
            }
            files.removeThumbnail(sha256: known)
        }
        let made: Result<Thumbnail, PixelDecodeCheck.ThumbnailFailure>
        do {
            made = try await decoding.thumbnail(ofFile: path, format: format, width: result.width, height: result.height, files: files)
        } catch {
            logger.error("stored image unreadable", metadata: ["image": "\(uuid)", "path": "\(path)", "error": "\(error)"])
            return HTTPResponse.error(status: 500, code: "image_unreadable", message: "\(error)")
        }
        switch made {
        case .success(let thumbnail):
            let digest = thumbnail.sha256
            if (try? files.storeThumbnail(thumbnail.bytes, sha256: digest)) != nil {
                try? await store.setThumbnail(imageUUID: result.imageUUID, sha256: digest)
            }
            return answer(thumbnail.bytes, sha256: digest)
        case .failure(let failure):
            logger.error("cannot make a thumbnail", metadata: ["image": "\(uuid)", "reason": "\(failure)"])
            return HTTPResponse.error(status: 500, code: "thumbnail_failed", message: "image \(uuid): \(failure)")
        }
    }

    func healthz() async -> HTTPResponse {
        // Read first: it raises or clears the dead-letter condition shown below.
        let sinks = try? await sync.status()
        var conditions: [String: JSONValue] = [:]
        for (condition, reason) in health.current { conditions[condition.rawValue] = .string(reason) }
        var object: [String: JSONValue] = [
            "status": .string(conditions.isEmpty ? "ok" : "degraded"),
            "conditions": .object(conditions),
        ]
        do {
            var tasks: [String: JSONValue] = [:]
            for (state, count) in try await store.stateCounts() { tasks[state.rawValue] = .integer(Int64(count)) }
            var results: [String: JSONValue] = [:]
            for (state, count) in try await store.resultCounts() { results[state.rawValue] = .integer(Int64(count)) }
            object["tasks"] = .object(tasks)
            object["results"] = .object(results)
            // Results found only by polling Runware: each is a webhook that was lost.
            object["repairs"] = .integer(Int64(try await store.repairCount()))
            if let sinks { object["sync"] = SyncRendering.sinks(sinks) }
            object["spend"] = spendObject(try await spend.summary())
        } catch {
            object["status"] = .string("degraded")
            conditions["storageUnavailable"] = .string("\(error)")
            object["conditions"] = .object(conditions)
        }
        let healthy = object["status"] == .string("ok")
        return json(healthy ? 200 : 503, .object(object))
    }

    /// Spend, limits, holds and the last 30 days: what `kontextd spend` prints.
    func spendReport() async -> HTTPResponse {
        do {
            guard case .object(var object) = spendObject(try await spend.summary()) else { return json(500, .null) }
            object["days"] = .array(
                try await spend.store.spendDays(limit: 30).map {
                    .object(["day": .string($0.day), "usd": .double($0.usd), "images": .integer(Int64($0.images))])
                })
            object["heldTasks"] = .array(try await spend.store.heldTasks(limit: 100).map(TaskRendering.summary))
            return json(200, .object(object))
        } catch {
            return HTTPResponse.error(status: 503, code: "storage_unavailable", message: "\(error)")
        }
    }

    /// The spend figures as `/healthz` and `/v1/spend` show them; a limit not set is null.
    private func spendObject(_ summary: SpendSummary) -> JSONValue {
        let budget = spend.live.current.budget
        let perImage = summary.recentImageCostUSD ?? budget.defaultImageCostUSD
        return .object([
            "day": .string(summary.day),
            "todayUSD": .double(summary.todayUSD),
            "totalUSD": .double(summary.totalUSD),
            "dailyLimitUSD": budget.dailyUSD.map(JSONValue.double) ?? .null,
            "totalLimitUSD": budget.totalUSD.map(JSONValue.double) ?? .null,
            "estimatedImageCostUSD": .double(perImage),
            "estimateSource": .string(summary.recentImageCostUSD == nil ? "budget.defaultImageCostUSD" : "recent"),
            "outstandingImages": .integer(Int64(summary.outstandingImages)),
            "held": .integer(Int64(summary.heldTasks)),
        ])
    }
}
