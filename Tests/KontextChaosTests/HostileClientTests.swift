import Foundation
import KontextCore
import KontextCrypto
import KontextDaemon
import KontextNet
import RunwareSimulator
import Synchronization
import Testing

extension NeverLoseAResultTests {
    /// The attacks of issue 9 against the real `kontextd` binary on loopback. Each test asserts the
    /// status the attacker gets, that the daemon stays alive and keeps acknowledging legitimate
    /// webhooks meanwhile, and that nothing is stored that should not be. Nested in the serialized
    /// suite: each runs a daemon process and many connections.
    @Suite("Hostile clients")
    struct HostileClients {
        /// A simulator that never generates on its own (the test plays Runware's webhooks) and a
        /// daemon talking to it, started with `settings`.
        private func start(
            settings: [String: String] = [:], logLevel: String = "info"
        ) async throws -> (RunwareSimulator, DaemonProcess) {
            let simulator = try await NeverLoseAResultTests.startSimulator { $0.generationDelay = 600 }
            var all = ["KONTEXTD_RECONCILE_OVERDUE_AFTER": "600"]
            for (key, value) in settings { all[key] = value }
            let daemon = try DaemonProcess(
                runwareURL: simulator.endpointURL, apiKey: simulator.configuration.apiKey, settings: all)
            do {
                try await daemon.start(logLevel: logLevel)
            } catch {
                await daemon.discard()
                await simulator.stop()
                throw error
            }
            return (simulator, daemon)
        }

        /// `count` queued tasks of one result each, inline JPEG output.
        private func queueTasks(_ count: Int, on daemon: DaemonProcess, seed: UInt64) async throws -> [String] {
            var random = SplitMix64(seed: seed)
            var uuids: [String] = []
            for index in 0..<count {
                let spec = TaskSpec(
                    taskUUID: TaskSpec.uuid(using: &random), design: .normal, numberResults: 1, format: .jpg,
                    outputType: .base64Data, size: ImageSize(width: 1024, height: 1024), seed: UInt64(index))
                let (status, body) = try await daemon.admin("POST", "/v1/tasks", json: spec.json)
                #expect(status == 202, "\(body)")
                uuids.append(spec.taskUUID)
            }
            return uuids
        }

        /// Delivers one legitimate result to each task, as Runware would; returns the statuses.
        private func deliverLegitimately(_ taskUUIDs: [String], on daemon: DaemonProcess) async throws -> [Int] {
            let picture = try ImageSynthesizer.render(format: .jpg, size: ImageSize(width: 1024, height: 1024), seed: 5)
            var statuses: [Int] = []
            for taskUUID in taskUUIDs {
                let body = NeverLoseAResultTests.inlineResult(
                    taskUUID: taskUUID, imageUUID: Self.imageUUID(for: taskUUID), bytes: picture, seed: 1)
                statuses.append(try await daemon.deliverWebhook(taskUUID, body: body, timeout: 30).status)
            }
            return statuses
        }

        /// The imageUUID the legitimate delivery for `taskUUID` carries.
        private static func imageUUID(for taskUUID: String) -> String {
            "1a" + taskUUID.dropFirst(2)
        }

        private func isAlive(_ daemon: DaemonProcess) async -> Bool {
            (try? await daemon.admin("GET", "/healthz", timeout: 10)) != nil
        }

