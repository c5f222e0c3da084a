import Logging
import NIOCore
import NIOHTTP1

/// The per-connection handler behind `HTTPServer`: aggregates each request (enforcing the body cap),
/// hands it to the responder off the event loop, and writes the response with Content-Length.
///
/// It sits after `configureHTTPServerPipeline(withErrorHandling: true)`, whose pipelining handler
/// delivers one request at a time and holds back the next until the previous response's `.end` is
/// written, so pipelined requests are answered in order. An oversize request gets 413 at once (from
/// Content-Length, or while the body streams in), the rest of its body is discarded, and the
/// connection closes; the responder is never called for it.
final class HTTPConnectionHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    /// Bytes of an oversize body still read and dropped after the 413, so closing does not reset the
    /// connection before the client has read the response; past this the connection is just closed.
    static let discardAllowance = 8 << 20

    private enum State {
        /// Between requests.
        case idle
        /// A request head arrived; collecting its body.
        case receiving(head: HTTPRequestHead, body: ByteBuffer)
        /// The responder is working on a complete request.
        case responding
        /// A 413 was sent for an oversize request; dropping its body until it ends, then closing.
        case rejecting(requestEnded: Bool, responseWritten: Bool, discarded: Int)
    }

    private let responder: any HTTPResponder
    private let maxBodyBytes: Int
    private let logger: Logger
    private var state = State.idle

    init(responder: any HTTPResponder, maxBodyBytes: Int, logger: Logger) {
        self.responder = responder
        self.maxBodyBytes = maxBodyBytes
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch (unwrapInboundIn(data), state) {
        case (.head(let head), .idle):
            receiveHead(head, context: context)
        case (.body(var chunk), .receiving(let head, var body)):
            if body.readableBytes + chunk.readableBytes > maxBodyBytes {
                reject(head, reason: "body passed \(maxBodyBytes) bytes while streaming", context: context)
                return
            }
            state = .idle  // Drops the enum's reference so the buffer grows in place.
            body.writeBuffer(&chunk)
            state = .receiving(head: head, body: body)
        case (.end, .receiving(let head, let body)):
            state = .responding
            dispatch(head: head, body: body, context: context)
        case (.body(let chunk), .rejecting(let requestEnded, let responseWritten, let discarded)):
            let total = discarded + chunk.readableBytes
            state = .rejecting(requestEnded: requestEnded, responseWritten: responseWritten, discarded: total)
            if total > Self.discardAllowance {
                context.close(promise: nil)
            }
        case (.end, .rejecting(_, let responseWritten, let discarded)):
            state = .rejecting(requestEnded: true, responseWritten: responseWritten, discarded: discarded)
            if responseWritten {
                context.close(promise: nil)
            }
        case (let part, let current):
            // The pipelining handler makes this unreachable; closing is the only safe answer if it happens.
            logger.error("unexpected request part, closing connection", metadata: [
                "part": "\(part)", "state": "\(current)",
            ])
            context.close(promise: nil)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            if case .responding = state { return }  // A slow responder is not an idle client.
            logger.debug("closing idle connection")
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // Malformed requests were already answered with 400 by HTTPServerProtocolErrorHandler.
        logger.debug("closing connection after error", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }

    private func receiveHead(_ head: HTTPRequestHead, context: ChannelHandlerContext) {
        let lengths = head.headers["content-length"]
        if let announced = lengths.first.flatMap({ Int($0[...].trimmingASCIIWhitespace()) }),
            announced > maxBodyBytes
        {
            reject(head, reason: "Content-Length \(announced) exceeds \(maxBodyBytes)", context: context)
            return
        }
        state = .receiving(head: head, body: context.channel.allocator.buffer(capacity: 0))
        if head.headers["expect"].contains(where: { $0.lowercased() == "100-continue" }) {
            // Clients that ask wait for this (or a timeout) before sending the body.
            let interim = HTTPResponseHead(version: head.version, status: .continue)
            context.writeAndFlush(wrapOutboundOut(.head(interim)), promise: nil)
        }
    }

    /// Answers 413 before the body is complete and moves to discarding.
    private func reject(_ head: HTTPRequestHead, reason: String, context: ChannelHandlerContext) {
        logger.info("rejecting oversize request", metadata: [
            "method": "\(head.method.rawValue)", "uri": "\(head.uri)", "reason": "\(reason)",
        ])
        state = .rejecting(requestEnded: false, responseWritten: false, discarded: 0)
        let response = HTTPResponse.error(
            status: 413, code: "payload_too_large",
            message: "request body exceeds the limit of \(maxBodyBytes) bytes")
        write(response, to: head, keepAlive: false, context: context).assumeIsolated().whenComplete { [self] _ in
            guard case .rejecting(let requestEnded, _, let discarded) = state else { return }
            state = .rejecting(requestEnded: requestEnded, responseWritten: true, discarded: discarded)
            if requestEnded {
                context.close(promise: nil)
            }
        }
    }

    /// Runs the responder in a task and writes its answer back on this channel's event loop.
    private func dispatch(head: HTTPRequestHead, body: ByteBuffer, context: ChannelHandlerContext) {
        let request = HTTPRequest(
            method: head.method.rawValue,
            uri: head.uri,
            headers: head.headers.map { HTTPHeader(name: $0.name, value: $0.value) },
            body: Array(body.readableBytesView),
            remoteAddress: context.channel.remoteAddress?.ipAddress)
        let responder = self.responder
        let eventLoop = context.eventLoop
        let bound = NIOLoopBound((handler: self, context: context), eventLoop: eventLoop)
        Task {
            let response = await responder.respond(to: request)
            eventLoop.execute {
                let (handler, context) = bound.value
                handler.finish(head: head, response: response, context: context)
            }
        }
    }

    private func finish(head: HTTPRequestHead, response: HTTPResponse, context: ChannelHandlerContext) {
        guard case .responding = state else { return }
        state = .idle
        logger.debug("answered request", metadata: [
            "method": "\(head.method.rawValue)", "uri": "\(head.uri)", "status": "\(response.status)",
        ])
        let wantsClose = response.headers.contains {
            $0.name.lowercased() == "connection" && $0.value.lowercased().contains("close")
        }
        let keepAlive = head.isKeepAlive && !wantsClose
        write(response, to: head, keepAlive: keepAlive, context: context).assumeIsolated().whenComplete { _ in
            if !keepAlive {
                context.close(promise: nil)
            }
        }
    }

    /// Writes the whole response; the future completes when `.end` has been written.
    private func write(
        _ response: HTTPResponse, to head: HTTPRequestHead, keepAlive: Bool, context: ChannelHandlerContext
    ) -> EventLoopFuture<Void> {
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
        let responseHead = HTTPResponseHead(
            version: version, status: HTTPResponseStatus(statusCode: response.status), headers: headers)
        context.write(wrapOutboundOut(.head(responseHead)), promise: nil)
        if !bodyless && head.method != .HEAD && !response.body.isEmpty {
            let buffer = context.channel.allocator.buffer(bytes: response.body)
            context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        }
        let written = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: written)
        return written.futureResult
    }
}
