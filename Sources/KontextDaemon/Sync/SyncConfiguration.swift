import KontextCore
import KontextStore

/// Downstream sync: the sinks every stored image (and finished task) is delivered to, and how
/// hard to try. YAML: `sync.sinks: [a, b]` names them; each has its section `sync.sink.<name>`
/// (swift-configuration's YAML reader refuses lists of objects).
package struct SyncConfiguration: Sendable, Equatable {
    /// The sinks, in the order of `sync.sinks`. Default none.
    package var sinks: [SinkConfiguration] = []
    /// Failed attempts before a delivery becomes a dead letter. Default 20.
    package var maxAttempts: Int = 20
    /// Seconds after its event before a failing delivery becomes a dead letter. Default 7 days.
    package var maxAge: Double = 7 * 86_400
    /// The first retry's delay in seconds (then doubling, with jitter). Default 1.
    package var initialBackoff: Double = 1
    /// The longest delay between two attempts, in seconds. Default 300.
    package var maxBackoff: Double = 300
    /// While a sink is paused (403: bad credentials, clock skew), seconds between probes. Default 30.
    package var pauseProbeInterval: Double = 30

    package init(sinks: [SinkConfiguration] = []) {
        self.sinks = sinks
    }

    /// The retry policy these settings describe.
    package var policy: DeliveryPolicy {
        DeliveryPolicy(initialDelay: initialBackoff, maximumDelay: maxBackoff, maxAttempts: maxAttempts, maxAge: maxAge)
    }

    /// The sink named `name`, if configured.
    package func sink(named name: String) -> SinkConfiguration? {
        sinks.first { $0.name == name }
    }

    /// What the store must write outbox rows for.
    package var subscriptions: [SinkSubscription] {
        sinks.map { SinkSubscription(name: $0.name, events: $0.kind.events) }
    }
}

extension SyncConfiguration {
    /// These sinks with the credentials `file` gives the sink of the same name and type (S3 keys
    /// and session token, a webhook's signing secret): what a reload applies live. Every other
    /// setting stays as it runs.
    package func takingCredentials(from file: SyncConfiguration) -> SyncConfiguration {
        var updated = self
        updated.sinks = sinks.map { sink in
            guard let new = file.sinks.first(where: { $0.name == sink.name }) else { return sink }
            var sink = sink
            switch (sink.kind, new.kind) {
            case (.s3(var settings), .s3(let newSettings)):
                settings.accessKeyID = newSettings.accessKeyID
                settings.secretAccessKey = newSettings.secretAccessKey
                settings.sessionToken = newSettings.sessionToken
                sink.kind = .s3(settings)
            case (.webhook(var settings), .webhook(let newSettings)):
                settings.secret = newSettings.secret
                sink.kind = .webhook(settings)
            default:
                break
            }
            return sink
        }
        return updated
    }

    /// The sinks with their credentials blanked: what must not differ for a reload to need no restart.
    package var withoutCredentials: SyncConfiguration {
        var blank = self
        blank.sinks = sinks.map { sink in
            var sink = sink
            switch sink.kind {
            case .s3(var settings):
                settings.accessKeyID = ""
                settings.secretAccessKey = ""
                settings.sessionToken = nil
                sink.kind = .s3(settings)
            case .webhook(var settings):
                settings.secret = []
                sink.kind = .webhook(settings)
            case .directory:
                break
            }
            return sink
        }
        return blank
    }
}

