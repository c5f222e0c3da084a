// libFuzzer target: the HTTP/1.1 request head as the listeners read it — NIO's decoder on an
// EmbeddedChannel, then kontextd's request model (percent-decoded path, query parameters, headers).
import KontextNet
import NIOCore
import NIOEmbedded
import NIOHTTP1

/// Turns each decoded head into the `HTTPRequest` the responders see.
final class HeadCapture: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    var requests = 0

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .head(let head) = unwrapInboundIn(data) else { return }
        let request = HTTPRequest(
            method: head.method.rawValue, uri: head.uri, headers: head.headers.map { HTTPHeader(name: $0.name, value: $0.value) })
        _ = request.query["token"]
        _ = request.header("content-length").flatMap { Int($0) }
        _ = request.path.split(separator: "/")
        requests += 1
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let channel = EmbeddedChannel()
    let capture = HeadCapture()
    try! channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .dropBytes)))
    try! channel.pipeline.syncOperations.addHandler(capture)
    var buffer = channel.allocator.buffer(capacity: size)
    buffer.writeBytes(UnsafeBufferPointer(start: data, count: size))
    // Malformed input is an error the decoder reports (answered 400 by the server), not a crash.
    _ = try? channel.writeInbound(buffer)
    _ = try? channel.finish()
    return 0
}
