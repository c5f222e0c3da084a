import Foundation
import KontextCrypto
import KontextDaemon
import KontextStore
import Logging
import Synchronization

/// An in-process kontextd on loopback for one part of the bench: state in a fresh temporary
/// directory, both listeners on ephemeral ports, a random webhook secret, no Runware API key
/// (so the submission worker stays paused and never calls out).
///
/// `start` binds the listeners; `runWorkers` starts the workers (the result ingestor); `stop`
/// shuts everything down as SIGTERM would and deletes the directory.
final class BenchDaemon: Sendable {
    /// The daemon.
    let daemon: Daemon
    /// Its state directory (deleted by `stop`).
    let directory: String
    /// `http://127.0.0.1:<admin port>`.
    let adminURL: String
    /// `http://127.0.0.1:<webhook port>`.
    let webhookURL: String
    private let running = Mutex<Task<Void, any Error>?>(nil)

    /// The store the daemon writes.
    var store: TaskStore { daemon.store }

    /// A fresh temporary state directory for a bench daemon (not created yet).
    static func temporaryDirectory() -> String {
        NSTemporaryDirectory() + "kontextd-bench-" + UUID().uuidString.lowercased()
    }

    /// Builds the daemon over `directory` (created if missing), images allowed from 127.0.0.1,
    /// and binds its listeners. `configure` adjusts the configuration first.
    static func start(
        directory: String = temporaryDirectory(), logger: Logger,
        configure: (inout DaemonConfiguration) -> Void = { _ in }
    ) async throws -> BenchDaemon {
        var configuration = DaemonConfiguration(stateDirectory: directory)
        configuration.webhook = .init(host: "127.0.0.1", port: 0, secret: MessageAuthentication.randomBytes(count: 32))
        configuration.admin = .init(host: "127.0.0.1", port: 0)
        configuration.images.allowedHosts = ["127.0.0.1"]
        // The bench image server is plain http on loopback: both must be allowed explicitly.
        configuration.images.allowHTTP = true
        configuration.images.allowPrivateAddresses = true
        configuration.pollInterval = 0.05
        configure(&configuration)
        let daemon = try Daemon(configuration: configuration, logger: logger)
        let ports = try await daemon.start()
        return BenchDaemon(
            daemon: daemon, directory: directory, adminURL: "http://127.0.0.1:\(ports.admin)",
            webhookURL: "http://127.0.0.1:\(ports.webhook)")
    }

    private init(daemon: Daemon, directory: String, adminURL: String, webhookURL: String) {
        self.daemon = daemon
        self.directory = directory
        self.adminURL = adminURL
        self.webhookURL = webhookURL
    }

    /// The token the daemon puts in `taskUUID`'s webhook URL.
    func webhookToken(for taskUUID: String) -> String {
        WebhookToken(key: daemon.configuration.webhook.secret).token(for: taskUUID)
    }

    /// Starts the daemon's workers (`Daemon.run()`); a second call does nothing.
    func runWorkers() {
        let daemon = self.daemon
        running.withLock { task in
            if task == nil { task = Task { try await daemon.run() } }
        }
    }

    /// Shuts the daemon down (listeners drain, workers stop, store closes) and deletes its directory.
    func stop() async {
        runWorkers()  // run() owns the shutdown path; cancelling it at once just shuts down.
        let task = running.withLock { $0 }
        task?.cancel()
        _ = try? await task?.value
        try? FileManager.default.removeItem(atPath: directory)
    }
}