/// One downstream sink.
package struct SinkConfiguration: Sendable, Equatable {
    /// Its name in `sync.sinks`: letters, digits, `-` and `_`.
    package var name: String
    /// Deliveries in flight at once for this sink. Default 4.
    package var concurrency: Int = 4
    /// The kind of sink and its settings.
    package var kind: Kind

    package enum Kind: Sendable, Equatable {
        case directory(DirectorySinkSettings)
        case s3(S3SinkSettings)
        case webhook(WebhookSinkSettings)

        /// `directory`, `s3` or `webhook`.
        package var typeName: String {
            switch self {
            case .directory: "directory"
            case .s3: "s3"
            case .webhook: "webhook"
            }
        }

        /// The events this kind receives: storage sinks only want images, the webhook everything.
        package var events: Set<DownstreamEventType> {
            switch self {
            case .directory, .s3: [.imageStored]
            case .webhook: Set(DownstreamEventType.allCases)
            }
        }
    }

    package init(name: String, concurrency: Int = 4, kind: Kind) {
        self.name = name
        self.concurrency = concurrency
        self.kind = kind
    }

    /// The S3 settings of an `s3` sink; nil for other kinds.
    package var s3Settings: S3SinkSettings? {
        if case .s3(let settings) = kind { settings } else { nil }
    }

    /// The settings of a `webhook` sink; nil for other kinds.
    package var webhookSettings: WebhookSinkSettings? {
        if case .webhook(let settings) = kind { settings } else { nil }
    }

    /// Where an image with these values is (or will be) delivered, as a person would write it:
    /// the file's path, `s3://bucket/key`, or the webhook's URL.
    package func location(of image: ObjectKeyTemplate.Values) -> String {
        switch kind {
        case .directory(let settings): settings.target(for: image)
        case .s3(let settings): "s3://\(settings.bucket)/\(settings.key(for: image))"
        case .webhook(let settings): settings.url
        }
    }
}

/// `type: directory`: a mirror of the images in a local (or mounted) directory tree.
package struct DirectorySinkSettings: Sendable, Equatable {
    /// The root directory (created when missing). Required.
    package var path: String
    /// Where each image goes below `path`. Default `{yyyy}/{mm}/{dd}/{taskUUID}/{imageUUID}.{ext}`.
    package var keyTemplate: ObjectKeyTemplate

    package init(path: String, keyTemplate: ObjectKeyTemplate) {
        self.path = path
        self.keyTemplate = keyTemplate
    }

    /// The absolute path an image goes to (a trailing `/` of `path` does not double).
    package func target(for image: ObjectKeyTemplate.Values) -> String {
        var root = path
        while root.count > 1 && root.hasSuffix("/") { root.removeLast() }
        return root + "/" + keyTemplate.render(image)
    }
}

/// `type: s3`: any S3-compatible object store, requests signed with AWS Signature V4.
package struct S3SinkSettings: Sendable, Equatable {
    /// The service URL, e.g. `https://s3.eu-central-1.amazonaws.com` or `http://127.0.0.1:9000`. Required.
    package var endpoint: String
    /// The signing region. Default `us-east-1`.
    package var region: String
    /// The bucket. Required.
    package var bucket: String
    /// Prepended to every key, e.g. `kontext/`. Default empty.
    package var prefix: String
    /// Where each image goes below the prefix. Default as for directories.
    package var keyTemplate: ObjectKeyTemplate
    /// `https://endpoint/bucket/key` (true) or `https://bucket.endpoint/key` (false). Default false.
    package var pathStyle: Bool
    /// The credentials.
    package var accessKeyID: String
    package var secretAccessKey: String
    /// A temporary credential's session token (`AWS_SESSION_TOKEN`), when there is one.
    package var sessionToken: String?
    /// Whole-request timeout in seconds. Default 120.
    package var timeout: Double = 120

    package init(
        endpoint: String, region: String, bucket: String, prefix: String, keyTemplate: ObjectKeyTemplate, pathStyle: Bool,
        accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil
    ) {
        self.endpoint = endpoint
        self.region = region
        self.bucket = bucket
        self.prefix = prefix
        self.keyTemplate = keyTemplate
        self.pathStyle = pathStyle
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
    }

    /// The object key of an image: the prefix, then the rendered template.
    package func key(for image: ObjectKeyTemplate.Values) -> String {
        prefix + keyTemplate.render(image)
    }
}

/// `type: webhook`: a signed POST (Standard Webhooks) per event to a URL.
package struct WebhookSinkSettings: Sendable, Equatable {
    /// The receiver's URL. Required.
    package var url: String
    /// The signing key: the bytes behind `whsec_<base64>`.
    package var secret: [UInt8]
    /// Whole-request timeout in seconds. Default 30.
    package var timeout: Double = 30

    package init(url: String, secret: [UInt8], timeout: Double = 30) {
        self.url = url
        self.secret = secret
        self.timeout = timeout
    }
}
