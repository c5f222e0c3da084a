import KontextCore
import RunwareSimulator

/// One task a test submits, with its own taskUUID (the idempotency key that makes resending a
/// POST whose answer was lost safe) and what the simulator is told to do with it.
struct TaskSpec: Sendable, Hashable {
    /// What the test expects of the task by design.
    enum Design: String, Sendable, Hashable {
        /// Succeeds at the simulator: every result must end up stored.
        case normal
        /// `[sim:fail]`: generation fails; the task must end failed.
        case fail
        /// `[sim:reject]`: refused at submission; the task must end rejected.
        case reject
        /// `[sim:corrupt]`: every image is damaged; none may be stored, the task must end failed.
        case corrupt
        /// `[sim:late]`: the results come after the daemon's deadline (`reconcile.giveUpAfter`):
        /// the task must end failed with `deadlineExceeded`, and every late result whose webhook
        /// the daemon acknowledged must still be stored.
        case late

        /// The final state the daemon must reach.
        var finalState: TaskState {
            switch self {
            case .normal: .completed
            case .fail, .corrupt, .late: .failed
            case .reject: .rejected
            }
        }
    }

    let taskUUID: String
    let design: Design
    let numberResults: Int
    let format: OutputFormat
    let outputType: OutputType
    let size: ImageSize
    let seed: UInt64

    /// The admin API request body.
    var json: JSONValue {
        let marker: String
        switch design {
        case .normal: marker = ""
        case .fail: marker = " " + SimulatorHook.fail.rawValue
        case .reject: marker = " " + SimulatorHook.reject.rawValue
        case .corrupt: marker = " " + SimulatorHook.corrupt.rawValue
        case .late: marker = " " + SimulatorHook.late.rawValue
        }
        return .object([
            "taskType": .string("imageInference"),
            "taskUUID": .string(taskUUID),
            "model": .string("runware:106@1"),
            "positivePrompt": .string("Repaint the greenhouse at dusk, variation \(seed)" + marker),
            "inputs": .object(["referenceImages": .array([.string("https://assets.runware.ai/assets/inputs/x.jpg")])]),
            "width": .integer(Int64(size.width)), "height": .integer(Int64(size.height)),
            "steps": .integer(4),
            "seed": .integer(Int64(seed)),
            "numberResults": .integer(Int64(numberResults)),
            "outputFormat": .string(format.rawValue),
            "outputType": .string(outputType.rawValue),
        ])
    }

    /// A UUID v4 text drawn from `random`, so a seeded run names its tasks the same way each time.
    static func uuid(using random: inout some RandomNumberGenerator) -> String {
        var bytes = (0..<16).map { _ in UInt8.random(in: 0...255, using: &random) }
        bytes[6] = (bytes[6] & 0x0f) | 0x40
        bytes[8] = (bytes[8] & 0x3f) | 0x80
        let hex = bytes.map { byte in
            let digits = String(byte, radix: 16)
            return digits.count == 1 ? "0" + digits : digits
        }.joined()
        let characters = Array(hex)
        return [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { String(characters[$0]) }.joined(separator: "-")
    }

    /// `count` tasks drawn from `seed`: mostly one result, some 2–4; JPG, PNG and WEBP; URL and
    /// base64Data; a few failing, rejected, corrupt and late by design (at least one of each
    /// when `count` > 41).
    static func workload(count: Int, seed: UInt64) -> [TaskSpec] {
        var random = SplitMix64(seed: seed)
        let sizes = [ImageSize(width: 1024, height: 1024), ImageSize(width: 1248, height: 832), ImageSize(width: 832, height: 1248)]
        return (0..<count).map { index in
            let design: Design
            switch index % 50 {
            case 7: design = .fail
            case 19: design = .reject
            case 33: design = .corrupt
            case 41: design = .late
            default: design = .normal
            }
            let roll = Int.random(in: 0..<100, using: &random)
            let numberResults = roll < 75 ? 1 : Int.random(in: 2...4, using: &random)
            return TaskSpec(
                taskUUID: uuid(using: &random), design: design, numberResults: numberResults,
                // Corrupt-by-design tasks use every format and output type: [sim:corrupt] damages
                // each format where its structure shows it.
                format: OutputFormat.allCases[Int.random(in: 0..<3, using: &random)],
                outputType: Bool.random(using: &random) ? .url : .base64Data,
                size: sizes[Int.random(in: 0..<sizes.count, using: &random)],
                seed: UInt64.random(in: 1...1_000_000, using: &random))
        }
    }
}
