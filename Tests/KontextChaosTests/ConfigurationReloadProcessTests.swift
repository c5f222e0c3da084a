import Foundation
import KontextCore
import KontextNet
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The real binary: `config check` and SIGHUP reloads of a running `serve`.
@Suite(.serialized) struct ConfigurationReloadProcessTests {
    func write(_ text: String, to path: String) throws {
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    @Test func configCheckNamesTheTypoAndItsNearestKeyOrSaysOK() async throws {
        let directory = NSTemporaryDirectory() + "kontextd-check-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let binary = try DaemonProcess.binaryPath()
        let typo = directory + "/typo.yaml", good = directory + "/good.yaml", log = directory + "/out.log"
        try write("webhok:\n  port: 9000\n", to: typo)
        try write("admin:\n  port: 9001\nbudget:\n  dailyUSD: 5\n", to: good)

        let refused = try await ChildProcess.run([binary, "config", "check", "--without-secrets", typo], logPath: log)
        #expect(refused == .exited(1))
        let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        #expect(output.contains("unknown key webhok.port (did you mean webhook.port?)"), "\(output)")

        let accepted = try await ChildProcess.run([binary, "config", "check", "--without-secrets", good], logPath: log)
        #expect(accepted == .exited(0), "\((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
    }

    @Test func sighupAppliesLiveKeysAndRefusesABadFileKeepingTheOld() async throws {
        let daemon = try DaemonProcess(runwareURL: "http://127.0.0.1:9/v1", apiKey: "unused")
        let file = daemon.directory + "/kontextd.yaml"
        try write("budget:\n  dailyUSD: 1\n", to: file)
        try await daemon.start(arguments: ["--config", file])
        defer { Task { await daemon.discard() } }
        let pid = try #require(daemon.pid)

        func dailyLimit() async throws -> Double? {
            try await daemon.admin("GET", "/healthz").body["spend"]?["dailyLimitUSD"]?.doubleValue
        }
        #expect(try await dailyLimit() == 1)

        try write("budget:\n  dailyUSD: 2\nadmin:\n  allowedHosts: [kontextd.test]\n", to: file)
        kill(pid, SIGHUP)
        let deadline = Date().addingTimeInterval(30)
        while try await dailyLimit() != 2, Date() < deadline { try await Task.sleep(for: .milliseconds(50)) }
        #expect(try await dailyLimit() == 2, "\(daemon.logTail())")
        // admin.allowedHosts applied too: a request naming the new host is served.
        let named = try await daemon.client.execute(
            HTTPClientRequest(method: "GET", url: daemon.adminURL + "/healthz", headers: [HTTPHeader(name: "Host", value: "kontextd.test")]))
        #expect(named.status != 421)

        try write("budget:\n  daily: 3\n", to: file)
        kill(pid, SIGHUP)
        let refusedBy = Date().addingTimeInterval(30)
        while !daemon.logText().contains("configuration reload refused"), Date() < refusedBy {
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(daemon.logText().contains("budget.daily (did you mean budget.dailyUSD?)"), "\(daemon.logTail())")
        #expect(try await dailyLimit() == 2)
    }
}
