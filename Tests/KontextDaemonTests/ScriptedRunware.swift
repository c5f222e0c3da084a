import Foundation
import KontextCore
import KontextNet
import Logging
import RunwareSimulator
import Synchronization

/// A stand-in for Runware whose every answer the test scripts: it records each request and
/// answers with the script's response, so one fault at a time can be put in front of the daemon.
final class ScriptedRunware: HTTPResponder {
    typealias Script = @Sendable (_ request: HTTPRequest, _ tasks: [JSONValue], _ index: Int) async -> HTTPResponse

    private let requests = Mutex<[HTTPRequest]>([])
    private let images = Mutex<[String: HTTPResponse]>([:])
    private let downloadCounts = Mutex<[String: Int]>([:])
    private let script: Script
    private let listener = Mutex<(server: HTTPServer?, baseURL: String)>((nil, ""))

    /// `http://127.0.0.1:PORT` once started.
    var baseURL: String { listener.withLock { $0.baseURL } }

    init(script: @escaping Script) {
        self.script = script
    }

    static func start(script: @escaping Script) async throws -> ScriptedRunware {
        let runware = ScriptedRunware(script: script)
        var logger = Logger(label: "scripted-runware")
        logger.logLevel = .critical
        let server = HTTPServer(configuration: HTTPServerConfiguration(), responder: runware, logger: logger)
        let port = try await server.start()
        runware.listener.withLock { $0 = (server, "http://127.0.0.1:\(port)") }
        return runware
    }

    func stop() async {
        let server = listener.withLock { $0.server }
        await server?.stop()
    }

    /// Every `POST /v1` so far, as task arrays.
    var submissions: [[JSONValue]] {
        requests.withLock { $0.map { (try? JSONCoding.parse($0.body))?.arrayValue ?? [] } }
    }

    /// How many task objects of `taskType` were sent so far.
    func count(taskType: String) -> Int {
        submissions.flatMap { $0 }.filter { $0["taskType"]?.stringValue == taskType }.count
    }

    /// How many times `path` was downloaded so far.
    func downloads(_ path: String) -> Int {
        downloadCounts.withLock { $0[path] ?? 0 }
    }

    /// Serves `response` at `path` (image downloads).
    func serve(_ path: String, _ response: HTTPResponse) {
        images.withLock { $0[path] = response }
    }

    func respond(to request: HTTPRequest) async -> HTTPResponse {
        if request.method == "GET" {
            downloadCounts.withLock { $0[request.path, default: 0] += 1 }
            return images.withLock { $0[request.path] } ?? HTTPResponse(status: 404)
        }
        let index = requests.withLock { list in
            list.append(request)
            return list.count - 1
        }
        let tasks = (try? JSONCoding.parse(request.body))?.arrayValue ?? []
        return await script(request, tasks, index)
    }

    // MARK: Canned answers

    static func json(_ status: Int, _ value: JSONValue, headers: [HTTPHeader] = []) -> HTTPResponse {
        HTTPResponse.json(status: status, body: JSONCoding.encode(value), extraHeaders: headers)
    }

    /// `{"data":[{taskType, taskUUID}...]}` acknowledging every imageInference task sent.
    static func acknowledge(_ tasks: [JSONValue]) -> HTTPResponse {
        json(200, .object(["data": .array(tasks.compactMap { task in
            task["taskUUID"].map { .object(["taskType": .string("imageInference"), "taskUUID": $0]) }
        })]))
    }

    static func error(_ status: Int, code: String, taskUUID: String?, headers: [HTTPHeader] = []) -> HTTPResponse {
        var object: [String: JSONValue] = ["code": .string(code), "message": .string("scripted \(code)")]
        if let taskUUID { object["taskUUID"] = .string(taskUUID) }
        return json(status, .object(["errors": .array([.object(object)])]), headers: headers)
    }

    /// A result object for `taskUUID` whose image is at `url`.
    static func result(taskUUID: String, imageUUID: String, url: String, status: String? = nil) -> JSONValue {
        var object: [String: JSONValue] = [
            "taskType": .string("imageInference"), "taskUUID": .string(taskUUID), "imageUUID": .string(imageUUID),
            "imageURL": .string(url), "seed": .integer(42),
        ]
        if let status { object["status"] = .string(status) }
        return .object(object)
    }

    /// A real 1024x1024 JPEG, as the daemon's default test task asks for.
    static let jpeg: [UInt8] = (try? ImageSynthesizer.render(format: .jpg, size: ImageSize(width: 1024, height: 1024), seed: 42)) ?? []
}
