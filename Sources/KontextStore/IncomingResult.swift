import KontextCore

/// A result image announced by Runware (webhook, submission response or poll), not yet stored.
public struct IncomingResult: Sendable, Hashable {
    /// Runware's image UUID; a second announcement of the same UUID is a duplicate.
    public var imageUUID: String
    /// The task it belongs to.
    public var taskUUID: String
    /// How the image came: URL, base64 data or data URI.
    public var sourceKind: OutputType
    /// The URL or the inline data.
    public var sourceValue: String
    /// The seed, when reported.
    public var seed: UInt64?
    /// The NSFW flag, when reported.
    public var nsfw: Bool?
    /// The cost, when reported.
    public var cost: Double?
    /// The result object's raw JSON.
    public var rawJSON: String

    /// Creates an incoming result.
    public init(
        imageUUID: String, taskUUID: String, sourceKind: OutputType, sourceValue: String,
        seed: UInt64?, nsfw: Bool?, cost: Double?, rawJSON: String
    ) {
        self.imageUUID = imageUUID
        self.taskUUID = taskUUID
        self.sourceKind = sourceKind
        self.sourceValue = sourceValue
        self.seed = seed
        self.nsfw = nsfw
        self.cost = cost
        self.rawJSON = rawJSON
    }
}
