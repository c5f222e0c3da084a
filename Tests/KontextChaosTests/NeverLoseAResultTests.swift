import KontextTesting
import Foundation
import KontextCore
import KontextNet
import Logging
import RunwareSimulator
import Testing

/// The proof of "never lose a result": the real `kontextd` binary, killed, starved of disk and
/// shut down mid-delivery, against a simulator that misbehaves in every way Runware can.
///
/// Serialized: each test runs a daemon process and loads the CPU; run side by side they would
/// only slow each other into their time limits.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct NeverLoseAResultTests {
    /// A simulator on a free loopback port with a fresh API key, quiet in the log.
    static func startSimulator(_ configure: (inout SimulatorConfiguration) -> Void = { _ in }) async throws -> RunwareSimulator {
        try await SimulatorFixture.start(configure)
    }

    /// A result object as Runware posts it, carrying `bytes` inline as `imageBase64Data`.
    static func inlineResult(taskUUID: String, imageUUID: String, bytes: [UInt8], seed: UInt64) -> JSONValue {
        .object([
            "taskType": .string("imageInference"), "taskUUID": .string(taskUUID), "imageUUID": .string(imageUUID),
            "imageBase64Data": .string(Data(bytes).base64EncodedString()), "seed": .integer(Int64(seed)),
        ])
    }
}
