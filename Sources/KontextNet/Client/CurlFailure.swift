import CCurl

/// Translates a failed `curl_easy_perform` into an `HTTPClientError`.
struct CurlFailure {
    /// The code curl returned.
    var code: CURLcode
    /// The text curl wrote into the error buffer (may be empty).
    var detail: String
    /// Whether the write or header callback refused the body because it was over the cap.
    var responseTooLarge: Bool
    /// Whether the progress callback aborted because the awaiting task was cancelled.
    var cancelled: Bool
    /// Whether any of the request may have been written to the server (reached the sending stage).
    var requestMayHaveBeenSent: Bool

    /// The error to report for `url`.
    func error(url: String) -> HTTPClientError {
        let (kind, unknown) = classification
        var message = detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
        if responseTooLarge {
            message = "response body exceeds the configured maximum (\(message))"
        } else if cancelled {
            message = "request cancelled (\(message))"
        }
        message += " [\(Self.name(of: code))]"
        return HTTPClientError(kind: kind, url: url, message: message, outcomeUnknown: unknown)
    }

    private var classification: (HTTPClientError.Kind, outcomeUnknown: Bool) {
        if responseTooLarge { return (.responseTooLarge, true) }
        if cancelled { return (.other, requestMayHaveBeenSent) }
        switch code {
        case CURLE_UNSUPPORTED_PROTOCOL, CURLE_URL_MALFORMAT:
            return (.invalidURL, false)
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY:
            return (.resolveFailed, false)
        case CURLE_COULDNT_CONNECT:
            return (.connectionFailed, false)
        case CURLE_OPERATION_TIMEDOUT:
            return (.timeout, requestMayHaveBeenSent)
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER,
            CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ENGINE_NOTFOUND, CURLE_SSL_ENGINE_SETFAILED,
            CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH, CURLE_SSL_INVALIDCERTSTATUS,
            CURLE_SSL_CRL_BADFILE, CURLE_SSL_SHUTDOWN_FAILED:
            return (.tls, false)
        case CURLE_SEND_ERROR:
            return (.sendFailed, true)
        case CURLE_RECV_ERROR, CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE, CURLE_WEIRD_SERVER_REPLY, CURLE_HTTP2,
            CURLE_HTTP2_STREAM, CURLE_HTTP3:
            return (.receiveFailed, true)
        default:
            return (.other, requestMayHaveBeenSent)
        }
    }

    /// The CURLcode constant name for the codes this client meets, else "CURLcode <n>".
    static func name(of code: CURLcode) -> String {
        switch code {
        case CURLE_UNSUPPORTED_PROTOCOL: "CURLE_UNSUPPORTED_PROTOCOL"
        case CURLE_URL_MALFORMAT: "CURLE_URL_MALFORMAT"
        case CURLE_COULDNT_RESOLVE_PROXY: "CURLE_COULDNT_RESOLVE_PROXY"
        case CURLE_COULDNT_RESOLVE_HOST: "CURLE_COULDNT_RESOLVE_HOST"
        case CURLE_COULDNT_CONNECT: "CURLE_COULDNT_CONNECT"
        case CURLE_WEIRD_SERVER_REPLY: "CURLE_WEIRD_SERVER_REPLY"
        case CURLE_HTTP2: "CURLE_HTTP2"
        case CURLE_PARTIAL_FILE: "CURLE_PARTIAL_FILE"
        case CURLE_WRITE_ERROR: "CURLE_WRITE_ERROR"
        case CURLE_READ_ERROR: "CURLE_READ_ERROR"
        case CURLE_OUT_OF_MEMORY: "CURLE_OUT_OF_MEMORY"
        case CURLE_OPERATION_TIMEDOUT: "CURLE_OPERATION_TIMEDOUT"
        case CURLE_ABORTED_BY_CALLBACK: "CURLE_ABORTED_BY_CALLBACK"
        case CURLE_BAD_FUNCTION_ARGUMENT: "CURLE_BAD_FUNCTION_ARGUMENT"
        case CURLE_TOO_MANY_REDIRECTS: "CURLE_TOO_MANY_REDIRECTS"
        case CURLE_GOT_NOTHING: "CURLE_GOT_NOTHING"
        case CURLE_SEND_ERROR: "CURLE_SEND_ERROR"
        case CURLE_RECV_ERROR: "CURLE_RECV_ERROR"
        case CURLE_SSL_CONNECT_ERROR: "CURLE_SSL_CONNECT_ERROR"
        case CURLE_PEER_FAILED_VERIFICATION: "CURLE_PEER_FAILED_VERIFICATION"
        case CURLE_SSL_CERTPROBLEM: "CURLE_SSL_CERTPROBLEM"
        case CURLE_SSL_CIPHER: "CURLE_SSL_CIPHER"
        case CURLE_SSL_CACERT_BADFILE: "CURLE_SSL_CACERT_BADFILE"
        case CURLE_HTTP2_STREAM: "CURLE_HTTP2_STREAM"
        case CURLE_HTTP3: "CURLE_HTTP3"
        default: "CURLcode \(code.rawValue)"
        }
    }
}
