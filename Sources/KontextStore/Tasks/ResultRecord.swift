import KontextCore

/// One result image as stored: what Runware announced and what became of it.
package struct ResultRecord: Sendable, Hashable {
    /// Runware's image UUID (primary key).
    package var imageUUID: String
    /// The task the image belongs to.
    package var taskUUID: String
    /// pending / stored / failed.
    package var state: ResultState
    /// How the image was delivered: a URL, base64 data or a data URI.
    package var sourceKind: OutputType
    /// The URL or the inline data, exactly as delivered.
    package var sourceValue: String
    /// The seed Runware reported.
    package var seed: UInt64?
    /// Runware's NSFW flag, when reported.
    package var nsfw: Bool?
    /// The cost Runware reported, when asked for.
    package var cost: Double?
    /// The result object's raw JSON.
    package var rawJSON: String
    /// When the result was first received.
    package var receivedAt: Double
    /// The verified image format, once stored.
    package var format: OutputFormat?
    /// The verified width, once stored.
    package var width: Int?
    /// The verified height, once stored.
    package var height: Int?
    /// The stored file size in bytes.
    package var byteSize: Int?
    /// Lowercase hex SHA-256 of the stored bytes.
    package var sha256: String?
    /// The absolute path of the stored file.
    package var path: String?
    /// When the image was stored.
    package var storedAt: Double?
    /// Why the result failed, when it did.
    package var failureReason: String?
    /// How many fetch attempts were made.
    package var fetchAttempts: Int
    /// How the result reached the daemon: by webhook, in the submission's response, or by the
    /// reconciler's poll (a poll that found a result means its webhook was lost: a repair).
    package var receivedVia: DeliverySource = .webhook
    /// How many times a fresh image URL was fetched from Runware after the old one expired.
    package var refetches: Int = 0
    /// SHA-256 of the result's thumbnail (a JPEG, content-addressed beside the images), once made.
    package var thumbnailSHA256: String? = nil

    /// Creates a record (the store builds these from rows).
    package init(
        imageUUID: String, taskUUID: String, state: ResultState, sourceKind: OutputType, sourceValue: String,
        seed: UInt64?, nsfw: Bool?, cost: Double?, rawJSON: String, receivedAt: Double,
        format: OutputFormat?, width: Int?, height: Int?, byteSize: Int?, sha256: String?, path: String?,
        storedAt: Double?, failureReason: String?, fetchAttempts: Int
    ) {
        self.imageUUID = imageUUID
        self.taskUUID = taskUUID
        self.state = state
        self.sourceKind = sourceKind
        self.sourceValue = sourceValue
        self.seed = seed
        self.nsfw = nsfw
        self.cost = cost
        self.rawJSON = rawJSON
        self.receivedAt = receivedAt
        self.format = format
        self.width = width
        self.height = height
        self.byteSize = byteSize
        self.sha256 = sha256
        self.path = path
        self.storedAt = storedAt
        self.failureReason = failureReason
        self.fetchAttempts = fetchAttempts
    }
}

/// Where one result image stands: announced, kept, or given up on.
package enum ResultState: String, Sendable, Hashable, CaseIterable, Codable {
    /// Announced by Runware; the image is not yet fetched and verified.
    case pending
    /// Fetched (or decoded), verified and written to the image store.
    case stored
    /// Could not be fetched or failed verification; `failureReason` says why.
    case failed
}

/// A verified image written to the image store, as recorded against its result.
package struct StoredImage: Sendable, Hashable {
    /// The verified format.
    package var format: OutputFormat
    /// The verified width in pixels.
    package var width: Int
    /// The verified height in pixels.
    package var height: Int
    /// The file size in bytes.
    package var byteSize: Int
    /// Lowercase hex SHA-256 of the bytes.
    package var sha256: String
    /// The absolute path of the file.
    package var path: String
    /// SHA-256 of its thumbnail, when one was made from the pixels the verification decoded.
    package var thumbnailSHA256: String?

    /// Creates a stored-image description.
    package init(
        format: OutputFormat, width: Int, height: Int, byteSize: Int, sha256: String, path: String,
        thumbnailSHA256: String? = nil
    ) {
        self.thumbnailSHA256 = thumbnailSHA256
        self.format = format
        self.width = width
        self.height = height
        self.byteSize = byteSize
        self.sha256 = sha256
        self.path = path
    }
}
