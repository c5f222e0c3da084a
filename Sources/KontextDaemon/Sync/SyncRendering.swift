import KontextCore
import KontextNet
import KontextStore

/// The sync state as the admin API shows it (`/healthz`'s `sync`, `GET /v1/sync`).
enum SyncRendering {
    /// `paused`, `dead_letters` or `ok`: one word for a sink's condition.
    static func state(_ status: SyncService.SinkStatus) -> String {
        status.pausedReason != nil ? "paused" : status.outbox.dead > 0 ? "dead_letters" : "ok"
    }

    static func sinks(_ statuses: [SyncService.SinkStatus]) -> JSONValue {
        var object: [String: JSONValue] = [:]
        for status in statuses {
            let outbox = status.outbox
            object[status.name] = .object([
                "type": .string(status.type),
                "state": .string(state(status)),
                "pausedReason": status.pausedReason.map(JSONValue.string) ?? .null,
                "backlog": .integer(Int64(outbox.pending)),
                "oldestPendingSeconds": .double((status.oldestPendingAge * 1000).rounded() / 1000),
                "failing": .integer(Int64(outbox.failing)),
                "attempts": .integer(Int64(outbox.attempts)),
                "deadLetters": .integer(Int64(outbox.dead)),
                "delivered": .integer(Int64(outbox.delivered)),
                "lastError": outbox.lastError.map(JSONValue.string) ?? .null,
            ])
        }
        return .object(object)
    }
}

extension AdminAPI {
    func syncStatus() async -> HTTPResponse {
        do {
            let statuses = try await sync.status()
            return .json(status: 200, body: JSONCoding.encode(.object(["sinks": SyncRendering.sinks(statuses)])))
        } catch {
            return .error(status: 503, code: "storage_unavailable", message: "\(error)")
        }
    }

    func syncRetry(_ request: HTTPRequest) async -> HTTPResponse {
        let sink = request.query["sink"].flatMap { $0.isEmpty ? nil : $0 }
        do {
            let count = try await sync.retry(sink: sink)
            logger.notice("sync: dead letters put back", metadata: ["sink": "\(sink ?? "all")", "count": "\(count)"])
            return .json(status: 200, body: JSONCoding.encode(.object(["requeued": .integer(Int64(count))])))
        } catch let error as SyncService.UnknownSink {
            return .error(status: 404, code: "sink_not_found", message: "\(error)")
        } catch {
            return .error(status: 503, code: "storage_unavailable", message: "\(error)")
        }
    }

    func syncBackfill(_ request: HTTPRequest) async -> HTTPResponse {
        guard let sink = request.query["sink"], !sink.isEmpty else {
            return .error(status: 400, code: "invalid_query", message: "sink: required (the sink to catch up), got nothing")
        }
        do {
            let count = try await sync.backfill(sink: sink)
            logger.notice("sync: backfill enqueued", metadata: ["sink": "\(sink)", "count": "\(count)"])
            return .json(status: 200, body: JSONCoding.encode(.object(["enqueued": .integer(Int64(count))])))
        } catch let error as SyncService.UnknownSink {
            return .error(status: 404, code: "sink_not_found", message: "\(error)")
        } catch {
            return .error(status: 503, code: "storage_unavailable", message: "\(error)")
        }
    }
}
