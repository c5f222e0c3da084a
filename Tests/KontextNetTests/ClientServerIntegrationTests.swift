import Glibc
import Testing

@testable import KontextNet

/// A real `HTTPServer` on 127.0.0.1 (ephemeral port) exercised through `CurlHTTPClient`.
@Suite("Client and server over loopback", .timeLimit(.minutes(1)))
struct ClientServerIntegrationTests {
    private static func router() -> Router {
        var router = Router()
        router.add("GET", "/echo/:name") { request, parameters in
            let body = "name=\(parameters["name"] ?? "") q=\(request.query["q"] ?? "") h=\(request.header("x-test") ?? "")"
            return HTTPResponse(status: 200, headers: [HTTPHeader("X-Reply", "yes")], body: Array(body.utf8))
        }
        router.add("POST", "/echo") { request, _ in
            .json(status: 201, body: request.body, extraHeaders: [HTTPHeader("X-Length", "\(request.body.count)")])
        }
        router.add("PUT", "/echo") { request, _ in
            HTTPResponse(status: 200, body: Array("\(request.method) \(request.body.count)".utf8))
        }
        router.add("GET", "/slow") { _, _ in
            try? await Task.sleep(for: .seconds(2))
            return HTTPResponse(status: 200)
        }
        router.add("GET", "/big") { _, _ in HTTPResponse(status: 200, body: [UInt8](repeating: 7, count: 100_000)) }
        router.add("GET", "/n/:n") { _, parameters in HTTPResponse(status: 200, body: Array((parameters["n"] ?? "").utf8)) }
        return router
    }

    /// Runs `body` with a started server and a client, and tears both down afterwards.
    private func withServerAndClient(
        _ body: (_ baseURL: String, _ client: CurlHTTPClient) async throws -> Void
    ) async throws {
        let server = HTTPServer(configuration: HTTPServerConfiguration(), responder: Self.router(), logger: silentLogger)
        let port = try await server.start()
        #expect(server.port == port)
        let client = CurlHTTPClient(configuration: .init(threads: 4))
        do {
            try await body("http://127.0.0.1:\(port)", client)
        } catch {
            await client.shutdown()
            await server.stop()
            throw error
        }
        await client.shutdown()
        await server.stop()
        #expect(server.port == nil)
    }

    @Test func getAndPostRoundTrip() async throws {
        try await withServerAndClient { base, client in
            let get = try await client.execute(HTTPClientRequest(
                url: base + "/echo/ab%20c?q=x%26y", headers: [HTTPHeader("X-Test", "hello")]))
            #expect(get.status == 200)
            #expect(String(decoding: get.body, as: UTF8.self) == "name=ab c q=x&y h=hello")
            #expect(get.header("X-REPLY") == "yes")
            #expect(get.headers.contains(HTTPHeader("x-reply", "yes")))

            let payload = Array("{\"a\":[1,2,\u{0}3]}".utf8)
            let post = try await client.execute(HTTPClientRequest(
                method: "POST", url: base + "/echo", headers: [("Content-Type", "application/json")], body: payload))
            #expect(post.status == 201)
            #expect(post.body == payload)
            #expect(post.header("content-type") == "application/json")
            #expect(post.header("x-length") == "\(payload.count)")

            let put = try await client.execute(HTTPClientRequest(method: "PUT", url: base + "/echo", body: [1, 2, 3]))
            #expect(String(decoding: put.body, as: UTF8.self) == "PUT 3")
        }
    }

    @Test func routerErrorsArriveAsJSON() async throws {
        try await withServerAndClient { base, client in
            let missing = try await client.execute(HTTPClientRequest(url: base + "/nope"))
            #expect(missing.status == 404)
            #expect(missing.header("content-type") == "application/json")
            #expect(String(decoding: missing.body, as: UTF8.self).contains("\"code\":\"not_found\""))
            let wrongMethod = try await client.execute(HTTPClientRequest(method: "DELETE", url: base + "/echo"))
            #expect(wrongMethod.status == 405)
            #expect(wrongMethod.header("allow") == "POST, PUT")
        }
    }

