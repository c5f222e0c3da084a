import Logging
import NIOCore
import NIOEmbedded
import Synchronization

@testable import KontextNet

/// A logger that discards everything, so test output stays readable.
let silentLogger = Logger(label: "kontextd.test", factory: { _ in SwiftLogNoOpLogHandler() })

/// A responder that records every request it is given and answers with `answer`.
final class RecordingResponder: HTTPResponder {
    private let recorded = Mutex<[HTTPRequest]>([])
    private let answer: @Sendable (HTTPRequest) async -> HTTPResponse

    init(answer: @escaping @Sendable (HTTPRequest) async -> HTTPResponse = { request in
        HTTPResponse(status: 200, headers: [HTTPHeader("X-Path", request.path)], body: Array("ok".utf8))
    }) {
        self.answer = answer
    }

    var requests: [HTTPRequest] { recorded.withLock { $0 } }

    func respond(to request: HTTPRequest) async -> HTTPResponse {
        recorded.withLock { $0.append(request) }
        return await answer(request)
    }
}

/// A response parsed from the bytes a server wrote.
struct RawResponse {
    var status: Int
    var headers: [HTTPHeader]
    var body: [UInt8]

    func header(_ name: String) -> String? { headers.value(named: name) }
    var bodyText: String { String(decoding: body, as: UTF8.self) }
}

/// Splits raw HTTP/1.1 responses (each framed by Content-Length) out of `bytes`; nil when the last is incomplete.
func parseResponses(_ bytes: [UInt8]) -> [RawResponse]? {
    var responses: [RawResponse] = []
    var rest = bytes[...]
    let separator: [UInt8] = Array("\r\n\r\n".utf8)
    while !rest.isEmpty {
        guard let headEnd = rest.firstRange(of: separator) else { return nil }
        let headText = String(decoding: rest[rest.startIndex..<headEnd.lowerBound], as: UTF8.self)
        var lines = headText.split(separator: "\r\n", omittingEmptySubsequences: false)
        let statusLine = lines.removeFirst().split(separator: " ")
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else { return nil }
        let headers = lines.compactMap { line -> HTTPHeader? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return HTTPHeader(
                String(line[..<colon]), String(line[line.index(after: colon)...].drop(while: { $0 == " " })))
        }
        let length = headers.value(named: "content-length").flatMap { Int($0) } ?? 0
        let bodyStart = headEnd.upperBound
        guard rest.endIndex - bodyStart >= length else { return nil }
        responses.append(RawResponse(status: status, headers: headers, body: Array(rest[bodyStart..<bodyStart + length])))
        rest = rest[(bodyStart + length)...]
    }
    return responses
}

/// Reads a testing channel's outbound writes until `count` complete responses have arrived.
func readResponses(_ count: Int, from channel: NIOAsyncTestingChannel) async throws -> [RawResponse] {
    var bytes: [UInt8] = []
    while true {
        if let parsed = parseResponses(bytes), parsed.count >= count { return parsed }
        let data = try await channel.waitForOutboundWrite(as: IOData.self)
        guard case .byteBuffer(let buffer) = data else { continue }
        bytes += buffer.readableBytesView
    }
}