        @Test("40 connections each sending 30 MB with a wrong token: 401 on the head, bodies never buffered, RSS bounded, legitimate webhooks acked")
        func wrongTokenBodiesAreRefusedBeforeBuffering() async throws {
            let (simulator, daemon) = try await start()
            do {
                let victims = try await queueTasks(40, on: daemon, seed: 0x401)
                let legitimate = try await queueTasks(20, on: daemon, seed: 0x200)
                let baseline = try #require(daemon.residentBytes())
                let port = daemon.webhookPort
                let bodyBytes = 30 * 1024 * 1024
                // Each body opens as a well-formed result, so storing it would show.
                let resultPrefix = Array(#"{"taskType":"imageInference","imageUUID":"99999999-9999-4999-8999-999999999999","imageBase64Data":""#.utf8)
                let attack = Task {
                    await withTaskGroup(of: (Int?, Int).self) { group in
                        for victim in victims {
                            group.addTask {
                                await RawConnection.offPool {
                                    guard let connection = try? RawConnection(port: port) else { return (nil, 0) }
                                    connection.send(
                                        "POST /webhooks/runware/\(victim)?token=\(String(repeating: "0", count: 64)) HTTP/1.1\r\n"
                                            + "Host: 127.0.0.1:\(port)\r\nContent-Type: application/json\r\n"
                                            + "Content-Length: \(bodyBytes)\r\n\r\n")
                                    let status = connection.readResponse().status
                                    // Keep pushing the body as an attacker would, until the daemon's close stops us.
                                    var sent = connection.send(resultPrefix)
                                    let chunk = [UInt8](repeating: UInt8(ascii: "A"), count: 256 * 1024)
                                    while sent < bodyBytes {
                                        let accepted = connection.send(chunk)
                                        sent += accepted
                                        if accepted < chunk.count { break }
                                    }
                                    return (status, sent)
                                }
                            }
                        }
                        var outcomes: [(Int?, Int)] = []
                        for await outcome in group { outcomes.append(outcome) }
                        return outcomes
                    }
                }
                let statuses = try await deliverLegitimately(legitimate, on: daemon)
                let outcomes = await attack.value
                let peak = try #require(daemon.residentBytes(), "the daemon died under the attack\n\(daemon.logTail())")

                #expect(statuses.allSatisfy { $0 == 200 }, "legitimate webhooks during the attack: \(statuses)")
                #expect(outcomes.allSatisfy { $0.0 == 401 }, "attack statuses: \(outcomes.map(\.0))")
                // The daemon closed each connection long before its 30 MB were through: what the
                // kernel's socket buffers took is all an attacker gets to send.
                #expect(outcomes.allSatisfy { $0.1 < bodyBytes }, "bytes the daemon let through: \(outcomes.map(\.1))")
                // Before the fix this attack took the daemon from 37 MB to 751 MB.
                #expect(peak - baseline < 100 << 20, "RSS grew from \(baseline >> 20) MiB to \(peak >> 20) MiB")
                #expect(await isAlive(daemon))

                #expect(try await daemon.terminate() == .exited(0))
                let state = try await StoredState.read(stateDirectory: daemon.stateDirectory)
                let expected = Set(legitimate.map(Self.imageUUID(for:)))
                #expect(Set(state.results.keys) == expected, "stored results: \(state.results.keys.sorted())")
                for victim in victims {
                    #expect(state.tasks[victim]?.results.isEmpty == true, "task \(victim) got results")
                }
            } catch {
                Issue.record("\(error)\n\(daemon.logTail())")
            }
            await daemon.discard()
            await simulator.stop()
        }

        @Test("slow heads and more connections than the cap: legitimate webhooks still acked, every slow connection closed")
        func slowHeadsAndConnectionFloodDoNotLockOutRunware() async throws {
            let (simulator, daemon) = try await start(settings: [
                "KONTEXTD_WEBHOOK_MAX_CONNECTIONS": "32", "KONTEXTD_WEBHOOK_HEAD_TIMEOUT": "3",
            ])
            do {
                let legitimate = try await queueTasks(10, on: daemon, seed: 0x5105)
                let port = daemon.webhookPort
                // 80 connections (the cap is 32), each sending most of a head and then nothing.
                let slow = await RawConnection.offPool { () -> [RawConnection] in
                    (0..<80).compactMap { index in
                        guard let connection = try? RawConnection(port: port, timeout: 60) else { return nil }
                        connection.send("POST /webhooks/runware/slow-\(index)?token=x HTTP/1.1\r\nHost: a\r\nX-Slow: ")
                        return connection
                    }
                }
                #expect(slow.count == 80)
                let statuses = try await deliverLegitimately(legitimate, on: daemon)
                #expect(statuses.allSatisfy { $0 == 200 }, "legitimate webhooks during the flood: \(statuses)")
                // Every slow connection ends: evicted to make room, or closed at the head deadline.
                let closed = await withTaskGroup(of: Bool.self) { group in
                    for connection in slow {
                        group.addTask { await RawConnection.offPool { connection.waitForClose() } }
                    }
                    var closed = 0
                    for await ended in group where ended { closed += 1 }
                    return closed
                }
                #expect(closed == slow.count, "\(slow.count - closed) slow connections still open")
                #expect(await isAlive(daemon))
                #expect(try await daemon.terminate() == .exited(0))
                let state = try await StoredState.read(stateDirectory: daemon.stateDirectory)
                #expect(Set(state.results.keys) == Set(legitimate.map(Self.imageUUID(for:))))
            } catch {
                Issue.record("\(error)\n\(daemon.logTail())")
            }
            await daemon.discard()
            await simulator.stop()
        }

        @Test("the admin API refuses what a web page can send: text/plain POST 415, a foreign Host 421; nothing queued")
        func adminAPIRefusesBrowserRequests() async throws {
            let (simulator, daemon) = try await start()
            do {
                let port = daemon.adminPort
                let task = TaskSpec(
                    taskUUID: "0c0ffee0-0000-4000-8000-000000000415", design: .normal, numberResults: 1, format: .jpg,
                    outputType: .url, size: ImageSize(width: 1024, height: 1024), seed: 1)
                let body = String(decoding: JSONCoding.encode(task.json), as: UTF8.self)
                let answers = await RawConnection.offPool { () -> [Int?] in
                    func ask(_ request: String) -> Int? {
                        guard let connection = try? RawConnection(port: port) else { return nil }
                        connection.send(request)
                        return connection.readResponse().status
                    }
                    return [
                        // What an HTML form can post cross-site.
                        ask("POST /v1/tasks HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nContent-Type: text/plain\r\n"
                            + "Content-Length: \(body.utf8.count)\r\n\r\n\(body)"),
                        ask("POST /v1/tasks HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n"
                            + "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"),
                        // A DNS-rebinding page: its own name in Host, reading and writing.
                        ask("GET /v1/tasks HTTP/1.1\r\nHost: evil.example\r\n\r\n"),
                        ask("GET /v1/tasks HTTP/1.1\r\nHost: evil.example:\(port)\r\n\r\n"),
                        ask("POST /v1/tasks HTTP/1.1\r\nHost: evil.example:\(port)\r\nContent-Type: application/json\r\n"
                            + "Content-Length: \(body.utf8.count)\r\n\r\n\(body)"),
                        // The same names with this listener's own: accepted.
                        ask("GET /v1/tasks HTTP/1.1\r\nHost: localhost:\(port)\r\n\r\n"),
                    ]
                }
                #expect(answers == [415, 415, 421, 421, 421, 200], "\(answers)")
                let listing = try await daemon.admin("GET", "/v1/tasks")
                #expect(listing.body["tasks"]?.arrayValue?.isEmpty == true, "queued by a refused request: \(listing.body)")
                #expect(await isAlive(daemon))
            } catch {
                Issue.record("\(error)\n\(daemon.logTail())")
            }
            await daemon.discard()
            await simulator.stop()
        }

        @Test("an admin token, when configured, is required; the CLI sends it; off loopback start-up refuses without one")
        func adminTokenIsRequiredWhenConfigured() async throws {
            let tokenFile = NSTemporaryDirectory() + "kontextd-admin-token-" + UUID().uuidString
            try "tok-\(UUID().uuidString)\n".write(toFile: tokenFile, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(atPath: tokenFile) }
            let token = try String(contentsOfFile: tokenFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            let (simulator, daemon) = try await start(settings: ["KONTEXTD_ADMIN_TOKEN_FILE": tokenFile])
            do {
                let missing = try await daemon.client.execute(HTTPClientRequest(method: "GET", url: daemon.adminURL + "/v1/tasks"))
                #expect(missing.status == 401)
                let wrong = try await daemon.client.execute(HTTPClientRequest(
                    method: "GET", url: daemon.adminURL + "/v1/tasks",
                    headers: [HTTPHeader(name: "Authorization", value: "Bearer \(token)x")]))
                #expect(wrong.status == 401)
                let right = try await daemon.client.execute(HTTPClientRequest(
                    method: "GET", url: daemon.adminURL + "/v1/tasks",
                    headers: [HTTPHeader(name: "Authorization", value: "Bearer \(token)")]))
                #expect(right.status == 200)
                // The CLI: refused without the token file, answered with it.
                let binary = try DaemonProcess.binaryPath()
                let without = try await ChildProcess.run([binary, "tasks", "--admin-url", daemon.adminURL])
                #expect(without != .exited(0))
                let with = try await ChildProcess.run([
                    binary, "tasks", "--admin-url", daemon.adminURL, "--admin-token-file", tokenFile,
                ])
                #expect(with == .exited(0))
            } catch {
                Issue.record("\(error)\n\(daemon.logTail())")
            }
            await daemon.discard()

            // Bound to every address with no token: start-up refuses, naming the key.
            let exposed = try DaemonProcess(
                runwareURL: simulator.endpointURL, apiKey: simulator.configuration.apiKey,
                settings: ["KONTEXTD_ADMIN_HOST": "0.0.0.0"])
            await #expect(throws: (any Error).self) { try await exposed.start(timeout: 30) }
            #expect(exposed.logText().contains("admin.tokenFile"), "\(exposed.logTail())")
            await exposed.discard()
            await simulator.stop()
        }

        @Test("no query string reaches the log at debug level, and client text cannot forge a log line")
        func tokensNeverReachTheLog() async throws {
            let (simulator, daemon) = try await start(
                settings: ["KONTEXTD_WEBHOOK_MAX_BODY_BYTES": "2048"], logLevel: "debug")
            do {
                let tasks = try await queueTasks(1, on: daemon, seed: 0x106)
                let taskUUID = tasks[0]
                let token = WebhookToken(key: Array(daemon.webhookSecret.utf8)).token(for: taskUUID)
                // A good delivery, an oversize one with the right token (the 413 path), a wrong token,
                // a 404 with a query, and a path carrying a newline.
                let small = NeverLoseAResultTests.inlineResult(
                    taskUUID: taskUUID, imageUUID: Self.imageUUID(for: taskUUID), bytes: Array(repeating: 1, count: 16), seed: 1)
                _ = try await daemon.deliverWebhook(taskUUID, body: small)
                let big = try await daemon.client.execute(HTTPClientRequest(
                    method: "POST", url: daemon.webhookURL(taskUUID), body: Array(repeating: UInt8(ascii: "x"), count: 4096)))
                #expect(big.status == 413)
                let wrong = try await daemon.client.execute(HTTPClientRequest(
                    method: "POST", url: "\(daemon.webhookBaseURL)/webhooks/runware/\(taskUUID)?token=secret-looking-value",
                    body: Array("{}".utf8)))
                #expect(wrong.status == 401)
                let elsewhere = try await daemon.client.execute(HTTPClientRequest(
                    method: "GET", url: "\(daemon.webhookBaseURL)/nothing?token=\(token)"))
                #expect(elsewhere.status == 404)
                let forged = try await daemon.client.execute(HTTPClientRequest(
                    method: "POST", url: "\(daemon.webhookBaseURL)/webhooks/runware/x%0Aforged%20line%0D?token=\(token)",
                    body: Array("{}".utf8)))
                #expect(forged.status == 401)
                #expect(await isAlive(daemon))
                #expect(try await daemon.terminate() == .exited(0))

                let log = daemon.logText()
                #expect(log.contains("rejecting oversize request"), "the 413 path did not log")
                #expect(log.contains("answered request"), "debug logging is not on")
                #expect(!log.contains(token), "a webhook token is in the log")
                #expect(!log.contains("token="), "a query string is in the log")
                #expect(!log.contains("secret-looking-value"))
                #expect(!log.split(separator: "\n").contains { $0.hasPrefix("forged line") }, "a client forged a log line")
                #expect(log.contains("x\\nforged line"), "the newline was not escaped where the path was logged")
            } catch {
                Issue.record("\(error)\n\(daemon.logTail())")
            }
            await daemon.discard()
            await simulator.stop()
        }
    }
}
