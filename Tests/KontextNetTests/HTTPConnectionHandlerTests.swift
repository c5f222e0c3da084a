import NIOCore
import NIOEmbedded
import NIOHTTP1
import Testing

@testable import KontextNet

/// The connection handler in the real HTTP pipeline, driven through NIO's async testing channel
/// (the thread-safe EmbeddedChannel, needed because the responder runs in a Task).
@Suite("HTTP connection handler", .timeLimit(.minutes(1)))
struct HTTPConnectionHandlerTests {
    /// A connected testing channel with the server's pipeline and the given responder.
    private func makeChannel(_ responder: any HTTPResponder, maxBodyBytes: Int = 100) async throws -> NIOAsyncTestingChannel {
        let channel = NIOAsyncTestingChannel()
        try await channel.testingEventLoop.executeInContext {
            try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
            try channel.pipeline.syncOperations.addHandler(
                HTTPConnectionHandler(responder: responder, maxBodyBytes: maxBodyBytes, logger: silentLogger))
        }
        try await channel.connect(to: SocketAddress(ipAddress: "192.0.2.7", port: 4242))
        return channel
    }

    private func send(_ text: String, to channel: NIOAsyncTestingChannel) async throws {
        try await channel.writeInbound(ByteBuffer(string: text))
    }

    private func responses(_ count: Int, from channel: NIOAsyncTestingChannel) async throws -> [RawResponse] {
        try await readResponses(count, from: channel)
    }

    @Test func fullRequestReachesResponderWithAllFields() async throws {
        let responder = RecordingResponder()
        let channel = try await makeChannel(responder)
        try await send(
            "POST /webhooks/runware/a%20b?token=x%2By&flag&token=last&q=a+b HTTP/1.1\r\nHost: h\r\nX-Signature: abc\r\n"
                + "Content-Length: 5\r\n\r\nhello", to: channel)
        let response = try #require(try await responses(1, from: channel).first)
        #expect(response.status == 200)
        #expect(response.bodyText == "ok")
        #expect(response.header("content-length") == "2")
        #expect(response.header("x-path") == "/webhooks/runware/a b")
        let request = try #require(responder.requests.first)
        #expect(request.method == "POST")
        #expect(request.uri == "/webhooks/runware/a%20b?token=x%2By&flag&token=last&q=a+b")
        #expect(request.path == "/webhooks/runware/a b")
        #expect(request.query == ["token": "last", "flag": "", "q": "a b"])
        #expect(request.header("x-SIGNATURE") == "abc")
        #expect(request.body == Array("hello".utf8))
        #expect(request.remoteAddress == "192.0.2.7")
        #expect(channel.isActive)
        _ = try await channel.finish(acceptAlreadyClosed: true)
    }

    @Test func oversizeContentLengthGets413WithoutCallingResponder() async throws {
        let responder = RecordingResponder()
        let channel = try await makeChannel(responder, maxBodyBytes: 100)
        try await send("POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: 1000\r\n\r\n", to: channel)
        let response = try #require(try await responses(1, from: channel).first)
        #expect(response.status == 413)
        #expect(response.header("connection") == "close")
        #expect(response.header("content-type") == "application/json")
        #expect(response.bodyText.contains("\"code\":\"payload_too_large\""))
        // The body is still drained so the client can read the 413; the connection closes after it.
        #expect(channel.isActive)
        try await send(String(repeating: "x", count: 1000), to: channel)
        try await channel.closeFuture.get()
        #expect(responder.requests.isEmpty)
    }

    @Test func oversizeChunkedBodyGets413WhileStreaming() async throws {
        let responder = RecordingResponder()
        let channel = try await makeChannel(responder, maxBodyBytes: 100)
        try await send("POST /upload HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n", to: channel)
        try await send("3c\r\n" + String(repeating: "a", count: 60) + "\r\n", to: channel)
        #expect(channel.isActive)
        try await send("3c\r\n" + String(repeating: "b", count: 60) + "\r\n", to: channel)
        let response = try #require(try await responses(1, from: channel).first)
        #expect(response.status == 413)
        try await send("0\r\n\r\n", to: channel)
        try await channel.closeFuture.get()
        #expect(responder.requests.isEmpty)
    }