    @Test func twoMebibyteBodyGets413() async throws {
        try await withServerAndClient { base, client in
            let response = try await client.execute(HTTPClientRequest(
                method: "POST", url: base + "/echo", body: [UInt8](repeating: 1, count: 2 << 20)))
            #expect(response.status == 413)
            #expect(String(decoding: response.body, as: UTF8.self).contains("payload_too_large"))
            // The server still answers new connections afterwards.
            let after = try await client.execute(HTTPClientRequest(url: base + "/n/1"))
            #expect(after.body == Array("1".utf8))
        }
    }

    @Test func slowResponderTimesOut() async throws {
        try await withServerAndClient { base, client in
            do throws(HTTPClientError) {
                _ = try await client.execute(HTTPClientRequest(url: base + "/slow", timeout: 0.3))
                Issue.record("a 2 s responder answered within a 0.3 s timeout")
            } catch {
                #expect(error.kind == .timeout)
                #expect(error.outcomeUnknown)
                #expect(error.message.contains("CURLE_OPERATION_TIMEDOUT"))
                #expect(error.url == base + "/slow")
            }
        }
    }

    @Test func oversizeResponseIsRefused() async throws {
        try await withServerAndClient { base, client in
            var request = HTTPClientRequest(url: base + "/big")
            request.maxResponseBytes = 1000
            do throws(HTTPClientError) {
                _ = try await client.execute(request)
                Issue.record("a 100 kB response passed a 1000-byte cap")
            } catch {
                #expect(error.kind == .responseTooLarge)
            }
            request.maxResponseBytes = 100_000
            let exact = try await client.execute(request)
            #expect(exact.body.count == 100_000)
        }
    }

    @Test func refusedConnectionIsConnectionFailed() async throws {
        // A bound socket that never listens holds the port, so nothing else can take it meanwhile
        // and every connection attempt is refused.
        let reserved = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(reserved) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(reserved, $0, length) == 0 && getsockname(reserved, $0, &length) == 0 }
        }
        try #require(bound)
        let port = Int(UInt16(bigEndian: address.sin_port))
        let client = CurlHTTPClient(configuration: .init(threads: 1))
        defer { client.close() }
        do {
            _ = try await client.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/", timeout: 5))
            Issue.record("a stopped server accepted a connection")
        } catch {
            #expect(error.kind == .connectionFailed)
            #expect(!error.outcomeUnknown)
        }
    }

    @Test func manyConcurrentRequestsAllSucceed() async throws {
        try await withServerAndClient { base, client in
            let bodies = try await withThrowingTaskGroup(of: (Int, String).self) { group in
                for n in 0..<200 {
                    group.addTask {
                        let response = try await client.execute(HTTPClientRequest(url: base + "/n/\(n)"))
                        return (n, String(decoding: response.body, as: UTF8.self))
                    }
                }
                var bodies: [Int: String] = [:]
                for try await (n, body) in group { bodies[n] = body }
                return bodies
            }
            #expect(bodies.count == 200)
            #expect(bodies.allSatisfy { $0.value == String($0.key) })
        }
    }
}

@Suite("Server lifecycle and client cancellation", .timeLimit(.minutes(1)))
struct LifecycleTests {
    @Test func stopLetsInFlightResponseFinish() async throws {
        let (started, startedContinuation) = AsyncStream.makeStream(of: Void.self)
        let responder = RecordingResponder { _ in
            startedContinuation.yield()
            try? await Task.sleep(for: .milliseconds(300))
            return HTTPResponse(status: 200, body: Array("finished".utf8))
        }
        let server = HTTPServer(configuration: HTTPServerConfiguration(), responder: responder, logger: silentLogger)
        let port = try await server.start()
        let client = CurlHTTPClient(configuration: .init(threads: 1))
        defer { client.close() }
        async let response = client.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/x"))
        for await _ in started { break }
        await server.stop()
        let finished = try await response
        #expect(finished.status == 200)
        #expect(finished.body == Array("finished".utf8))
        await #expect(throws: HTTPServerError.self) { _ = try await server.start() }
    }

