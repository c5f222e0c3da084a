import KontextCrypto

/// The per-task secret in each webhook URL: HMAC-SHA256 of the task UUID under a key only the
/// daemon holds. Runware does not sign webhooks, so this token is the only proof that a POST
/// comes from whoever was handed the URL; it is unguessable per task and checked in constant time.
package struct WebhookToken: Sendable {
    private let key: [UInt8]

    /// `key` is the webhook secret (at least 16 bytes; the configuration check enforces it).
    package init(key: [UInt8]) {
        self.key = key
    }

    /// The token for `taskUUID` (lowercase hex, 64 characters).
    package func token(for taskUUID: String) -> String {
        Hex.encode(MessageAuthentication.hmacSHA256(key: key, message: Array(taskUUID.lowercased().utf8)))
    }

    /// True when `presented` is the token for `taskUUID`; the comparison takes the same time
    /// whichever byte differs.
    package func isValid(_ presented: String?, for taskUUID: String) -> Bool {
        guard let presented else { return false }
        return MessageAuthentication.constantTimeEquals(Array(presented.utf8), Array(token(for: taskUUID).utf8))
    }
}