    @Test func chunkedBodyWithinLimitIsAggregated() async throws {
        let responder = RecordingResponder()
        let channel = try await makeChannel(responder, maxBodyBytes: 100)
        try await send("PUT /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n", to: channel)
        try await send("6\r\n world\r\n0\r\n\r\n", to: channel)
        let response = try #require(try await responses(1, from: channel).first)
        #expect(response.status == 200)
        #expect(responder.requests.map(\.body) == [Array("hello world".utf8)])
        _ = try await channel.finish(acceptAlreadyClosed: true)
    }

    @Test func keepAliveServesTwoRequestsOnOneConnection() async throws {
        let responder = RecordingResponder()
        let channel = try await makeChannel(responder)
        try await send("GET /first HTTP/1.1\r\nHost: h\r\n\r\n", to: channel)
        let first = try await responses(1, from: channel)
        try await send("GET /second HTTP/1.1\r\nHost: h\r\n\r\n", to: channel)
        let second = try await responses(1, from: channel)
        #expect(first.map { $0.header("x-path") } == ["/first"])
        #expect(second.map { $0.header("x-path") } == ["/second"])
        #expect(first[0].header("connection") == nil)
        #expect(channel.isActive)
        #expect(responder.requests.map(\.path) == ["/first", "/second"])
        _ = try await channel.finish(acceptAlreadyClosed: true)
    }

    @Test func pipelinedRequestsAreAnsweredInOrder() async throws {
        // The first request's responder is slower, yet its answer must come first.
        let responder = RecordingResponder { request in
            if request.path == "/slow" { try? await Task.sleep(for: .milliseconds(100)) }
            return HTTPResponse(status: 200, body: Array(request.path.utf8))
        }
        let channel = try await makeChannel(responder)
        try await send("GET /slow HTTP/1.1\r\nHost: h\r\n\r\nGET /fast HTTP/1.1\r\nHost: h\r\n\r\n", to: channel)
        let answers = try await responses(2, from: channel)
        #expect(answers.map(\.bodyText) == ["/slow", "/fast"])
        _ = try await channel.finish(acceptAlreadyClosed: true)
    }

    @Test func connectionCloseRequestClosesAfterResponse() async throws {
        let channel = try await makeChannel(RecordingResponder())
        try await send("GET /bye HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n", to: channel)
        let response = try #require(try await responses(1, from: channel).first)
        #expect(response.header("connection") == "close")
        try await channel.closeFuture.get()
    }

    @Test func headRequestGetsLengthButNoBody() async throws {
        let responder = RecordingResponder { _ in HTTPResponse(status: 200, body: Array("twelve bytes".utf8)) }
        let channel = try await makeChannel(responder)
        try await send("HEAD /h HTTP/1.1\r\nHost: h\r\n\r\nGET /g HTTP/1.1\r\nHost: h\r\n\r\n", to: channel)
        // Parsing by Content-Length would misframe the HEAD response, so read raw text instead.
        var text = ""
        while !text.contains("twelve bytes") {
            if case .byteBuffer(let buffer) = try await channel.waitForOutboundWrite(as: IOData.self) {
                text += String(buffer: buffer)
            }
        }
        #expect(text.split(separator: "Content-Length: 12", omittingEmptySubsequences: false).count == 3)
        #expect(text.split(separator: "twelve bytes", omittingEmptySubsequences: false).count == 2)
        _ = try await channel.finish(acceptAlreadyClosed: true)
    }

    @Test func malformedRequestGets400AndClose() async throws {
        let responder = RecordingResponder()
        let channel = try await makeChannel(responder)
        try await send("NOT HTTP AT ALL\r\n\r\n", to: channel)
        let response = try #require(try await responses(1, from: channel).first)
        #expect(response.status == 400)
        try await channel.closeFuture.get()
        #expect(responder.requests.isEmpty)
    }

    @Test func expectContinueGetsInterimResponseBeforeBody() async throws {
        let responder = RecordingResponder()
        let channel = try await makeChannel(responder)
        try await send("POST /p HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n", to: channel)
        guard case .byteBuffer(let interim) = try await channel.waitForOutboundWrite(as: IOData.self) else {
            Issue.record("the interim response was not a byte buffer")
            return
        }
        #expect(String(buffer: interim).hasPrefix("HTTP/1.1 100 Continue\r\n"))
        try await send("abc", to: channel)
        let response = try #require(try await responses(1, from: channel).first)
        #expect(response.status == 200)
        #expect(responder.requests.map(\.body) == [Array("abc".utf8)])
        _ = try await channel.finish(acceptAlreadyClosed: true)
    }
}
