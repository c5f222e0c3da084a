import KontextNet
import Logging
import NIOCore
import NIOHTTP1

/// The per-connection handler behind `SimulatorServer`: aggregates each request, asks the
/// router off the event loop, and writes the reply the way its `ReplyDelivery` says.
///
/// It sits after `configureHTTPServerPipeline(withErrorHandling: true)`, whose pipelining
/// handler passes one request at a time, so pipelined requests are answered in order. A request
/// over the body cap gets 413 and a closed connection.
final class SimulatorConnectionHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private enum State {
        case idle
        case receiving(head: HTTPRequestHead, body: ByteBuffer)
        case responding
        /// Answered 413 or gave up on the connection; everything further is ignored.
        case closing
    }

    private let router: any SimulatorRouting
    private let maxBodyBytes: Int
    private let logger: Logger
    private var state = State.idle

    init(router: any SimulatorRouting, maxBodyBytes: Int, logger: Logger) {
        self.router = router
        self.maxBodyBytes = maxBodyBytes
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch (unwrapInboundIn(data), state) {
        case (.head(let head), .idle):
            if let announced = head.headers["content-length"].first.flatMap({ Int($0) }), announced > maxBodyBytes {
                tooLarge(head, context: context)
                return
            }
            state = .receiving(head: head, body: context.channel.allocator.buffer(capacity: 0))
            if head.headers["expect"].contains(where: { $0.lowercased() == "100-continue" }) {
                // Clients that ask wait for this (or their own timeout) before sending the body.
                context.writeAndFlush(
                    wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .continue))), promise: nil)
            }
        case (.body(var chunk), .receiving(let head, var body)):
            guard body.readableBytes + chunk.readableBytes <= maxBodyBytes else {
                tooLarge(head, context: context)
                return
            }
            state = .idle  // Drops the enum's reference so the buffer grows in place.
            body.writeBuffer(&chunk)
            state = .receiving(head: head, body: body)
        case (.end, .receiving(let head, let body)):
            state = .responding
            dispatch(head: head, body: body, context: context)
        case (_, .closing):
            return
        case (let part, let current):
            logger.error("unexpected request part, closing connection", metadata: [
                "part": "\(part)", "state": "\(current)",
            ])
            state = .closing
            context.close(promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.debug("closing connection after error", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }

    private func tooLarge(_ head: HTTPRequestHead, context: ChannelHandlerContext) {
        state = .closing
        let response = HTTPResponse.error(
            status: 413, code: "payload_too_large", message: "request body exceeds the limit of \(maxBodyBytes) bytes")
        writeWhole(response, to: head, keepAlive: false, context: context).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }

    private func dispatch(head: HTTPRequestHead, body: ByteBuffer, context: ChannelHandlerContext) {
        let request = HTTPRequest(
            method: head.method.rawValue, uri: head.uri,
            headers: head.headers.map { HTTPHeader(name: $0.name, value: $0.value) },
            body: Array(body.readableBytesView), remoteAddress: context.channel.remoteAddress?.ipAddress)
        let router = self.router
        let eventLoop = context.eventLoop
        let bound = NIOLoopBound((handler: self, context: context), eventLoop: eventLoop)
        Task {
            let reply = await router.reply(to: request)
            eventLoop.execute {
                let (handler, context) = bound.value
                handler.deliver(reply, to: head, context: context)
            }
        }
    }

    private func deliver(_ reply: SimulatorReply, to head: HTTPRequestHead, context: ChannelHandlerContext) {
        guard case .responding = state else { return }
        let response = reply.response
        switch reply.delivery {
        case .whole:
            finish(response, to: head, context: context)
        case .held(let seconds):
            context.eventLoop.assumeIsolated().scheduleTask(in: Self.timeAmount(seconds)) { [self] in
                finish(response, to: head, context: context)
            }
        case .closeWithoutResponse:
            state = .closing
            context.close(promise: nil)
        case .cutShort(let sentBytes):
            state = .closing
            writePartial(response, sentBytes: sentBytes, to: head, context: context).assumeIsolated()
                .whenComplete { _ in context.close(promise: nil) }
        case .stall(let sentBytes, let seconds):
            state = .closing
            writePartial(response, sentBytes: sentBytes, to: head, context: context)
            context.eventLoop.assumeIsolated().scheduleTask(in: Self.timeAmount(seconds)) {
                context.close(promise: nil)
            }
        }
    }

    private func finish(_ response: HTTPResponse, to head: HTTPRequestHead, context: ChannelHandlerContext) {
        guard case .responding = state, context.channel.isActive else { return }
        state = .idle
        let keepAlive = head.isKeepAlive
        writeWhole(response, to: head, keepAlive: keepAlive, context: context).assumeIsolated().whenComplete { _ in
            if !keepAlive { context.close(promise: nil) }
        }
    }

    /// The head, with Content-Length of the whole body, and the first `sentBytes` of the body;
    /// no `.end`, so the connection can only be closed afterwards.
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

    private func writeWhole(
        _ response: HTTPResponse, to head: HTTPRequestHead, keepAlive: Bool, context: ChannelHandlerContext
    ) -> EventLoopFuture<Void> {
        context.write(wrapOutboundOut(.head(responseHead(response, to: head, keepAlive: keepAlive))), promise: nil)
        if head.method != .HEAD && !response.body.isEmpty {
            context.write(
                wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: response.body)))),
                promise: nil)
        }
        let written = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: written)
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
        headers.add(name: "Content-Length", value: String(response.body.count))
        if !keepAlive {
            headers.add(name: "Connection", value: "close")
        } else if head.version == .http1_0 {
            headers.add(name: "Connection", value: "keep-alive")
        }
        return HTTPResponseHead(
            version: head.version == .http1_0 ? .http1_0 : .http1_1,
            status: HTTPResponseStatus(statusCode: response.status), headers: headers)
    }

    private static func timeAmount(_ seconds: Double) -> TimeAmount {
        .milliseconds(Int64((max(0, seconds) * 1000).rounded()))
    }
}
