/// Markers a test writes into `positivePrompt` to make the simulator misbehave on purpose.
///
/// - `[sim:reject]`: the task is refused at submission (error code `invalidContent`, HTTP 400
///   when it is the only task), as Runware refuses a prompt its moderation blocks.
/// - `[sim:fail]`: the task is accepted but generation fails: no image, one failure webhook
///   (`{"errors":[{"code":"inferenceError",...,"status":"error"}]}`, or the bare error object
///   with the `.bare` body variant; the code is one of runware-sdk 1.8's failure codes,
///   `inferenceError`, `processingFailed`, `taskFailed` or `timeoutProvider`, drawn from the
///   taskUUID), and `getResponse` reports the error.
/// - `[sim:late]`: the task starts `FaultPlan.lateTaskDelay` seconds late, so its results come
///   after a client's deadline.
/// - `[sim:corrupt]`: generation succeeds but every served image (URL, base64 or data URI)
///   has bytes flipped in its middle plus damage its structure shows (a PNG chunk CRC, a stray
///   JPEG marker, a WEBP chunk length past the end), so a verifying client must reject it.
package enum SimulatorHook: String, Sendable, CaseIterable {
    /// Refuse the task at submission (`invalidContent`).
    case reject = "[sim:reject]"
    /// Accept the task, then fail its generation (a failure code of the SDK's catalog).
    case fail = "[sim:fail]"
    /// Start generation `FaultPlan.lateTaskDelay` seconds late.
    case late = "[sim:late]"
    /// Generate normally but serve damaged image bytes.
    case corrupt = "[sim:corrupt]"

    /// The hooks present in a prompt.
    package static func hooks(in prompt: String) -> Set<SimulatorHook> {
        Set(allCases.filter { prompt.contains($0.rawValue) })
    }
}
