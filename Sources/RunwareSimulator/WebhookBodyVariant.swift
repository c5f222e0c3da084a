/// How the simulator shapes each webhook body. Runware's real shape is not published, so the
/// daemon must accept both; the simulator can produce either (protocol notes, "Webhooks").
public enum WebhookBodyVariant: String, Sendable, Hashable, CaseIterable {
    /// The result object itself: `{"taskType":"imageInference","imageUUID":...}`; a failed task
    /// is a bare object with `"status":"error"`.
    case bare
    /// The result inside an envelope: `{"data":[result]}`; a failed task is `{"errors":[error]}`.
    case wrapped
}
