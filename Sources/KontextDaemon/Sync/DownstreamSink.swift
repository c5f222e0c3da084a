import Foundation
import KontextCore
import KontextStore
import KontextThreads
import NIOPosix

/// A place stored images (and events) are delivered to: a directory, an S3 bucket, a webhook.
///
/// `deliver` must be idempotent: the sync service delivers at least once (a crash between a
/// sink's success and the outbox update repeats the delivery), and the sink makes the repeat
/// harmless (same key, same bytes; the same webhook id).
protocol DownstreamSink: Sendable {
    /// The name from `sync.sinks`.
    var name: String { get }
    /// Delivers one event; throws why not, and whether to retry, pause or give up.
    func deliver(_ delivery: SinkDelivery) async throws(SinkFailure)
}

/// One event on its way to one sink, with the stored image it is about.
struct SinkDelivery: Sendable {
    let event: EventRecord
    /// For `image.stored`: the image and its facts.
    let image: ImageToSync?
    /// An earlier attempt may have put the object in the sink already (`EarlierCopyCheck`): a sink
    /// whose look costs a request (S3's HEAD) looks only then; false on a fresh delivery's first attempt.
    var mayAlreadyBeThere = true
}

/// A stored image as sinks need it.
struct ImageToSync: Sendable {
    let taskUUID: String
    let imageUUID: String
    let sha256: String
    let format: OutputFormat
    let seed: UInt64?
    let storedAt: Double
    let byteSize: Int
    /// The local content-addressed file.
    let localPath: String
    /// The sidecar: the event's `data`, as JSON.
    let sidecar: [UInt8]

    /// The values an object key template is rendered with.
    var keyValues: ObjectKeyTemplate.Values {
        .init(taskUUID: taskUUID, imageUUID: imageUUID, sha256: sha256, format: format, seed: seed, storedAt: storedAt)
    }

    /// Reads the facts back from an `image.stored` body; nil when the body is not one.
    init?(event: EventRecord, localPath: String) {
        guard event.type == .imageStored, let body = try? JSONCoding.parse(event.body), let data = body["data"],
            let taskUUID = data["taskUUID"]?.stringValue, let imageUUID = data["imageUUID"]?.stringValue,
            let sha256 = data["sha256"]?.stringValue,
            let format = data["format"]?.stringValue.flatMap(OutputFormat.init(rawValue:))
        else { return nil }
        self.taskUUID = taskUUID
        self.imageUUID = imageUUID
        self.sha256 = sha256
        self.format = format
        self.seed = data["seed"]?.uint64Value
        self.storedAt = event.createdAt
        self.byteSize = Int(data["byteSize"]?.int64Value ?? 0)
        self.localPath = localPath
        self.sidecar = JSONCoding.encode(data)
    }
}

/// Why a delivery did not happen, and what the sync service does about it.
struct SinkFailure: Error, Sendable, CustomStringConvertible {
    enum Kind: Sendable {
        /// Worth another try later (network, 5xx, timeouts, a full disk): counts an attempt.
        case retry
        /// The sink refuses everyone (403: credentials, clock skew): the sink pauses, attempts are not spent.
        case pause
        /// This delivery can never succeed (its local image is gone): a dead letter now.
        case permanent
    }

    let kind: Kind
    let reason: String

    static func retry(_ reason: String) -> SinkFailure { SinkFailure(kind: .retry, reason: reason) }
    static func pause(_ reason: String) -> SinkFailure { SinkFailure(kind: .pause, reason: reason) }
    static func permanent(_ reason: String) -> SinkFailure { SinkFailure(kind: .permanent, reason: reason) }

    var description: String { reason }
}

/// Runs blocking file work (reads, hashes, fsyncs) off the Swift concurrency pool, at the lowest
/// CPU priority: a sink draining a backlog takes the CPU the webhook listener and the store writer
/// leave over, so acknowledgements keep their speed (README "Downstream sync").
struct BlockingFileWork: Sendable {
    let pool: NIOThreadPool

    func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await pool.runIfActive {
            // The pool's threads are the sync service's own; lowering again is one cheap system call.
            ThreadPriority.lowerCurrentThread()
            return try body()
        }
    }
}
