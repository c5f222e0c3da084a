/// Where a result's image is: a URL to fetch, or the bytes inline (per the task's `outputType`).
package enum ImageSource: Sendable, Hashable {
    /// `imageURL`: fetch it promptly, its lifetime is bounded.
    case url(String)
    /// `imageBase64Data`: raw base64 of the image file.
    case base64(String)
    /// `imageDataURI`: `data:image/png;base64,...`.
    case dataURI(String)
}

/// One generated image as Runware reported it (a `data` item, a getResponse item or a webhook body).
///
/// Results of one task share `taskUUID`; `imageUUID` identifies the image and is the key to
/// deduplicate redelivered webhooks on.
package struct ImageResult: Sendable, Hashable {
    /// The task this image belongs to.
    package var taskUUID: String
    /// This image's identity, distinct from `taskUUID`.
    package var imageUUID: String
    /// The one image field present (`imageURL`, `imageBase64Data` or `imageDataURI`).
    package var source: ImageSource
    /// The seed used; kept in full (it may exceed `Int64.max`). Nil when absent or not an integer.
    package var seed: UInt64?
    /// `NSFWContent`, present only when safety checking was on.
    package var nsfwContent: Bool?
    /// Cost in USD, present only with `includeCost`; integer or fractional on the wire.
    package var cost: Double?
    /// `"success"`, or nil when Runware sent no status.
    package var status: String?
    /// Which of the task's results this is (`resultIndex`), when Runware said so.
    package var resultIndex: Int?
    /// The item exactly as received, unknown fields included, for storage.
    package var raw: JSONValue

    /// Creates a result from its parts.
    package init(
        taskUUID: String, imageUUID: String, source: ImageSource, seed: UInt64? = nil,
        nsfwContent: Bool? = nil, cost: Double? = nil, status: String? = nil, resultIndex: Int? = nil,
        raw: JSONValue
    ) {
        self.taskUUID = taskUUID
        self.imageUUID = imageUUID
        self.source = source
        self.seed = seed
        self.nsfwContent = nsfwContent
        self.cost = cost
        self.status = status
        self.resultIndex = resultIndex
        self.raw = raw
    }
}

extension JSONValue {
    /// Members that carry a result's inline image (megabytes of base64 each).
    package static let inlineImageMembers: Set<String> = ["imageBase64Data", "imageDataURI"]

    /// This value with every inline image member (at any depth) replaced by a short note of its
    /// length. What is stored as a result's raw JSON or a delivery's raw body keeps everything
    /// Runware sent except the image data, which is stored exactly once: as the result's source.
    package func elidingInlineImageData() -> JSONValue {
        switch self {
        case .object(let members):
            var copy: [String: JSONValue] = [:]
            copy.reserveCapacity(members.count)
            for (key, value) in members {
                if Self.inlineImageMembers.contains(key), case .string(let data) = value {
                    copy[key] = .string("(\(data.utf8.count) bytes, stored as the result's source)")
                } else {
                    copy[key] = value.elidingInlineImageData()
                }
            }
            return .object(copy)
        case .array(let elements):
            return .array(elements.map { $0.elidingInlineImageData() })
        default:
            return self
        }
    }
}