    @Test func cancellingTheTaskAbortsTheTransfer() async throws {
        let (started, startedContinuation) = AsyncStream.makeStream(of: Void.self)
        let responder = RecordingResponder { _ in
            startedContinuation.yield()
            try? await Task.sleep(for: .seconds(3))
            return HTTPResponse(status: 200)
        }
        let server = HTTPServer(configuration: HTTPServerConfiguration(), responder: responder, logger: silentLogger)
        let port = try await server.start()
        let client = CurlHTTPClient(configuration: .init(threads: 1))
        let task = Task { () async -> Result<HTTPClientResponse, HTTPClientError> in
            do throws(HTTPClientError) {
                return .success(try await client.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/x", timeout: 20)))
            } catch {
                return .failure(error)
            }
        }
        for await _ in started { break }
        task.cancel()
        let result = await task.value
        await client.shutdown()
        await server.stop()
        guard case .failure(let error) = result else {
            Issue.record("a cancelled request returned a response")
            return
        }
        #expect(error.kind == .other)
        #expect(error.outcomeUnknown)
        #expect(error.message.contains("cancelled"))
    }
}

@Suite("Curl client without a server", .timeLimit(.minutes(1)))
struct CurlHTTPClientTests {
    @Test func unsupportedSchemeIsInvalidURL() async {
        let client = CurlHTTPClient(configuration: .init(threads: 1))
        defer { client.close() }
        for url in ["ftp://127.0.0.1/file", "http://[::1"] {
            do {
                _ = try await client.execute(HTTPClientRequest(url: url))
                Issue.record("\(url) was accepted")
            } catch {
                #expect(error.kind == .invalidURL, "\(url): \(error)")
                #expect(!error.outcomeUnknown)
            }
        }
    }

    @Test func executeAfterShutdownThrows() async {
        let client = CurlHTTPClient(configuration: .init(threads: 2))
        await client.shutdown()
        await client.shutdown()  // A second call is harmless.
        do {
            _ = try await client.execute(HTTPClientRequest(url: "http://127.0.0.1:9/"))
            Issue.record("a shut-down client ran a request")
        } catch {
            #expect(error.kind == .other)
            #expect(error.message.contains("shut down"))
        }
    }

    @Test func sinkCapsStreamedBodyAndKeepsLastResponseHeaders() {
        let sink = CurlResponseSink(maxBytes: 10, cancellation: CancellationFlag())
        let lines = ["HTTP/1.1 100 Continue\r\n", "\r\n", "HTTP/1.1 200 OK\r\n", "X-Thing:  v a l \r\n", "\r\n"]
        for line in lines {
            #expect(Array(line.utf8).withUnsafeBytes { sink.receiveHeaderLine($0) })
        }
        #expect(sink.headers == [HTTPHeader("x-thing", "v a l")])
        #expect([UInt8](repeating: 1, count: 6).withUnsafeBytes { sink.receiveBody($0) })
        #expect(![UInt8](repeating: 1, count: 5).withUnsafeBytes { sink.receiveBody($0) })
        #expect(sink.exceededLimit)
        #expect(sink.body.count == 6)
        let announced = CurlResponseSink(maxBytes: 10, cancellation: CancellationFlag())
        #expect(!Array("Content-Length: 11\r\n".utf8).withUnsafeBytes { announced.receiveHeaderLine($0) })
        #expect(announced.exceededLimit)
    }

    @Test func errorDescriptionNamesKindURLAndUncertainty() {
        let error = HTTPClientError(kind: .timeout, url: "http://x/y", message: "slow [CURLE_OPERATION_TIMEDOUT]", outcomeUnknown: true)
        #expect(error.description == "timeout for http://x/y: slow [CURLE_OPERATION_TIMEDOUT] (request may have reached the server)")
    }
}
