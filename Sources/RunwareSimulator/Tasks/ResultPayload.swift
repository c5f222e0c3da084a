import Foundation
import KontextCore

/// Builds the result object Runware sends for one generated image
/// (`{"taskType","taskUUID","imageUUID","imageURL"|"imageBase64Data"|"imageDataURI","seed","resultIndex",...}`).
enum ResultPayload {
    static func object(
        task: ImageInferenceTask, taskUUID: String, imageUUID: String, seed: UInt64, servedBytes: [UInt8],
        publicBaseURL: String, costPerImage: Double, resultIndex: Int
    ) -> JSONValue {
        // resultIndex: which of the task's results this is; runware-sdk 1.8 dedups and orders on it.
        var fields: [String: JSONValue] = [
            "taskType": .string("imageInference"), "taskUUID": .string(taskUUID),
            "imageUUID": .string(imageUUID), "seed": .seed(seed), "resultIndex": .integer(Int64(resultIndex)),
        ]
        switch task.outputType {
        case .url:
            fields["imageURL"] = .string(imageURL(base: publicBaseURL, imageUUID: imageUUID, format: task.outputFormat))
        case .base64Data:
            fields["imageBase64Data"] = .string(Data(servedBytes).base64EncodedString())
        case .dataURI:
            fields["imageDataURI"] = .string(
                "data:\(task.outputFormat.mimeType);base64," + Data(servedBytes).base64EncodedString())
        }
        if task.safety?.checkContent == true {
            fields["NSFWContent"] = .bool(false)
        }
        if task.includeCost == true {
            fields["cost"] = .double(costPerImage)
        }
        return .object(fields)
    }

    /// `<base>/image/ws/2/ii/<imageUUID>.<ext>`, the path shape of Runware's own image URLs.
    static func imageURL(base: String, imageUUID: String, format: OutputFormat) -> String {
        "\(base)/image/ws/2/ii/\(imageUUID).\(format.fileExtension)"
    }
}
