import ArgumentParser
import Foundation
import KontextCore

/// `kontextd submit`: queue one task, from a JSON file or from flags, and optionally wait for it.
struct SubmitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "submit",
        abstract: "Queue an image-edit task (JSON file as in the reference, or flags).",
        discussion: """
            Either give a JSON file (the task object as in the model reference, without webhookURL), or
            build the task with flags: kontextd submit --prompt "Make it night" --image photo.jpg --size 1248x832
            """)

    @Argument(help: "A JSON file holding the task object ('-' reads standard input).")
    var file: String?

    @Option(help: "The positive prompt.")
    var prompt: String?

    @Option(name: .customLong("image"), help: "A reference image: a local file (sent as a data URI) or a URL. Up to 2.")
    var images: [String] = []

    @Option(help: "Output size WIDTHxHEIGHT, one of the Kontext sizes (e.g. 1248x832).")
    var size: String?

    @Option(help: "Seed (0…2^63).")
    var seed: UInt64?

    @Option(help: "Denoising steps (1–50).")
    var steps: Int?

    @Option(help: "Number of results (1–20).")
    var results: Int?

    @Option(help: "Output format: JPG, PNG or WEBP.")
    var format: String?

    @Option(help: "Your own taskUUID (an idempotency key: resubmitting it returns the same task).")
    var taskUUID: String?

    @Flag(help: "Wait until the task is completed, failed or rejected.")
    var wait = false

    @Option(help: "With --wait, give up after this many seconds.")
    var timeout: Double = 600

    @OptionGroup var client: ClientOptions

    func run() async throws {
        try await reportingFailures {
            let task = try buildTask()
            let admin = try client.adminClient()
            defer { admin.shutdown() }
            let (status, body) = try await admin.call("POST", "/v1/tasks", body: task)
            guard status == 202 || status == 200 else {
                throw CommandFailure(AdminClient.errorMessage(body, status: status))
            }
            let uuid = body["taskUUID"]?.stringValue ?? "?"
            if !client.json {
                FileHandleOutput.standardOutput(status == 202 ? "queued task \(uuid)" : "task \(uuid) already exists (\(body["state"]?.stringValue ?? "?"))")
                for warning in body["warnings"]?.arrayValue ?? [] {
                    FileHandleOutput.standardError("warning: \(warning.stringValue ?? "")")
                }
            }
            guard wait else {
                if client.json { FileHandleOutput.standardOutput(JSONCoding.encodeString(body)) }
                return
            }
            let final = try await TaskWaiter(admin: admin, timeout: timeout, announce: !client.json).waitForFinalState(uuid)
            FileHandleOutput.standardOutput(client.json ? JSONCoding.encodeString(final) : TaskReport.detail(final))
            if final["state"]?.stringValue != TaskState.completed.rawValue {
                throw CommandFailure("task \(uuid) ended \(final["state"]?.stringValue ?? "?")")
            }
        }
    }

    private func buildTask() throws -> JSONValue {
        if let file {
            let data: Data?
            if file == "-" {
                data = FileHandle.standardInput.readDataToEndOfFile()
            } else {
                data = FileManager.default.contents(atPath: file)
            }
            guard let data else { throw CommandFailure("cannot read \(file)") }
            guard case .object(var object) = try? JSONCoding.parse(Array(data)) else {
                throw CommandFailure("\(file): not a JSON object")
            }
            if let taskUUID { object["taskUUID"] = .string(taskUUID) }
            return .object(object)
        }
        guard let prompt else {
            throw ValidationError("give a JSON file or at least --prompt")
        }
        var object: [String: JSONValue] = [
            "taskType": .string("imageInference"),
            "model": .string("runware:106@1"),
            "positivePrompt": .string(prompt),
        ]
        if !images.isEmpty {
            object["inputs"] = .object(["referenceImages": .array(try images.map { .string(try referenceImage($0)) })])
        }
        if let size {
            guard let parsed = ImageSize(parsing: size) else {
                throw ValidationError("--size: must be WIDTHxHEIGHT such as 1248x832, got \(size)")
            }
            object["width"] = .integer(Int64(parsed.width))
            object["height"] = .integer(Int64(parsed.height))
        }
        if let seed { object["seed"] = .unsignedInteger(seed) }
        if let steps { object["steps"] = .integer(Int64(steps)) }
        if let results { object["numberResults"] = .integer(Int64(results)) }
        if let format { object["outputFormat"] = .string(format) }
        if let taskUUID { object["taskUUID"] = .string(taskUUID) }
        return .object(object)
    }

    /// A URL as is; a local file as a data URI (its type from its first bytes).
    private func referenceImage(_ argument: String) throws -> String {
        if argument.hasPrefix("http://") || argument.hasPrefix("https://") || argument.hasPrefix("data:") { return argument }
        guard let data = FileManager.default.contents(atPath: argument) else {
            throw CommandFailure("--image: cannot read file \(argument)")
        }
        let bytes = Array(data)
        let mime: String
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]) {
            mime = "image/png"
        } else if bytes.starts(with: [0xFF, 0xD8]) {
            mime = "image/jpeg"
        } else if bytes.count > 12, bytes[8..<12].elementsEqual(Array("WEBP".utf8)) {
            mime = "image/webp"
        } else {
            throw CommandFailure("--image: \(argument) is not a PNG, JPEG or WEBP file")
        }
        return "data:\(mime);base64,\(data.base64EncodedString())"
    }
}
