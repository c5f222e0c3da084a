import ArgumentParser
import Foundation
import Logging
import RunwareSimulator

/// `runware-sim`: runs the Runware simulator as a process until SIGINT or SIGTERM.
///
/// Once listening it writes `runware-sim listening on http://HOST:PORT` as one line on stderr,
/// so a parent process can read the bound port (use `--port 0` for a free one).
@main
struct RunwareSimCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runware-sim",
        abstract: "A local Runware REST API simulator for FLUX.1 Kontext [dev] imageInference tasks.",
        discussion: """
            Prompt markers: [sim:reject] refuses the task, [sim:fail] fails its generation, \
            [sim:corrupt] serves damaged image bytes. Fault rates (0...1, drawn from --fault-seed): \
            --drop-webhooks, --duplicate-webhooks, --delay-webhooks, --webhook-before-ack, \
            --corrupt-downloads, --truncate-downloads, --stall-downloads, --expire-urls, \
            --submit-errors, --submit-timeouts, --submit-drops. State for tests (fault counts and \
            webhook outcomes included): GET /sim/state.
            """)

    @Option(help: "Address to bind.")
    var host = "127.0.0.1"

    @Option(help: "Port to bind; 0 picks a free one.")
    var port = 0

    @Option(name: .customLong("api-key"), help: "The API key clients must present.")
    var apiKey = "sim-api-key"

    @Option(help: "Seconds from accepting a task to its first result.")
    var delay = 0.2

    @Option(name: .customLong("webhook-variant"), help: "Webhook body shape: bare or wrapped ({\"data\":[result]}).")
    var webhookVariant: WebhookVariantArgument = .bare

    @Option(name: .customLong("public-base-url"), help: "Base of image URLs (default: the bound address).")
    var publicBaseURL: String?

    @Option(name: .customLong("max-webhook-attempts"), help: "Webhook attempts per result, the first included.")
    var maxWebhookAttempts = 10

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel = "info"

    @Option(name: .customLong("fault-seed"), help: "Seed of every fault choice; the same seed repeats the same faults.")
    var faultSeed: UInt64 = 1

    @Option(name: .customLong("drop-webhooks"), help: "Rate of results whose webhooks are never sent.")
    var dropWebhooks = 0.0

    @Option(name: .customLong("duplicate-webhooks"), help: "Rate of results whose webhook is delivered 2-3 times.")
    var duplicateWebhooks = 0.0

    @Option(name: .customLong("delay-webhooks"), help: "Rate of results whose webhook is delayed (reordering deliveries).")
    var delayWebhooks = 0.0

    @Option(name: .customLong("max-webhook-delay"), help: "Longest delay of a delayed webhook, in seconds.")
    var maxWebhookDelay = 2.0

    @Option(name: .customLong("webhook-before-ack"), help: "Rate of tasks whose webhook is answered before the POST /v1 response.")
    var webhookBeforeAck = 0.0

    @Option(name: .customLong("corrupt-downloads"), help: "Rate of download attempts served with damaged bytes.")
    var corruptDownloads = 0.0

    @Option(name: .customLong("truncate-downloads"), help: "Rate of download attempts cut short.")
    var truncateDownloads = 0.0

    @Option(name: .customLong("stall-downloads"), help: "Rate of download attempts that stall, then close.")
    var stallDownloads = 0.0

    @Option(name: .customLong("stall-seconds"), help: "How long a stalled download stalls.")
    var stallSeconds = 30.0

    @Option(name: .customLong("expire-urls"), help: "Rate of results whose image URL is expired from the start.")
    var expireURLs = 0.0

    @Option(name: .customLong("url-lifetime"), help: "Seconds after which every image URL answers 404 (default: never).")
    var urlLifetime: Double?

    @Option(name: .customLong("submit-errors"), help: "Rate of submissions refused with 429, 503 or 504.")
    var submitErrors = 0.0

    @Option(name: .customLong("submit-timeouts"), help: "Rate of submissions accepted but answered only after --submit-hang-seconds.")
    var submitTimeouts = 0.0

    @Option(name: .customLong("submit-hang-seconds"), help: "How long a timed-out submission's answer is held.")
    var submitHangSeconds = 40.0

    @Option(name: .customLong("submit-drops"), help: "Rate of submissions accepted, then closed without a response.")
    var submitDrops = 0.0

    /// The fault plan the options describe.
    var faultPlan: FaultPlan {
        FaultPlan(
            seed: faultSeed, dropWebhookRate: dropWebhooks, duplicateWebhookRate: duplicateWebhooks,
            delayWebhookRate: delayWebhooks, maxWebhookDelay: maxWebhookDelay, webhookBeforeAckRate: webhookBeforeAck,
            corruptDownloadRate: corruptDownloads, truncateDownloadRate: truncateDownloads,
            stallDownloadRate: stallDownloads, stallSeconds: stallSeconds, expireImageURLRate: expireURLs,
            imageURLLifetime: urlLifetime, submitErrorRate: submitErrors, submitTimeoutRate: submitTimeouts,
            submitHangSeconds: submitHangSeconds, submitDropAfterAcceptRate: submitDrops)
    }

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0...65535, got \(port)") }
        guard delay >= 0 else { throw ValidationError("--delay must be ≥ 0, got \(delay)") }
        let rates: [(String, Double)] = [
            ("--drop-webhooks", dropWebhooks), ("--duplicate-webhooks", duplicateWebhooks),
            ("--delay-webhooks", delayWebhooks), ("--webhook-before-ack", webhookBeforeAck),
            ("--corrupt-downloads", corruptDownloads), ("--truncate-downloads", truncateDownloads),
            ("--stall-downloads", stallDownloads), ("--expire-urls", expireURLs), ("--submit-errors", submitErrors),
            ("--submit-timeouts", submitTimeouts), ("--submit-drops", submitDrops),
        ]
        for (flag, rate) in rates where !(0...1).contains(rate) {
            throw ValidationError("\(flag) is a rate and must be 0...1, got \(rate)")
        }
        let durations: [(String, Double)] = [
            ("--max-webhook-delay", maxWebhookDelay), ("--stall-seconds", stallSeconds),
            ("--submit-hang-seconds", submitHangSeconds),
        ]
        for (flag, seconds) in durations where !(seconds >= 0) {
            throw ValidationError("\(flag) must be ≥ 0 seconds, got \(seconds)")
        }
        if let urlLifetime, !(urlLifetime > 0) {
            throw ValidationError("--url-lifetime must be > 0 seconds, got \(urlLifetime)")
        }
        guard maxWebhookAttempts >= 1 else { throw ValidationError("--max-webhook-attempts must be ≥ 1") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("unknown --log-level \(logLevel)") }
    }

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "runware-sim")
        var configuration = SimulatorConfiguration(
            host: host, port: port, apiKey: apiKey, generationDelay: delay,
            webhookBodyVariant: webhookVariant.variant, publicBaseURL: publicBaseURL, faults: faultPlan)
        configuration.maxWebhookAttempts = maxWebhookAttempts
        let simulator = RunwareSimulator(configuration: configuration, logger: logger)
        let termination = TerminationSignal()
        _ = try await simulator.start()
        FileHandle.standardError.write(Data("runware-sim listening on \(simulator.baseURL)\n".utf8))
        let signal = await termination.wait()
        logger.info("stopping", metadata: ["signal": "\(signal)"])
        await simulator.stop()
    }
}

/// The `--webhook-variant` values.
enum WebhookVariantArgument: String, ExpressibleByArgument, CaseIterable {
    case bare
    case wrapped

    var variant: WebhookBodyVariant {
        switch self {
        case .bare: return .bare
        case .wrapped: return .wrapped
        }
    }
}
