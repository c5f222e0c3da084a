/// What a Runware error code means for the task it names, in the classes kontextd acts on.
///
/// Codes are runware-sdk 1.8's catalog (`errors.py`: `derive_code`) where the SDK knows them;
/// raw codes are not a published API, so matching follows the SDK's own rules (suffixes and
/// substrings) rather than an exhaustive list, and an unknown code is `.other`, never ignored.
package enum RunwareErrorClass: String, Sendable, Hashable, CaseIterable {
    /// `conflictTaskUUID`: Runware already has a task with this UUID. Proof of acceptance only
    /// when kontextd itself sent the task before; on a first send the UUID is someone else's.
    case conflictTaskUUID
    /// Runware never had the task, or no longer has it: `*NotFound` (`taskNotFound`,
    /// `resourceNotFound`, ...) and `*Expired`. For a task that was accepted, it ends the task.
    case taskNotFound
    /// `taskFailedOrNotFound`: the task failed, or Runware does not know it. Either way it will
    /// produce nothing more: it ends the task; it never counts as "no news".
    case taskFailedOrNotFound
    /// The generation failed: `inferenceError`, `processingFailed`, `taskFailed`,
    /// `timeoutProvider`, `taskCancelled`, `provider*`, `downloadFailed`, `uploadFailed`, ...
    case taskFailed
    /// Runware could not answer now (rate limits, queue full, unavailable, internal errors):
    /// says nothing about the task; ask again later.
    case transient
    /// The API key is missing, wrong or not allowed.
    case authentication
    /// The account has no credits or quota left.
    case quota
    /// The request was refused for its content (prompt or images flagged).
    case contentRejected
    /// A parameter is invalid or missing (`invalid*`, `missing*`, `unsupported*`, ...).
    case invalidRequest
    /// Any other code.
    case other

    /// The class of `code` (case as Runware sends it).
    package static func of(_ code: String) -> RunwareErrorClass {
        // The SDK's order: exact codes first, then quota, rate limits, content, authentication,
        // timeouts, not-found, server errors, provider failures, validation.
        if code == "conflictTaskUUID" { return .conflictTaskUUID }
        if code == "taskFailedOrNotFound" { return .taskFailedOrNotFound }
        if code.contains("Credits") || code.contains("Quota") || code.contains("Balance") || code == "quotaExceeded"
            || code == "paymentRequired"
        {
            return .quota
        }
        if code.contains("RateLimit") || code == "rateLimitExceeded" { return .transient }
        if contentCodes.contains(code) { return .contentRejected }
        if code.contains("ApiKey") || authenticationCodes.contains(code) { return .authentication }
        // A provider timeout is a failed generation, not a slow answer: before the "Timeout" rule.
        if failureCodes.contains(code) || code.hasPrefix("provider") { return .taskFailed }
        if code.contains("Timeout") || code == "timeout" { return .transient }
        if code.hasSuffix("NotFound") || code.hasSuffix("Expired") { return .taskNotFound }
        if transientCodes.contains(code) { return .transient }
        if code.hasPrefix("invalid") || code.hasPrefix("missing") || code.hasPrefix("unsupported")
            || code.hasPrefix("duplicate") || code.hasPrefix("max") || code == "unknownParameter"
            || code == "incompatibleParameters" || code == "validationFailed"
        {
            return .invalidRequest
        }
        return .other
    }

    /// True when the code says the task itself is over (failed, or unknown to Runware), as
    /// opposed to a refusal of the request or a transient condition.
    package var endsAcceptedTask: Bool {
        switch self {
        case .taskNotFound, .taskFailedOrNotFound, .taskFailed, .contentRejected, .invalidRequest, .quota,
            .authentication, .other:
            return true
        case .conflictTaskUUID, .transient:
            return false
        }
    }

    private static let failureCodes: Set<String> = [
        "inferenceError", "processingFailed", "taskFailed", "timeoutProvider", "taskCancelled", "downloadFailed",
        "uploadFailed", "noAvailableServer", "modelUnavailable", "modelDisabled", "modelNotReady",
        // The code the simulator used before it followed the SDK's catalog; stored tasks may carry it.
        "inferenceFailed",
    ]

    private static let transientCodes: Set<String> = [
        "internalServerError", "serviceUnavailable", "serverUnavailable", "queueCapacityExceeded", "queueWaitTimeout",
        "tooManyRequests",
    ]

    private static let contentCodes: Set<String> = [
        "contentPolicyViolation", "providerContentPolicyViolation", "sensitiveContentDetected", "unsafeContentDetected",
        "nsfwContentDetected", "promptBlocked", "imageBlocked", "moderationFailed", "invalidProviderContent",
        "invalidContent",
    ]

    private static let authenticationCodes: Set<String> = [
        "unauthorized", "forbidden", "permissionDenied", "insufficientPermissions", "authenticationFailed",
        "authFailed", "invalidAuthentication", "invalidCredentials", "missingAuthentication", "tokenExpired",
        "tokenInvalid", "accountSuspended", "accountDisabled",
    ]
}
