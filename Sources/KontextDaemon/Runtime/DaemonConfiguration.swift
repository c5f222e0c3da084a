/// Everything a running kontextd needs to know, with the defaults documented beside each field.
///
/// Built from the YAML file, the environment and credential files by `DaemonConfigurationLoader`,
/// or directly in code (tests, the demo).
package struct DaemonConfiguration: Sendable, Equatable {
    /// Runware's REST API and how kontextd talks to it.
    package struct Runware: Sendable, Equatable {
        /// The single REST endpoint. Default `https://api.runware.ai/v1`.
        package var apiURL: String = "https://api.runware.ai/v1"
        /// The API key sent as `Authorization: Bearer`. No default: required to submit.
        package var apiKey: String = ""
        /// Whole-request timeout for one submission, in seconds. Default 60.
        package var requestTimeout: Double = 60
        /// How many tasks share one `POST /v1` (submissions and `getResponse` polls) at most.
        /// Default 1, what both official SDKs send: how Runware answers a mixed batch is
        /// unverified. Larger batches work (an answer that cannot be attributed per task makes
        /// kontextd send the tasks one by one, or ask `getResponse` before resending).
        package var maxTasksPerRequest: Int = 1
        /// Sends without a verdict (429, 503, 504, timeouts) a task may suffer before it fails. Default 20.
        package var maxSubmitFailures: Int = 20

        package init(apiURL: String = "https://api.runware.ai/v1", apiKey: String = "") {
            self.apiURL = apiURL
            self.apiKey = apiKey
        }
    }

    /// The webhook listener Runware calls (it may face the internet).
    package struct Webhook: Sendable, Equatable {
        /// Address to bind. Default `0.0.0.0`.
        package var host: String = "0.0.0.0"
        /// Port to bind; 0 picks a free one. Default 8787.
        package var port: Int = 8787
        /// The URL at which Runware reaches this listener, without a trailing slash, e.g.
        /// `https://kontextd.example.com`. Webhook URLs are `{publicURL}/webhooks/runware/{taskUUID}?token=…`.
        /// Default: `http://{host}:{port}` (useful on loopback only).
        package var publicURL: String? = nil
        /// The secret under which per-task tokens are derived (HMAC-SHA256). No default: required.
        package var secret: [UInt8] = []
        /// Largest webhook body accepted, in bytes. Default 6 MiB, derived in `WebhookBodyLimit`
        /// from the largest image Runware can post inline (`base64Data`/`dataURI`); a URL-output
        /// delivery is a few hundred bytes. Only requests with a valid token get this far.
        package var maxBodyBytes: Int = WebhookBodyLimit.derived
        /// Seconds a new connection has to send a complete request head. Default 10.
        package var headTimeout: Double = 10
        /// Seconds from a request head to the last body byte. Default 30 (a 6 MiB body at 200 KB/s).
        package var requestTimeout: Double = 30
        /// Seconds a kept-alive connection may wait for its next request head. Default 15.
        package var idleTimeout: Double = 15
        /// Connections open at once; at the cap the oldest one still waiting for a request head
        /// is closed to admit a new one. Default 512.
        package var maxConnections: Int = 512
        /// Request body bytes buffered at once across all connections; past it, 503 with
        /// `Retry-After` (Runware retries). Default 64 MiB.
        package var maxBufferedBytes: Int = 64 << 20

        package init(host: String = "0.0.0.0", port: Int = 8787, publicURL: String? = nil, secret: [UInt8] = []) {
            self.host = host
            self.port = port
            self.publicURL = publicURL
            self.secret = secret
        }
    }

    /// The admin listener: task intake, status, images, health, metrics.
    ///
    /// Every request must name it in `Host` (a loopback address or `localhost` with its port, or
    /// an entry of `allowedHosts`), carry the bearer token when one is configured, and send
    /// `Content-Type: application/json` with POST/PUT/PATCH/DELETE (see `AdminRequestGate`).
    package struct Admin: Sendable, Equatable {
        /// Address to bind. Default `127.0.0.1`. Any other address needs a token.
        package var host: String = "127.0.0.1"
        /// Port to bind; 0 picks a free one. Default 8786.
        package var port: Int = 8786
        /// Largest request body accepted (reference images as data URIs), in bytes. Default 32 MiB.
        package var maxBodyBytes: Int = 32 << 20
        /// `Host` values accepted besides loopback ones: `name` (any port) or `name:port`. Default none.
        package var allowedHosts: [String] = []
        /// The bearer token every request must carry (`admin.tokenFile`, the `admin-token`
        /// credential, or `admin.token`). Default none; required when `host` is not a loopback address.
        package var token: [UInt8] = []

        package init(host: String = "127.0.0.1", port: Int = 8786) {
            self.host = host
            self.port = port
        }
    }

    /// How result images are fetched and checked.
    package struct Images: Sendable, Equatable {
        /// Hosts image URLs may point at (exact host names, or `*.suffix`). Default `["im.runware.ai"]`.
        package var allowedHosts: [String] = ["im.runware.ai"]
        /// Largest image accepted, in bytes. Default 64 MiB.
        package var maxBytes: Int = 64 << 20
        /// Whole-download timeout in seconds. Default 120.
        package var downloadTimeout: Double = 120
        /// Downloads below 1 KiB/s for this many seconds are aborted as stalled. Default 30.
        package var stallSeconds: Int = 30
        /// Attempts per image before it is failed (transient download errors only). Default 5.
        package var maxFetchAttempts: Int = 5
        /// Images fetched and verified at once. Default 8 (most of each one's time is spent waiting on fsync).
        package var concurrency: Int = 8
        /// Fresh URLs asked of Runware (`getResponse`) per image after its URL expired (403/404). Default 3.
        package var maxRefetches: Int = 3
        /// Days a stored image is kept locally once every image sink has confirmed it; nil keeps
        /// images forever. Default nil. Needs at least one directory or s3 sink.
        package var retainLocalDays: Double? = nil
        /// Whether `http://` image URLs are fetched (tests, private mirrors). Default false: https only.
        package var allowHTTP = false
        /// Whether image downloads may connect to loopback, private (RFC 1918), link-local,
        /// unique-local and CGNAT addresses. Checked at connect time, on the resolved address.
        /// Default false.
        package var allowPrivateAddresses = false
        /// Proxy URL for image downloads; nil (the default) connects directly and ignores
        /// `http_proxy`/`https_proxy` in the environment.
        package var proxy: String?
        /// Bytes of memory the pixel decode checks may use at once (compressed bytes plus decoded
        /// pixels, 4 bytes each): decodes wait for room rather than all run at once. Default 64 MiB.
        package var decodeMemoryBudget: Int = 64 << 20

        package init(allowedHosts: [String] = ["im.runware.ai"]) {
            self.allowedHosts = allowedHosts
        }
    }

    /// The reconciler: finds results whose webhooks never came by asking Runware (`getResponse`).
    package struct Reconcile: Sendable, Equatable {
        /// A submitted task with results still missing this many seconds after submission is
        /// polled. With `ttl` set the deadline is at most half of it, well inside the URL lifetime.
        /// Default 120.
        package var overdueAfter: Double = 120
        /// Seconds between two polls of the same task, and between reconciler rounds. Default 15.
        package var interval: Double = 15
        /// Seconds after submission after which a task still missing results ends (never sooner
        /// than its `ttl`): `failed` with code `deadlineExceeded`, or `deadlineExceededPartial`
        /// when some results are stored (they stay available). Default 1200, the 20 minutes
        /// after which runware-sdk 1.8 stops polling.
        package var giveUpAfter: Double = 1200

        package init(overdueAfter: Double = 120, interval: Double = 15, giveUpAfter: Double = 1200) {
            self.overdueAfter = overdueAfter
            self.interval = interval
            self.giveUpAfter = giveUpAfter
        }
    }

    /// Spend limits (`budget.*`), in US dollars as Runware reports `cost`. Reloadable with SIGHUP.
    package struct Budget: Sendable, Equatable {
        /// The most a UTC day's tasks may cost; nil (the default) is no limit.
        package var dailyUSD: Double? = nil
        /// The most all tasks together may cost; nil (the default) is no limit.
        package var totalUSD: Double? = nil
        /// The cost per image assumed before Runware has reported any (the reference's highest
        /// example cost, rounded up). Default 0.015.
        package var defaultImageCostUSD: Double = 0.015

        package init(dailyUSD: Double? = nil, totalUSD: Double? = nil, defaultImageCostUSD: Double = 0.015) {
            self.dailyUSD = dailyUSD
            self.totalUSD = totalUSD
            self.defaultImageCostUSD = defaultImageCostUSD
        }
    }

    /// The levels `log.level` takes (swift-log's). Reloadable with SIGHUP.
    package enum LogLevel: String, Sendable, CaseIterable {
        case trace, debug, info, notice, warning, error, critical
    }

    /// Where state lives: `kontextd.sqlite3` and `images/` below it. Default `/var/lib/kontextd`.
    package var stateDirectory: String = "/var/lib/kontextd"
    package var runware = Runware()
    package var webhook = Webhook()
    package var admin = Admin()
    package var images = Images()
    package var reconcile = Reconcile()
    package var budget = Budget()
    /// The least severe log level written. Default `info`.
    package var logLevel: LogLevel = .info
    /// Downstream sync: sinks, retries, dead letters.
    package var sync = SyncConfiguration()
    /// How often idle workers look for work even without a nudge, in seconds. Default 1.
    package var pollInterval: Double = 1

    package init(stateDirectory: String = "/var/lib/kontextd") {
        self.stateDirectory = stateDirectory
    }

    /// The base of webhook URLs: the configured public URL, or this listener's own address.
    package func webhookBaseURL(boundPort: Int) -> String {
        if let publicURL = webhook.publicURL, !publicURL.isEmpty {
            return publicURL.hasSuffix("/") ? String(publicURL.dropLast()) : publicURL
        }
        let host = webhook.host == "0.0.0.0" ? "127.0.0.1" : webhook.host
        return "http://\(host):\(boundPort)"
    }
}
