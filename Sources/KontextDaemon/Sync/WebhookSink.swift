import Foundation
import KontextCrypto
import KontextNet

/// `type: webhook`: POSTs every event's body to a URL, signed as Standard Webhooks specify:
/// `webhook-id` (the event's stable id, the same on every retry), `webhook-timestamp` (Unix
/// seconds) and `webhook-signature: v1,<base64 HMAC-SHA256(secret, "<id>.<timestamp>.<body>")>`.
/// Any 2xx is success; anything else, and timeouts, are retried.
struct WebhookSink: DownstreamSink {
    let name: String
    let settings: WebhookSinkSettings
    let client: CurlHTTPClient
    let clock: @Sendable () -> Double
    /// The sink's settings as they are now (a reload may have changed its secret); nil: `settings`.
    var current: (@Sendable () -> WebhookSinkSettings?)? = nil

    func deliver(_ delivery: SinkDelivery) async throws(SinkFailure) {
        let body = Array(delivery.event.body.utf8)
        let timestamp = String(Int64(clock().rounded(.down)))
        let signature = StandardWebhookSignature.sign(
            secret: (current?() ?? settings).secret, id: delivery.event.eventUUID, timestamp: timestamp, body: body)
        let request = HTTPClientRequest(
            method: "POST", url: settings.url,
            headers: [
                HTTPHeader(name: "Content-Type", value: "application/json"),
                HTTPHeader(name: "webhook-id", value: delivery.event.eventUUID),
                HTTPHeader(name: "webhook-timestamp", value: timestamp),
                HTTPHeader(name: "webhook-signature", value: signature),
            ],
            body: body, timeout: settings.timeout)
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request)
        } catch {
            throw .retry("\(error)")
        }
        guard (200..<300).contains(response.status) else {
            let excerpt = String(decoding: response.body.prefix(200), as: UTF8.self)
            // The reason reaches logs, /healthz and the dashboard: a token in the URL's query must not.
            throw .retry("HTTP \(response.status) from \(QueryRedaction.redacting(settings.url))" + (excerpt.isEmpty ? "" : ": \(excerpt)"))
        }
    }
}

/// Standard Webhooks signing (https://www.standardwebhooks.com): the secret is `whsec_` and the
/// base64 of the key bytes.
enum StandardWebhookSignature {
    static let secretPrefix = "whsec_"

    /// `v1,<base64 HMAC-SHA256(key, "<id>.<timestamp>.<body>")>`.
    static func sign(secret: [UInt8], id: String, timestamp: String, body: [UInt8]) -> String {
        let message = Array("\(id).\(timestamp).".utf8) + body
        return "v1," + Data(MessageAuthentication.hmacSHA256(key: secret, message: message)).base64EncodedString()
    }

    /// The key bytes of a `whsec_<base64>` secret; nil when it is not one.
    static func key(fromSecret text: String) -> [UInt8]? {
        guard text.hasPrefix(secretPrefix), let data = Data(base64Encoded: String(text.dropFirst(secretPrefix.count))),
            !data.isEmpty
        else { return nil }
        return Array(data)
    }
}
