import KontextCore

/// One image the simulator generated, as a test sees it: which task and seed produced it and
/// the SHA-256 of exactly the bytes served (after corruption, when the task asked for it).
package struct GeneratedImage: Sendable, Hashable {
    /// The result's `imageUUID` (lowercase UUID v4).
    package let imageUUID: String
    /// The task it belongs to.
    package let taskUUID: String
    /// The seed reported in the result and used to paint it.
    package let seed: UInt64
    /// The encoding.
    package let format: OutputFormat
    /// Pixel dimensions.
    package let size: ImageSize
    /// Lowercase hex SHA-256 of the bytes served (URL download or inline data).
    package let sha256: String
    /// True when `[sim:corrupt]` damaged the bytes, so verification must fail.
    package let corrupted: Bool
    /// Position of this result within its task, from 0.
    package let resultIndex: Int

    /// Creates a record; the simulator makes these, tests only read them.
    package init(
        imageUUID: String, taskUUID: String, seed: UInt64, format: OutputFormat, size: ImageSize, sha256: String,
        corrupted: Bool, resultIndex: Int
    ) {
        self.imageUUID = imageUUID
        self.taskUUID = taskUUID
        self.seed = seed
        self.format = format
        self.size = size
        self.sha256 = sha256
        self.corrupted = corrupted
        self.resultIndex = resultIndex
    }

    /// The record as JSON, as `GET /sim/state` lists it.
    package var jsonValue: JSONValue {
        .object([
            "imageUUID": .string(imageUUID), "taskUUID": .string(taskUUID), "seed": .seed(seed),
            "format": .string(format.rawValue), "width": .integer(Int64(size.width)),
            "height": .integer(Int64(size.height)), "sha256": .string(sha256), "corrupted": .bool(corrupted),
            "resultIndex": .integer(Int64(resultIndex)),
        ])
    }
}

/// Bytes the simulator serves at `/image/ws/2/ii/<imageUUID>.<ext>`, exactly as reported in
/// `GeneratedImage.sha256` (already corrupted when the task asked for it).
struct ServedImage: Sendable {
    let format: OutputFormat
    let bytes: [UInt8]
}
