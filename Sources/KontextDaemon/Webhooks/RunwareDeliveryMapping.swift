import KontextCore
import KontextStore

extension IncomingResult {
    /// The store's form of a parsed Runware result, keeping its raw JSON.
    init(_ result: ImageResult) {
        let kind: OutputType
        let value: String
        switch result.source {
        case .url(let url): (kind, value) = (.url, url)
        case .base64(let data): (kind, value) = (.base64Data, data)
        case .dataURI(let uri): (kind, value) = (.dataURI, uri)
        }
        self.init(
            imageUUID: result.imageUUID.lowercased(), taskUUID: result.taskUUID.lowercased(), sourceKind: kind,
            sourceValue: value, seed: result.seed, nsfw: result.nsfwContent, cost: result.cost,
            // The inline image is stored once, as the source value, not again inside the raw JSON.
            rawJSON: JSONCoding.encodeString(kind == .url ? result.raw : result.raw.elidingInlineImageData()))
    }
}

extension IncomingFailure {
    /// The store's form of a Runware error reported for `taskUUID`.
    init(_ error: RunwareError, taskUUID: String) {
        self.init(
            taskUUID: taskUUID, code: error.code, message: error.message, parameter: error.parameter,
            rawJSON: JSONCoding.encodeString(error.raw))
    }
}

extension ImageSource {
    /// The source a stored result was recorded with.
    init(kind: OutputType, value: String) {
        switch kind {
        case .url: self = .url(value)
        case .base64Data: self = .base64(value)
        case .dataURI: self = .dataURI(value)
        }
    }
}

extension IncomingUnrecognised {
    /// The store's form of an item kontextd could not read.
    init(_ item: UnrecognisedItem) {
        self.init(place: item.place, reason: item.reason, rawJSON: JSONCoding.encodeString(item.raw))
    }
}
