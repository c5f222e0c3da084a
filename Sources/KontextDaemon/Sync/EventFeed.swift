import KontextCore
import KontextNet
import KontextStore

/// `GET /v1/events?after=<cursor>&limit=<n>&wait=<seconds>`: the durable, ordered event log for
/// consumers that do not run a server.
///
/// The cursor is the last event's position (`nextCursor` of the previous answer; 0 or absent
/// for the beginning). With `wait`, an answer that would be empty waits up to that many seconds
/// for the next event (long-poll). Each element is `{"cursor": "...", "event": <body>}` where the
/// body is byte for byte what the webhook sink POSTs.
struct EventFeed: Sendable {
    let store: any EventLogStore

    /// Longest long-poll accepted; proxies commonly cut idle requests at 60 s.
    static let maxWait = 60.0

    func respond(_ request: HTTPRequest) async -> HTTPResponse {
        var after: Int64 = 0
        if let text = request.query["after"], !text.isEmpty {
            guard let value = Int64(text), value >= 0 else {
                return .error(status: 400, code: "invalid_query", message: "after: must be a cursor (an integer >= 0), got \(text)")
            }
            after = value
        }
        var limit = 100
        if let text = request.query["limit"] {
            guard let value = Int(text), (1...1000).contains(value) else {
                return .error(status: 400, code: "invalid_query", message: "limit: must be an integer 1…1000, got \(text)")
            }
            limit = value
        }
        var wait = 0.0
        if let text = request.query["wait"] {
            guard let value = Double(text), value.isFinite, (0...Self.maxWait).contains(value) else {
                return .error(status: 400, code: "invalid_query", message: "wait: must be 0…\(Int(Self.maxWait)) seconds, got \(text)")
            }
            wait = value
        }
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: .milliseconds(Int64(wait * 1000)))
        while true {
            // Read the version before the query: a commit in between moves it, so the wait returns at once.
            let version = store.eventsAppended.version
            let events: [EventRecord]
            do {
                events = try await store.events(after: after, limit: limit)
            } catch {
                return .error(status: 503, code: "storage_unavailable", message: "\(error)")
            }
            let remaining = clock.now.duration(to: deadline)
            if !events.isEmpty || remaining <= .zero || Task.isCancelled {
                return .json(status: 200, body: Self.page(events, after: after))
            }
            await store.eventsAppended.wait(since: version, timeout: remaining)
        }
    }

    /// The answer, assembled from the stored bodies without re-encoding them.
    static func page(_ events: [EventRecord], after: Int64) -> [UInt8] {
        var text = "{\"events\":["
        for (index, event) in events.enumerated() {
            if index > 0 { text += "," }
            text += "{\"cursor\":\"\(event.id)\",\"event\":\(event.body)}"
        }
        text += "],\"nextCursor\":\"\(events.last?.id ?? after)\"}"
        return Array(text.utf8)
    }
}
