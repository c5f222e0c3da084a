import NIOCore
import NIOEmbedded
import NIOHTTP1
import Testing

@testable import KontextNet

/// An inspector that refuses heads whose path starts with /deny (401), caps /small at 10 bytes,
/// and admits everything else.
private struct PathInspector: HTTPHeadInspector {
    func inspect(_ request: HTTPRequest) -> HTTPHeadVerdict {
        if request.path.hasPrefix("/deny") {
            return .refuse(.error(status: 401, code: "invalid_token", message: "no"))
        }
        if request.path.hasPrefix("/small") { return .admit(maxBodyBytes: 10) }
        return .admit(maxBodyBytes: nil)
    }
}

/// The limits that make a listener safe to face the internet: decisions on the head, deadlines
/// (driven by the testing loop's virtual clock, not by waiting), the shared byte budget and the
/// connection cap.
@Suite("HTTP request limits", .timeLimit(.minutes(1)))
struct HTTPRequestLimitsTests {
    private func makeChannel(
        _ responder: any HTTPResponder, inspector: (any HTTPHeadInspector)? = PathInspector(),
        limits: HTTPConnectionHandler.Limits = .init(maxBodyBytes: 1000, headTimeout: 5, requestTimeout: 20, idleTimeout: 30),
        budget: ByteBudget = ByteBudget(limit: .max)
    ) async throws -> NIOAsyncTestingChannel {
        let channel = NIOAsyncTestingChannel()
        try await channel.testingEventLoop.executeInContext {
            try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
            try channel.pipeline.syncOperations.addHandler(HTTPConnectionHandler(
                responder: .plain(responder), inspector: inspector, limits: limits, budget: budget, logger: silentLogger))
        }
        try await channel.connect(to: SocketAddress(ipAddress: "192.0.2.7", port: 4242))
        return channel
    }

    private func send(_ text: String, to channel: NIOAsyncTestingChannel) async throws {
        try await channel.writeInbound(ByteBuffer(string: text))
    }

    private func firstResponse(from channel: NIOAsyncTestingChannel) async throws -> RawResponse {
        try await readResponses(1, from: channel)[0]
    }

    @Test func refusedHeadIsAnsweredBeforeAnyBodyAndNeverReachesTheResponder() async throws {
        let responder = RecordingResponder()
        let channel = try await makeChannel(responder)
        try await send(
            "POST /deny?token=wrong HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 1000000\r\n\r\n",
            to: channel)
        // The refusal is the first thing written: no 100 Continue invites the body.
        let response = try await firstResponse(from: channel)
        #expect(response.status == 401)
        #expect(response.header("connection") == "close")
        #expect(response.bodyText.contains("invalid_token"))
        // Past the small discard allowance the connection is closed, whatever the client still sends.
        #expect(channel.isActive)
        try await send(String(repeating: "x", count: HTTPConnectionHandler.refusalDiscardAllowance + 1), to: channel)
        try await channel.closeFuture.get()
        #expect(responder.requests.isEmpty)
    }

    @Test func refusedHeadWithoutBodyClosesOnceAnswered() async throws {
        let channel = try await makeChannel(RecordingResponder())
        try await send("GET /deny HTTP/1.1\r\nHost: h\r\n\r\n", to: channel)
        #expect(try await firstResponse(from: channel).status == 401)
        try await channel.closeFuture.get()
    }

    @Test func inspectorCapLowersTheBodyLimitAndTheDrainAllowance() async throws {
        let responder = RecordingResponder()
        let channel = try await makeChannel(responder)
        try await send("POST /small HTTP/1.1\r\nHost: h\r\nContent-Length: 10000000\r\n\r\n", to: channel)
        let response = try await firstResponse(from: channel)
        #expect(response.status == 413)
        #expect(response.bodyText.contains("limit of 10 bytes"))
        // Not the 8 MiB courtesy drain: a restricted route closes past the refusal allowance.
        try await send(String(repeating: "x", count: HTTPConnectionHandler.refusalDiscardAllowance + 1), to: channel)
        try await channel.closeFuture.get()
        #expect(responder.requests.isEmpty)
    }

