import KontextCore

/// The simulator's record of one accepted `imageInference` task: what was asked, what has been
/// produced so far, and whether it failed. Lives inside `SimulatorLedger`.
struct SimulatedTask: Sendable {
    let task: ImageInferenceTask
    let taskUUID: String
    let hooks: Set<SimulatorHook>
    /// How its results and failure travel (late start, reordered webhooks, nested error).
    var shape = TaskShapeFaults()
    /// Result objects in generation order, without `status` (added for `getResponse`).
    var results: [JSONValue] = []
    /// Set when `[sim:fail]` made generation fail.
    var failure: RunwareErrorObject?

    var isFinished: Bool { failure != nil || results.count >= task.numberResults }

    /// Whether the submission is answered at once with an acknowledgement (webhook or async
    /// delivery) rather than after generation.
    var isAsynchronous: Bool {
        task.webhookURL != nil || task.deliveryMethod?.lowercased() == "async"
    }

    /// The acknowledgement returned for an asynchronous submission.
    var acknowledgement: JSONValue {
        .object(["taskType": .string("imageInference"), "taskUUID": .string(taskUUID)])
    }

    /// The `getResponse` view: every result with `status: success`, one `processing` item while
    /// results are still due (with `progress` and the next `resultIndex`, as runware-sdk 1.8
    /// reads them), and the failure once generation failed: flat in `errors`, or the SDK's
    /// nested item in `data` when the task's shape says so.
    var cumulativeState: (data: [JSONValue], errors: [JSONValue]) {
        var data = results.map { result -> JSONValue in
            guard case .object(var fields) = result else { return result }
            fields["status"] = .string("success")
            return .object(fields)
        }
        if let failure {
            if shape.nestedError { return (data + [failure.nestedItem], []) }
            return (data, [failure.jsonValue])
        }
        if !isFinished {
            data.append(.object([
                "taskType": .string("imageInference"), "taskUUID": .string(taskUUID),
                "status": .string("processing"), "resultIndex": .integer(Int64(results.count)),
                "progress": .integer(Int64(results.count * 100 / max(1, task.numberResults))),
            ]))
        }
        return (data, [])
    }
}
