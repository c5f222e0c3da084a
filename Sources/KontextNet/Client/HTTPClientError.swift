/// Why a `CurlHTTPClient` request produced no response, and whether the server may have acted on it.
package struct HTTPClientError: Error, Sendable, CustomStringConvertible {
    /// The class of failure, coarse enough for retry decisions.
    package enum Kind: String, Sendable {
        /// The total, connect or low-speed time limit passed.
        case timeout
        /// The TCP connection could not be made (refused, unreachable).
        case connectionFailed
        /// The host name did not resolve.
        case resolveFailed
        /// The response body (or its announced Content-Length) exceeded `maxResponseBytes`.
        case responseTooLarge
        /// TLS handshake or certificate verification failed.
        case tls
        /// Sending the request failed part way.
        case sendFailed
        /// Receiving the response failed (reset, empty or malformed reply).
        case receiveFailed
        /// The URL is malformed or its scheme is not allowed.
        case invalidURL
        /// The request's connect-address check refused the address the host resolved to.
        case addressRefused
        /// Anything else, including a cancelled task and use after `shutdown()`.
        case other
    }

    /// The class of failure.
    package let kind: Kind
    /// The URL of the failed request.
    package let url: String
    /// curl's error buffer text followed by the CURLcode name, or the client's own explanation.
    package let message: String
    /// True when the request may have reached the server (timeout/receive errors after sending):
    /// callers must treat the outcome as unknown.
    package var outcomeUnknown: Bool

    /// Creates an error; used by the client and by test doubles.
    package init(kind: Kind, url: String, message: String, outcomeUnknown: Bool) {
        self.kind = kind
        self.url = url
        self.message = message
        self.outcomeUnknown = outcomeUnknown
    }

    /// "<kind> for <url>: <message>", plus a note when the outcome is unknown. The URL's query is
    /// left out: descriptions end up in logs, and a query can carry a token.
    package var description: String {
        "\(kind.rawValue) for \(QueryRedaction.redacting(url)): \(message)" + (outcomeUnknown ? " (request may have reached the server)" : "")
    }
}