    @Test func admittedRequestsSeeTheBoundPortAndTheirBody() async throws {
        let responder = RecordingResponder()
        let channel = try await makeChannel(responder)
        try await send("POST /small HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\n0123456789", to: channel)
        #expect(try await firstResponse(from: channel).status == 200)
        #expect(responder.requests.map(\.body) == [Array("0123456789".utf8)])
        _ = try await channel.finish(acceptAlreadyClosed: true)
    }

    @Test func connectionWithoutACompleteHeadClosesAtTheHeadDeadline() async throws {
        let channel = try await makeChannel(RecordingResponder())
        // A slowloris client: part of a head, then nothing more.
        try await send("POST /x HTTP/1.1\r\nHost: h\r\nX-Slow: a", to: channel)
        try await channel.testingEventLoop.advanceTime(by: .seconds(4))
        #expect(channel.isActive)
        try await channel.testingEventLoop.advanceTime(by: .seconds(2))
        try await channel.closeFuture.get()
    }

    @Test func bodyNotCompleteByTheRequestDeadlineGets408() async throws {
        let responder = RecordingResponder()
        let channel = try await makeChannel(responder)
        try await send("POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 100\r\n\r\nabc", to: channel)
        try await channel.testingEventLoop.advanceTime(by: .seconds(19))
        #expect(channel.isActive)
        try await send("def", to: channel)  // Progress does not extend the deadline.
        try await channel.testingEventLoop.advanceTime(by: .seconds(2))
        let response = try await firstResponse(from: channel)
        #expect(response.status == 408)
        try await channel.closeFuture.get()
        #expect(responder.requests.isEmpty)
    }

    @Test func keptAliveConnectionClosesWhenIdleButNotWhileTheResponderWorks() async throws {
        let (started, startedContinuation) = AsyncStream.makeStream(of: Void.self)
        let (release, releaseContinuation) = AsyncStream.makeStream(of: Void.self)
        let responder = RecordingResponder { _ in
            startedContinuation.yield()
            for await _ in release { break }
            return HTTPResponse(status: 200)
        }
        let channel = try await makeChannel(responder)
        try await send("GET /wait HTTP/1.1\r\nHost: h\r\n\r\n", to: channel)
        for await _ in started { break }
        // Far past every deadline: the responder's own time is not counted.
        try await channel.testingEventLoop.advanceTime(by: .seconds(120))
        #expect(channel.isActive)
        releaseContinuation.yield()
        #expect(try await firstResponse(from: channel).status == 200)
        try await channel.testingEventLoop.advanceTime(by: .seconds(29))
        #expect(channel.isActive)
        try await channel.testingEventLoop.advanceTime(by: .seconds(2))
        try await channel.closeFuture.get()
    }

    @Test func bodiesPastTheSharedBudgetGet503AndTheBudgetIsReturned() async throws {
        let budget = ByteBudget(limit: 100)
        let responder = RecordingResponder()
        let first = try await makeChannel(responder, budget: budget)
        let second = try await makeChannel(responder, budget: budget)
        try await send("POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 80\r\n\r\n", to: first)
        #expect(budget.inUse == 80)
        try await send("POST /b HTTP/1.1\r\nHost: h\r\nContent-Length: 30\r\n\r\n", to: second)
        let busy = try await firstResponse(from: second)
        #expect(busy.status == 503)
        #expect(busy.header("retry-after") == "1")
        #expect(busy.bodyText.contains("server_busy"))
        try await send(String(repeating: "a", count: 80), to: first)
        #expect(try await firstResponse(from: first).status == 200)
        #expect(budget.inUse == 0)
        // A chunked body reserves chunk by chunk.
        try await send("POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3c\r\n" + String(repeating: "c", count: 60) + "\r\n", to: first)
        #expect(budget.inUse == 60)
        try await send("0\r\n\r\n", to: first)
        #expect(try await firstResponse(from: first).status == 200)
        #expect(budget.inUse == 0)
        #expect(responder.requests.map(\.path) == ["/a", "/c"])
        _ = try await first.finish(acceptAlreadyClosed: true)
    }

