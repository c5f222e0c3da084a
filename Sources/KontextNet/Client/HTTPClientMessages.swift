/// A request for `CurlHTTPClient.execute(_:)`: what to send and how long to wait for the answer.
///
/// The defaults suit small JSON API calls: 30 s total, 10 s to connect, at most 64 MiB of response
/// body, redirects not followed.
package struct HTTPClientRequest: Sendable {
    /// The request method, e.g. "GET", "POST", "PUT", "DELETE", "HEAD".
    package var method: String
    /// The absolute URL (http or https only).
    package var url: String
    /// Header fields sent as given, after the client's own (User-Agent); the same name replaces the client's.
    package var headers: [HTTPHeader]
    /// The request body; nil sends none (a POST or PUT with nil sends an empty body).
    package var body: [UInt8]?
    /// The whole transfer's time limit in seconds; exceeding it fails with `.timeout`.
    package var timeout: Double
    /// The time limit in seconds for establishing the connection; exceeding it fails with `.timeout`.
    package var connectTimeout: Double
    /// The largest response body accepted; a larger one aborts the transfer with `.responseTooLarge`.
    package var maxResponseBytes: Int
    /// When set, aborts the transfer with `.timeout` once it stays under `bytesPerSecond` for `seconds`.
    package var lowSpeedLimit: (bytesPerSecond: Int, seconds: Int)?
    /// Whether 3xx responses are followed (at most 5 hops); false returns the 3xx response itself.
    package var followRedirects: Bool
    /// When set, curl signs the request with AWS Signature Version 4 (`CURLOPT_AWS_SIGV4`).
    /// libcurl 7.88 signs a body correctly only when the request carries `x-amz-content-sha256`
    /// with the body's hex SHA-256: the caller sets that header.
    package var awsSignature: AWSSignatureV4?
    /// Send on a new connection and close it afterwards. libcurl silently sends a request again
    /// when a reused keep-alive connection dies before answering; for a request that must reach
    /// the server at most once per call (a Runware submission, where a second copy is answered
    /// `conflictTaskUUID`) that hidden resend must not happen, and without reuse it cannot.
    package var freshConnection: Bool
    /// URL schemes allowed, for the request and for every redirect (curl's list syntax). Default `http,https`.
    package var allowedProtocols: String
    /// Decides, at connect time, whether the resolved address (4 or 16 bytes) may be connected
    /// to: nil allows it, a reason refuses it (the request fails with `.addressRefused`). Nil
    /// (the default) checks nothing. Applies to every connection the request opens, redirects included.
    package var connectAddressCheck: (@Sendable ([UInt8]) -> String?)?
    /// Which proxy to use. Default `.environment` (curl honours `http_proxy`/`https_proxy`).
    package var proxy: Proxy

    /// Where a request's connection goes.
    package enum Proxy: Sendable, Hashable {
        /// Whatever curl takes from the environment (`http_proxy`, `https_proxy`, `no_proxy`).
        case environment
        /// Straight to the server, whatever the environment says.
        case none
        /// Through this proxy URL. The proxy then resolves names, so a connect-address check sees the proxy's address.
        case url(String)
    }

    /// Creates a request with the default limits (10 s connect, 64 MiB body cap, no redirects).
    package init(
        method: String = "GET",
        url: String,
        headers: [HTTPHeader] = [],
        body: [UInt8]? = nil,
        timeout: Double = 30
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
        self.connectTimeout = 10
        self.maxResponseBytes = 64 << 20
        self.lowSpeedLimit = nil
        self.followRedirects = false
        self.awsSignature = nil
        self.freshConnection = false
        self.allowedProtocols = "http,https"
        self.connectAddressCheck = nil
        self.proxy = .environment
    }

    /// Creates a request from header tuples, e.g. `headers: [("Content-Type", "application/json")]`.
    @_disfavoredOverload
    package init(
        method: String = "GET",
        url: String,
        headers: [(name: String, value: String)],
        body: [UInt8]? = nil,
        timeout: Double = 30
    ) {
        self.init(
            method: method, url: url, headers: headers.map { HTTPHeader(name: $0.name, value: $0.value) },
            body: body, timeout: timeout)
    }

    /// Appends a header field.
    package mutating func addHeader(_ name: String, _ value: String) {
        headers.append(HTTPHeader(name: name, value: value))
    }
}

/// A complete HTTP response received by `CurlHTTPClient`: any status (4xx/5xx are not errors).
package struct HTTPClientResponse: Sendable {
    /// The status code of the last response received (the final one when redirects are followed).
    package var status: Int
    /// The header fields of the last response, in order, with lowercased names.
    package var headers: [HTTPHeader]
    /// The whole response body (never larger than the request's `maxResponseBytes`).
    package var body: [UInt8]

    /// Creates a response; used by the client and by test doubles.
    package init(status: Int, headers: [HTTPHeader], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The value of the last header named `name`, compared case-insensitively; nil when absent.
    package func header(_ name: String) -> String? {
        headers.value(named: name)
    }
}

/// The credentials and scope of an AWS Signature Version 4 (S3 and compatible stores).
package struct AWSSignatureV4: Sendable, Hashable {
    /// The access key id.
    package var accessKeyID: String
    /// The secret access key (never logged).
    package var secretAccessKey: String
    /// The region in the credential scope, e.g. `eu-central-1`.
    package var region: String
    /// The service in the credential scope, `s3` for object stores.
    package var service: String

    package init(accessKeyID: String, secretAccessKey: String, region: String, service: String = "s3") {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.region = region
        self.service = service
    }

    /// curl's `CURLOPT_AWS_SIGV4` parameter: `aws:amz:<region>:<service>`.
    var curlProvider: String { "aws:amz:\(region):\(service)" }
}
