import Logging
import NIOCore
import NIOHTTP1

/// The per-connection handler behind `HTTPServer`: decides on each request from its head (the
/// inspector, the body cap, the shared byte budget), aggregates the body, hands the request to the
/// responder off the event loop, and writes the response with Content-Length.
///
/// It sits after `configureHTTPServerPipeline(withErrorHandling: true)`, whose pipelining handler
/// delivers one request at a time and holds back the next until the previous response's `.end` is
/// written, so pipelined requests are answered in order.
///
/// Refusals happen before any body byte is buffered: an inspector's refusal (401, 415, …) or a
/// request over the shared byte budget (503) is answered at once and the connection closes after
/// reading and dropping at most `refusalDiscardAllowance` bytes (so the client sees the answer
/// rather than a reset); an oversize request gets 413 and up to `discardAllowance` bytes dropped
/// (only `refusalDiscardAllowance` when the inspector lowered its cap).
///
/// One deadline is armed at a time: the first head within `headTimeout` of connecting, the next
/// one within `idleTimeout` of the previous response, the whole request within `requestTimeout`
/// of its head; none while the responder works. A single timer per connection serves them: moving
/// the deadline later only stores it, and the timer re-arms itself when it fires early, so the
/// request path schedules nothing.
final class HTTPConnectionHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    /// Bytes of an oversize body still read and dropped after the 413, so closing does not reset the
    /// connection before the client has read the response; past this the connection is just closed.
    static let discardAllowance = 8 << 20
    /// Bytes still read and dropped after a refusal decided on the head: enough for a client that
    /// sent a small body along with its head to read the answer, too little to be worth attacking.
    static let refusalDiscardAllowance = 64 << 10

    /// What answers complete requests: a plain responder, or the simulator's, which also chooses
    /// how each response reaches the wire.
    enum Responder: Sendable {
        case plain(any HTTPResponder)
        case faulting(any HTTPFaultingResponder)
    }

    /// The per-connection limits, from `HTTPServerConfiguration`.
    struct Limits: Sendable {
        var maxBodyBytes: Int
        var headTimeout: TimeAmount
        var requestTimeout: TimeAmount
        var idleTimeout: TimeAmount

        init(maxBodyBytes: Int, headTimeout: Double = 10, requestTimeout: Double = 60, idleTimeout: Double = 60) {
            self.maxBodyBytes = maxBodyBytes
            self.headTimeout = Self.amount(headTimeout)
            self.requestTimeout = Self.amount(requestTimeout)
            self.idleTimeout = Self.amount(idleTimeout)
        }

        init(_ configuration: HTTPServerConfiguration) {
            self.init(
                maxBodyBytes: configuration.maxBodyBytes, headTimeout: configuration.headTimeout,
                requestTimeout: configuration.requestTimeout, idleTimeout: configuration.idleTimeout)
        }

        /// Seconds as a TimeAmount, at least 1 ms and at most a day (configuration is checked
        /// elsewhere; this only keeps the conversion from trapping).
        static func amount(_ seconds: Double) -> TimeAmount {
            let clamped = seconds.isFinite ? min(max(seconds, 0.001), 86_400) : 86_400
            return .nanoseconds(Int64(clamped * 1_000_000_000))
        }
    }

    private enum State {
        /// Between requests, waiting for a head.
        case idle
        /// A request head was admitted; collecting its body (at most `limit` bytes).
        case receiving(head: HTTPRequestHead, request: HTTPRequest, body: ByteBuffer, limit: Int)
        /// The responder is working on a complete request.
        case responding
        /// A refusal was sent before the request ended; dropping its body until it ends, then closing.
        case rejecting(requestEnded: Bool, responseWritten: Bool, discarded: Int, allowance: Int)
        /// A damaged delivery (simulator) is under way or done; everything further is ignored.
        case closing
    }

    private let responder: Responder
    private let inspector: (any HTTPHeadInspector)?
    private let limits: Limits
    private let budget: ByteBudget
    private let activity: ConnectionActivity
    private let logger: Logger
    private var state = State.idle
    /// Bytes of `budget` this connection holds for the current request.
    private var reserved = 0
    /// True when `reserved` covers the announced Content-Length, so chunks need no reservation.
    private var reservedWholeBody = false
    /// True when the inspector lowered the current request's body cap below the server's.
    private var restrictedByInspector = false
    private var deadline: NIODeadline?
    private var timer: Scheduled<Void>?
    private var timerFiresAt: NIODeadline?

    init(
        responder: Responder, inspector: (any HTTPHeadInspector)? = nil, limits: Limits,
        budget: ByteBudget = ByteBudget(limit: .max), activity: ConnectionActivity = ConnectionActivity(),
        logger: Logger
    ) {
        self.responder = responder
        self.inspector = inspector
        self.limits = limits
        self.budget = budget
        self.activity = activity
        self.logger = logger
    }

    /// A plain responder with the default deadlines and no shared budget (tests).
    convenience init(responder: any HTTPResponder, inspector: (any HTTPHeadInspector)? = nil, maxBodyBytes: Int, logger: Logger) {
        self.init(responder: .plain(responder), inspector: inspector, limits: Limits(maxBodyBytes: maxBodyBytes), logger: logger)
    }

    // MARK: Lifecycle and deadlines

    func handlerAdded(context: ChannelHandlerContext) {
        activity.awaitingHead(since: context.eventLoop.now)
        if context.channel.isActive {
            setDeadline(context.eventLoop.now + limits.headTimeout, context: context)
        }
    }

    func channelActive(context: ChannelHandlerContext) {
        setDeadline(context.eventLoop.now + limits.headTimeout, context: context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        stopTimer()
        releaseReservation()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        stopTimer()
        releaseReservation()
    }

    private func setDeadline(_ new: NIODeadline?, context: ChannelHandlerContext) {
        deadline = new
        guard let new else { return }
        // A timer that fires no later than the new deadline re-arms itself when it fires.
        if let firesAt = timerFiresAt, firesAt <= new { return }
        timer?.cancel()
        armTimer(at: new, context: context)
    }

    private func armTimer(at when: NIODeadline, context: ChannelHandlerContext) {
        timerFiresAt = when
        timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: when) { [self] in
            timerFired(context: context)
        }
    }

    private func timerFired(context: ChannelHandlerContext) {
        timer = nil
        timerFiresAt = nil
        guard let deadline else { return }
        if deadline <= context.eventLoop.now {
            deadlinePassed(context: context)
        } else {
            armTimer(at: deadline, context: context)
        }
    }

    private func stopTimer() {
        timer?.cancel()
        timer = nil
        timerFiresAt = nil
        deadline = nil
    }

    private func deadlinePassed(context: ChannelHandlerContext) {
        self.deadline = nil
        switch state {
        case .receiving(let head, let request, _, _):
            logger.debug("request not complete in time, closing", metadata: [
                "method": "\(head.method.rawValue)", "path": "\(request.path)",
            ])
            // A small answer goes straight to the socket buffer; the connection closes behind it.
            releaseReservation()
            activity.refused()
            state = .rejecting(requestEnded: true, responseWritten: true, discarded: 0, allowance: 0)
            let response = HTTPResponse.error(
                status: 408, code: "request_timeout", message: "the request was not complete in time")
            _ = write(response, to: head, keepAlive: false, context: context)
            context.close(promise: nil)
        case .idle:
            logger.debug("no request head in time, closing connection")
            context.close(promise: nil)
        case .rejecting, .closing, .responding:
            context.close(promise: nil)
        }
    }

    // MARK: Reading

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch (unwrapInboundIn(data), state) {
        case (.head(let head), .idle):
            receiveHead(head, context: context)
        case (.body(var chunk), .receiving(let head, let request, var body, let limit)):
            if body.readableBytes + chunk.readableBytes > limit {
                tooLarge(head, request: request, limit: limit, reason: "body passed \(limit) bytes while streaming", context: context)
                return
            }
            if !reservedWholeBody {
                guard budget.reserve(chunk.readableBytes) else {
                    busy(head, request: request, context: context)
                    return
                }
                reserved += chunk.readableBytes
            }
            state = .idle  // Drops the enum's reference so the buffer grows in place.
            body.writeBuffer(&chunk)
            state = .receiving(head: head, request: request, body: body, limit: limit)
        case (.end, .receiving(let head, let request, let body, _)):
            state = .responding
            setDeadline(nil, context: context)
            dispatch(head: head, request: request, body: body, context: context)
        case (.body(let chunk), .rejecting(let requestEnded, let responseWritten, let discarded, let allowance)):
            let total = discarded + chunk.readableBytes
            state = .rejecting(
                requestEnded: requestEnded, responseWritten: responseWritten, discarded: total, allowance: allowance)
            if total > allowance {
                context.close(promise: nil)
            }
        case (.end, .rejecting(_, let responseWritten, let discarded, let allowance)):
            state = .rejecting(requestEnded: true, responseWritten: responseWritten, discarded: discarded, allowance: allowance)
            if responseWritten {
                context.close(promise: nil)
            }
        case (_, .closing):
            return
        case (let part, let current):
            // The pipelining handler makes this unreachable; closing is the only safe answer if it
            // happens. Only the kinds are logged: a head's URI can carry a token.
            logger.error("unexpected request part, closing connection", metadata: [
                "part": "\(Self.kind(of: part))", "state": "\(Self.kind(of: current))",
            ])
            context.close(promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // Malformed requests were already answered with 400 by HTTPServerProtocolErrorHandler.
        logger.debug("closing connection after error", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }

    private func receiveHead(_ head: HTTPRequestHead, context: ChannelHandlerContext) {
        activity.serving()
        setDeadline(context.eventLoop.now + limits.requestTimeout, context: context)
        let request = HTTPRequest(
            method: head.method.rawValue, uri: head.uri,
            headers: head.headers.map { HTTPHeader(name: $0.name, value: $0.value) },
            remoteAddress: context.channel.remoteAddress?.ipAddress, localPort: context.channel.localAddress?.port)
        var limit = limits.maxBodyBytes
        if let inspector {
            switch inspector.inspect(request) {
            case .refuse(let response):
                refuse(head, response: response, discardAllowance: Self.refusalDiscardAllowance, context: context)
                return
            case .admit(let cap):
                if let cap { limit = min(limit, max(0, cap)) }
            }
        }
        // Draining up to 8 MiB after a 413 is a courtesy for clients of the listener's own cap; a
        // route the inspector restricted (no body at all, say) owes an oversize sender nothing more
        // than a refusal does, or anyone could make the server read 8 MiB per connection.
        restrictedByInspector = limit < limits.maxBodyBytes
        let announced = head.headers["content-length"].first.flatMap { Int($0[...].trimmingASCIIWhitespace()) }
        if let announced, announced > limit {
            tooLarge(head, request: request, limit: limit, reason: "Content-Length \(announced) exceeds \(limit)", context: context)
            return
        }
        if let announced, announced > 0 {
            guard budget.reserve(announced) else {
                busy(head, request: request, context: context)
                return
            }
            reserved = announced
            reservedWholeBody = true
        }
        state = .receiving(head: head, request: request, body: context.channel.allocator.buffer(capacity: 0), limit: limit)
        if head.headers["expect"].contains(where: { $0.lowercased() == "100-continue" }) {
            // Clients that ask wait for this (or a timeout) before sending the body; only admitted
            // requests get it, so a refused client never sends its body at all.
            let interim = HTTPResponseHead(version: head.version, status: .continue)
            context.writeAndFlush(wrapOutboundOut(.head(interim)), promise: nil)
        }
    }

    // MARK: Refusing

    /// Answers 413 before the body is complete and moves to discarding.
    private func tooLarge(
        _ head: HTTPRequestHead, request: HTTPRequest, limit: Int, reason: String, context: ChannelHandlerContext
    ) {
        // The path only: the query string can carry a webhook token.
        logger.info("rejecting oversize request", metadata: [
            "method": "\(head.method.rawValue)", "path": "\(request.path)", "reason": "\(reason)",
        ])
        let response = HTTPResponse.error(
            status: 413, code: "payload_too_large", message: "request body exceeds the limit of \(limit) bytes")
        refuse(
            head, response: response,
            discardAllowance: restrictedByInspector ? Self.refusalDiscardAllowance : Self.discardAllowance, context: context)
    }

    /// Answers 503 when the body would pass the bytes buffered across all connections.
    private func busy(_ head: HTTPRequestHead, request: HTTPRequest, context: ChannelHandlerContext) {
        logger.warning("refusing request: request bytes buffered across connections at the limit", metadata: [
            "method": "\(head.method.rawValue)", "path": "\(request.path)", "limit": "\(budget.limit)",
        ])
        let response = HTTPResponse.error(
            status: 503, code: "server_busy",
            message: "too many request bytes in flight on this listener; retry shortly",
            extraHeaders: [HTTPHeader(name: "Retry-After", value: "1")])
        refuse(head, response: response, discardAllowance: Self.refusalDiscardAllowance, context: context)
    }

    /// Writes `response` with `Connection: close` and closes once the request has ended (reading
    /// and dropping at most `discardAllowance` more bytes of it) or once it is written, whichever is later.
    private func refuse(
        _ head: HTTPRequestHead, response: HTTPResponse, discardAllowance: Int, context: ChannelHandlerContext
    ) {
        releaseReservation()
        activity.refused()
        state = .rejecting(requestEnded: false, responseWritten: false, discarded: 0, allowance: discardAllowance)
        write(response, to: head, keepAlive: false, context: context).assumeIsolated().whenComplete { [self] _ in
            guard case .rejecting(let requestEnded, _, let discarded, let allowance) = state else { return }
            state = .rejecting(requestEnded: requestEnded, responseWritten: true, discarded: discarded, allowance: allowance)
            if requestEnded {
                context.close(promise: nil)
            }
        }
    }

    private func releaseReservation() {
        budget.release(reserved)
        reserved = 0
        reservedWholeBody = false
    }

    // MARK: Responding

    /// Runs the responder in a task and writes its answer back on this channel's event loop.
    private func dispatch(head: HTTPRequestHead, request: HTTPRequest, body: ByteBuffer, context: ChannelHandlerContext) {
        var request = request
        request.body = Array(body.readableBytesView)
        let eventLoop = context.eventLoop
        let bound = NIOLoopBound((handler: self, context: context), eventLoop: eventLoop)
        switch responder {
        case .plain(let responder):
            Task {
                let response = await responder.respond(to: request)
                eventLoop.execute {
                    let (handler, context) = bound.value
                    handler.finish(head: head, request: request, response: response, context: context)
                }
            }
        case .faulting(let responder):
            Task {
                let (response, delivery) = await responder.reply(to: request)
                eventLoop.execute {
                    let (handler, context) = bound.value
                    handler.deliver(response, delivery, head: head, request: request, context: context)
                }
            }
        }
    }

    private func finish(head: HTTPRequestHead, request: HTTPRequest, response: HTTPResponse, context: ChannelHandlerContext) {
        guard case .responding = state, context.channel.isActive else { return }
        releaseReservation()
        logger.debug("answered request", metadata: [
            "method": "\(head.method.rawValue)", "path": "\(request.path)", "status": "\(response.status)",
        ])
        let wantsClose = response.headers.contains {
            $0.name.lowercased() == "connection" && $0.value.lowercased().contains("close")
        }
        let keepAlive = head.isKeepAlive && !wantsClose
        // Idle before writing: the pipelining handler may hand over the next request during the write.
        state = .idle
        let now = context.eventLoop.now
        activity.answered(since: now)
        setDeadline(now + limits.idleTimeout, context: context)
        write(response, to: head, keepAlive: keepAlive, context: context).assumeIsolated().whenComplete { _ in
            if !keepAlive {
                context.close(promise: nil)
            }
        }
    }

    /// Puts a simulator reply on the wire the way `delivery` says.
    private func deliver(
        _ response: HTTPResponse, _ delivery: HTTPWireDelivery, head: HTTPRequestHead, request: HTTPRequest,
        context: ChannelHandlerContext
    ) {
        guard case .responding = state else { return }
        switch delivery {
        case .whole:
            finish(head: head, request: request, response: response, context: context)
        case .held(let seconds):
            context.eventLoop.assumeIsolated().scheduleTask(in: Limits.amount(seconds)) { [self] in
                finish(head: head, request: request, response: response, context: context)
            }
        case .closeWithoutResponse:
            state = .closing
            activity.refused()
            context.close(promise: nil)
        case .cutShort(let sentBytes):
            state = .closing
            writePartial(response, sentBytes: sentBytes, to: head, context: context).assumeIsolated()
                .whenComplete { _ in context.close(promise: nil) }
        case .stall(let sentBytes, let seconds):
            state = .closing
            writePartial(response, sentBytes: sentBytes, to: head, context: context)
            context.eventLoop.assumeIsolated().scheduleTask(in: Limits.amount(seconds)) {
                context.close(promise: nil)
            }
        }
    }

    /// Writes the whole response; the future completes when `.end` has been written.
    private func write(
        _ response: HTTPResponse, to head: HTTPRequestHead, keepAlive: Bool, context: ChannelHandlerContext
    ) -> EventLoopFuture<Void> {
        let bodyless = response.status < 200 || response.status == 204 || response.status == 304
        context.write(wrapOutboundOut(.head(responseHead(response, to: head, keepAlive: keepAlive))), promise: nil)
        if !bodyless && head.method != .HEAD && !response.body.isEmpty {
            let buffer = context.channel.allocator.buffer(bytes: response.body)
            context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        }
        let written = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: written)
        return written.futureResult
    }

    /// The head, with Content-Length of the whole body, and the first `sentBytes` of the body;
    /// no `.end`, so the connection can only be closed afterwards (a damaged delivery).
    @discardableResult
    private func writePartial(
        _ response: HTTPResponse, sentBytes: Int, to head: HTTPRequestHead, context: ChannelHandlerContext
    ) -> EventLoopFuture<Void> {
        context.write(wrapOutboundOut(.head(responseHead(response, to: head, keepAlive: false))), promise: nil)
        let part = response.body.prefix(max(0, min(sentBytes, response.body.count)))
        let written = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(
            wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: part)))), promise: written)
        return written.futureResult
    }

    private func responseHead(_ response: HTTPResponse, to head: HTTPRequestHead, keepAlive: Bool) -> HTTPResponseHead {
        var headers = HTTPHeaders()
        for field in response.headers {
            switch field.name.lowercased() {
            case "content-length", "transfer-encoding", "connection": continue  // The server owns framing.
            default: headers.add(name: field.name, value: field.value)
            }
        }
        // 1xx, 204 and 304 responses carry no body and no length.
        let bodyless = response.status < 200 || response.status == 204 || response.status == 304
        if !bodyless {
            headers.add(name: "Content-Length", value: String(response.body.count))
        }
        if !keepAlive {
            headers.add(name: "Connection", value: "close")
        } else if head.version == .http1_0 {
            headers.add(name: "Connection", value: "keep-alive")
        }
        let version = head.version == .http1_0 ? HTTPVersion.http1_0 : .http1_1
        return HTTPResponseHead(version: version, status: HTTPResponseStatus(statusCode: response.status), headers: headers)
    }

    private static func kind(of part: HTTPServerRequestPart) -> String {
        switch part {
        case .head: "head"
        case .body: "body"
        case .end: "end"
        }
    }

    private static func kind(of state: State) -> String {
        switch state {
        case .idle: "idle"
        case .receiving: "receiving"
        case .responding: "responding"
        case .rejecting: "rejecting"
        case .closing: "closing"
        }
    }
}