    @Test func closingMidBodyReturnsTheReservation() async throws {
        let budget = ByteBudget(limit: 100)
        let channel = try await makeChannel(RecordingResponder(), budget: budget)
        try await send("POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 50\r\n\r\nabc", to: channel)
        #expect(budget.inUse == 50)
        try await channel.close()
        #expect(budget.inUse == 0)
    }

    @Test func atTheCapARefusedOrTheLongestWaitingConnectionMakesRoom() async throws {
        let registry = ConnectionRegistry(maxConnections: 2, minimumWait: .nanoseconds(500))
        let channels = (0..<6).map { _ in EmbeddedChannel() }
        for channel in channels {
            try await channel.connect(to: SocketAddress(ipAddress: "192.0.2.1", port: 1)).get()
        }
        let (waiting, keptAlive, newer, refused, last) = (channels[0], channels[1], channels[2], channels[3], channels[4])
        let waitingActivity = ConnectionActivity(awaitingHeadSince: .uptimeNanoseconds(100))
        // Accepted before the other, but its last response was just written.
        let keptAliveActivity = ConnectionActivity(awaitingHeadSince: .uptimeNanoseconds(50))
        keptAliveActivity.answered(since: .uptimeNanoseconds(900))
        #expect(registry.admit(keptAlive, activity: keptAliveActivity) == .admitted)
        #expect(registry.admit(waiting, activity: waitingActivity) == .admitted)
        // A connection never served goes before a kept-alive one.
        let newerActivity = ConnectionActivity(awaitingHeadSince: .uptimeNanoseconds(1000))
        #expect(registry.admit(newer, activity: newerActivity, now: .uptimeNanoseconds(1000)) == .admittedByEvicting)
        #expect(!waiting.isActive)
        #expect(keptAlive.isActive)
        #expect(registry.count == 2)
        // A refused connection goes first, however recently it arrived.
        newerActivity.answered(since: .uptimeNanoseconds(1000))
        newerActivity.refused()
        let refusedActivity = ConnectionActivity(awaitingHeadSince: .uptimeNanoseconds(1100))
        #expect(registry.admit(refused, activity: refusedActivity, now: .uptimeNanoseconds(1100)) == .admittedByEvicting)
        #expect(!newer.isActive)
        #expect(keptAlive.isActive)
        // The refused one was served too; the kept-alive connection has waited only 300 of the
        // 500 and the other is serving: the newcomer is refused, the kept-alive client kept.
        refusedActivity.answered(since: .uptimeNanoseconds(1100))
        refusedActivity.serving()
        #expect(registry.admit(channels[5], activity: ConnectionActivity(), now: .uptimeNanoseconds(1200)) == .refused)
        #expect(keptAlive.isActive)
        // Once it has idled the minimum, it makes room.
        let fifthActivity = ConnectionActivity(awaitingHeadSince: .uptimeNanoseconds(1400))
        #expect(registry.admit(channels[5], activity: fifthActivity, now: .uptimeNanoseconds(1400)) == .admittedByEvicting)
        #expect(!keptAlive.isActive)
        fifthActivity.serving()
        // Every connection serving a request: the new one is refused.
        #expect(registry.admit(last, activity: ConnectionActivity(), now: .uptimeNanoseconds(5000)) == .refused)
        #expect(registry.count == 2)
    }

    @Test func budgetRefusesWhatDoesNotFit() {
        let budget = ByteBudget(limit: 10)
        #expect(budget.reserve(6))
        #expect(!budget.reserve(5))
        #expect(budget.reserve(4))
        #expect(!budget.reserve(.max))
        budget.release(10)
        #expect(budget.inUse == 0)
    }
}
