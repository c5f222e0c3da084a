import CCurl

/// One reused curl easy handle and the code that runs a request on it.
///
/// Owned by exactly one worker thread for its lifetime (never shared), which is what lets curl keep
/// the connection alive between requests to the same host.
final class CurlEasyTransfer {
    private let easy: UnsafeMutableRawPointer
    private let errorBuffer: UnsafeMutablePointer<CChar>
    private let userAgent: String

    /// Creates the easy handle; nil when libcurl cannot be initialised or allocate one.
    init?(userAgent: String) {
        guard CurlLibrary.ensureInitialised(), let easy = curl_easy_init() else { return nil }
        self.easy = easy
        self.errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE))
        self.errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
        self.userAgent = userAgent
    }

    deinit {
        curl_easy_cleanup(easy)
        errorBuffer.deallocate()
    }

    /// Runs `request` to completion on the calling thread (blocks; never call from the Swift pool).
    func perform(_ request: HTTPClientRequest, cancellation: CancellationFlag) -> Result<HTTPClientResponse, HTTPClientError> {
        // Reset keeps live connections and the DNS cache but drops every option of the previous request.
        curl_easy_reset(easy)
        errorBuffer[0] = 0
        let sink = CurlResponseSink(
            maxBytes: request.maxResponseBytes, cancellation: cancellation, addressCheck: request.connectAddressCheck)
        var headerList: UnsafeMutablePointer<curl_slist>? = nil
        defer { curl_slist_free_all(headerList) }

        if let problem = configure(request, sink: sink, headerList: &headerList) {
            return .failure(HTTPClientError(kind: .other, url: request.url, message: problem, outcomeUnknown: false))
        }
        let code = withExtendedLifetime(sink) { curl_easy_perform(easy) }
        if code != CURLE_OK, let refusal = sink.addressRefusal {
            return .failure(HTTPClientError(
                kind: .addressRefused, url: request.url, message: "refused to connect: \(refusal)", outcomeUnknown: false))
        }
        guard code == CURLE_OK else {
            let failure = CurlFailure(
                code: code, detail: String(cString: errorBuffer), responseTooLarge: sink.exceededLimit,
                cancelled: cancellation.isCancelled, requestMayHaveBeenSent: requestMayHaveBeenSent())
            return .failure(failure.error(url: request.url))
        }
        var status = 0
        _ = kx_curl_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &status)
        return .success(HTTPClientResponse(status: status, headers: sink.headers, body: sink.body))
    }

    /// False only when curl provably never got to sending: no pre-transfer time and no request bytes.
    private func requestMayHaveBeenSent() -> Bool {
        var pretransfer = 0.0
        var requestSize = 0
        _ = kx_curl_getinfo_double(easy, CURLINFO_PRETRANSFER_TIME, &pretransfer)
        _ = kx_curl_getinfo_long(easy, CURLINFO_REQUEST_SIZE, &requestSize)
        return pretransfer > 0 || requestSize > 0
    }

    /// Sets every option for `request`; returns a description of the first option curl refused.
    private func configure(
        _ request: HTTPClientRequest, sink: CurlResponseSink, headerList: inout UnsafeMutablePointer<curl_slist>?
    ) -> String? {
        var refused: [String] = []
        func check(_ code: CURLcode, _ option: String) {
            if code != CURLE_OK { refused.append("\(option): \(String(cString: curl_easy_strerror(code)))") }
        }
        check(kx_curl_setopt_string(easy, CURLOPT_URL, request.url), "URL")
        check(kx_curl_setopt_pointer(easy, CURLOPT_ERRORBUFFER, errorBuffer), "ERRORBUFFER")
        check(kx_curl_setopt_long(easy, CURLOPT_NOSIGNAL, 1), "NOSIGNAL")
        check(kx_curl_setopt_string(easy, CURLOPT_PROTOCOLS_STR, request.allowedProtocols), "PROTOCOLS_STR")
        check(kx_curl_setopt_string(easy, CURLOPT_REDIR_PROTOCOLS_STR, request.allowedProtocols), "REDIR_PROTOCOLS_STR")
        switch request.proxy {
        case .environment: break
        // An empty string is curl's "no proxy at all", overriding http_proxy and friends.
        case .none: check(kx_curl_setopt_string(easy, CURLOPT_PROXY, ""), "PROXY")
        case .url(let proxy): check(kx_curl_setopt_string(easy, CURLOPT_PROXY, proxy), "PROXY")
        }
        check(kx_curl_setopt_long(easy, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1), "HTTP_VERSION")
        check(kx_curl_setopt_string(easy, CURLOPT_USERAGENT, userAgent), "USERAGENT")
        check(kx_curl_setopt_long(easy, CURLOPT_TIMEOUT_MS, Self.milliseconds(request.timeout)), "TIMEOUT_MS")
        check(
            kx_curl_setopt_long(easy, CURLOPT_CONNECTTIMEOUT_MS, Self.milliseconds(request.connectTimeout)),
            "CONNECTTIMEOUT_MS")
        if let lowSpeed = request.lowSpeedLimit {
            check(kx_curl_setopt_long(easy, CURLOPT_LOW_SPEED_LIMIT, max(1, lowSpeed.bytesPerSecond)), "LOW_SPEED_LIMIT")
            check(kx_curl_setopt_long(easy, CURLOPT_LOW_SPEED_TIME, max(1, lowSpeed.seconds)), "LOW_SPEED_TIME")
        }
        check(kx_curl_setopt_long(easy, CURLOPT_FOLLOWLOCATION, request.followRedirects ? 1 : 0), "FOLLOWLOCATION")
        if request.followRedirects {
            check(kx_curl_setopt_long(easy, CURLOPT_MAXREDIRS, 5), "MAXREDIRS")
        }
        check(kx_curl_setopt_long(easy, CURLOPT_TCP_KEEPALIVE, 1), "TCP_KEEPALIVE")
        if request.freshConnection {
            check(kx_curl_setopt_long(easy, CURLOPT_FRESH_CONNECT, 1), "FRESH_CONNECT")
            check(kx_curl_setopt_long(easy, CURLOPT_FORBID_REUSE, 1), "FORBID_REUSE")
        }

        configureMethodAndBody(request, check: check)

        // An empty "Expect:" stops curl from waiting for 100 Continue before sending a POST body.
        var lines = ["Expect:"]
        if request.body != nil && request.headers.value(named: "content-type") == nil {
            // curl would otherwise label every body application/x-www-form-urlencoded.
            lines.append("Content-Type:")
        }
        lines += request.headers.map { "\($0.name): \($0.value)" }
        for line in lines {
            headerList = curl_slist_append(headerList, line)
        }
        check(kx_curl_setopt_slist(easy, CURLOPT_HTTPHEADER, headerList), "HTTPHEADER")

        let context = Unmanaged.passUnretained(sink).toOpaque()
        check(kx_curl_setopt_data_callback(easy, CURLOPT_WRITEFUNCTION) { data, size, count, context in
            let sink = Unmanaged<CurlResponseSink>.fromOpaque(context!).takeUnretainedValue()
            let length = size * count
            return sink.receiveBody(UnsafeRawBufferPointer(start: data, count: length)) ? length : 0
        }, "WRITEFUNCTION")
        check(kx_curl_setopt_pointer(easy, CURLOPT_WRITEDATA, context), "WRITEDATA")
        check(kx_curl_setopt_data_callback(easy, CURLOPT_HEADERFUNCTION) { data, size, count, context in
            let sink = Unmanaged<CurlResponseSink>.fromOpaque(context!).takeUnretainedValue()
            let length = size * count
            return sink.receiveHeaderLine(UnsafeRawBufferPointer(start: data, count: length)) ? length : 0
        }, "HEADERFUNCTION")
        check(kx_curl_setopt_pointer(easy, CURLOPT_HEADERDATA, context), "HEADERDATA")
        // The progress callback exists only to abort transfers whose awaiting task was cancelled.
        check(kx_curl_setopt_long(easy, CURLOPT_NOPROGRESS, 0), "NOPROGRESS")
        check(kx_curl_setopt_xferinfo_callback(easy) { context, _, _, _, _ in
            let sink = Unmanaged<CurlResponseSink>.fromOpaque(context!).takeUnretainedValue()
            return sink.cancellation.isCancelled ? 1 : 0
        }, "XFERINFOFUNCTION")
        check(kx_curl_setopt_pointer(easy, CURLOPT_XFERINFODATA, context), "XFERINFODATA")
        if request.connectAddressCheck != nil {
            // Checked where curl opens the socket, after DNS: the address judged is the one connected to.
            check(kx_curl_setopt_opensocket_callback(easy) { context, _, address in
                let sink = Unmanaged<CurlResponseSink>.fromOpaque(context!).takeUnretainedValue()
                guard let address else { return CURL_SOCKET_BAD }
                var bytes = [UInt8](repeating: 0, count: 16)
                let count = Int(kx_curl_sockaddr_ip(address, &bytes))
                guard sink.mayConnect(to: Array(bytes.prefix(count))) else { return CURL_SOCKET_BAD }
                return kx_curl_open_socket(address)
            }, "OPENSOCKETFUNCTION")
            check(kx_curl_setopt_pointer(easy, CURLOPT_OPENSOCKETDATA, context), "OPENSOCKETDATA")
        }
        return refused.isEmpty ? nil : "curl refused options: " + refused.joined(separator: "; ")
    }

    /// Sets the method and copies the body into curl (curl owns the copy, so no lifetime to manage).
    private func configureMethodAndBody(_ request: HTTPClientRequest, check: (CURLcode, String) -> Void) {
        let method = request.method.uppercased()
        let sendsBody = request.body != nil || method == "POST" || method == "PUT" || method == "PATCH"
        if sendsBody {
            let body = request.body ?? []
            // The size must be set before COPYPOSTFIELDS so bodies containing NUL bytes copy whole.
            check(kx_curl_setopt_off(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count)), "POSTFIELDSIZE_LARGE")
            if body.isEmpty {
                check(kx_curl_setopt_string(easy, CURLOPT_COPYPOSTFIELDS, ""), "COPYPOSTFIELDS")
            } else {
                body.withUnsafeBytes { bytes in
                    check(
                        kx_curl_setopt_pointer(easy, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: bytes.baseAddress!)),
                        "COPYPOSTFIELDS")
                }
            }
            if method != "POST" {
                check(kx_curl_setopt_string(easy, CURLOPT_CUSTOMREQUEST, method), "CUSTOMREQUEST")
            }
        } else if method == "GET" {
            check(kx_curl_setopt_long(easy, CURLOPT_HTTPGET, 1), "HTTPGET")
        } else if method == "HEAD" {
            check(kx_curl_setopt_long(easy, CURLOPT_NOBODY, 1), "NOBODY")
        } else {
            check(kx_curl_setopt_string(easy, CURLOPT_CUSTOMREQUEST, method), "CUSTOMREQUEST")
        }
    }

    /// Seconds as curl's millisecond option value, at least 1 ms (0 would mean "no limit").
    private static func milliseconds(_ seconds: Double) -> Int {
        guard seconds.isFinite, seconds > 0 else { return 1 }
        return max(1, Int((seconds * 1000).rounded(.up)))
    }
}
