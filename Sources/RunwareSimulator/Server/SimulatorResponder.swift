import KontextCore
import KontextNet

/// Routes the simulator's HTTP surface:
/// - `POST /v1`: Runware's task endpoint (`TaskEndpoint`); `X-Runware-Dry-Run: 1` validates and prices only.
/// - `GET /image/ws/2/ii/<imageUUID>.<ext>[?v=<n>]`: generated images, with their Content-Type;
///   404 when unknown, when the extension does not match the image's format, or when that URL
///   version has expired. Each download attempt may be damaged per the fault plan.
/// - `GET /assets/inputs/<name>.jpg`: a deterministic reference JPEG for any name.
/// - `GET /sim/state`: what tests inspect in-process, as JSON, for out-of-process use.
///
/// It is the `HTTPFaultingResponder` of the simulator's `HTTPServer`: besides the response, each
/// answer says how it is delivered, which is how the fault plan damages downloads and submissions.
struct SimulatorResponder: HTTPFaultingResponder {
    let service: SimulatedRunware

    static let imagePrefix = "/image/ws/2/ii/"
    static let assetPrefix = "/assets/inputs/"

    func reply(to request: HTTPRequest) async -> (response: HTTPResponse, delivery: HTTPWireDelivery) {
        let reply = await route(request)
        return (reply.response, reply.delivery)
    }

    private func route(_ request: HTTPRequest) async -> SimulatorReply {
        let path = request.path
        switch (request.method, path) {
        case ("POST", "/v1"), ("POST", "/v1/"):
            let reply = await TaskEndpoint(service: service).respond(
                authorization: request.header("Authorization"), body: request.body,
                dryRun: request.header("X-Runware-Dry-Run") == "1")
            return SimulatorReply(
                .json(status: reply.status, body: JSONCoding.encode(reply.body), extraHeaders: reply.headers),
                delivery: reply.delivery)
        case ("GET", _) where path.hasPrefix(Self.imagePrefix):
            return image(file: String(path.dropFirst(Self.imagePrefix.count)), version: request.query["v"])
        default:
            return SimulatorReply(respond(to: request))
        }
    }

    /// Every route but `/v1` and images: answers that are always delivered whole.
    private func respond(to request: HTTPRequest) -> HTTPResponse {
        let path = request.path
        switch (request.method, path) {
        case ("GET", "/sim/state"):
            return .json(status: 200, body: JSONCoding.encode(service.stateReport))
        case ("GET", _) where path.hasPrefix(Self.assetPrefix) && path.hasSuffix(".jpg"):
            let name = String(path.dropFirst(Self.assetPrefix.count).dropLast(".jpg".count))
            guard !name.isEmpty, !name.contains("/") else { return notFound(path) }
            do {
                let bytes = try service.referenceAsset(named: name)
                return HTTPResponse(status: 200, headers: [HTTPHeader(name: "Content-Type", value: "image/jpeg")], body: bytes)
            } catch {
                return .error(status: 500, code: "asset_failed", message: "\(error)")
            }
        case (_, "/v1"), (_, "/v1/"), (_, "/sim/state"):
            return .error(status: 405, code: "method_not_allowed", message: "\(request.method) is not allowed on \(path)")
        default:
            return notFound(path)
        }
    }

    private func image(file: String, version: String?) -> SimulatorReply {
        let parts = file.split(separator: ".", omittingEmptySubsequences: false)
        let number = version.map { Int($0) ?? -1 } ?? 0
        guard parts.count == 2, number >= 0 else {
            return SimulatorReply(notFound(Self.imagePrefix + file))
        }
        let image: ServedImage
        switch service.lookUpImage(String(parts[0]), fileExtension: parts[1].lowercased(), version: number) {
        case .unknown:
            return SimulatorReply(notFound(Self.imagePrefix + file))
        case .expired:
            return SimulatorReply(.error(
                status: 404, code: "expired", message: "the image URL \(Self.imagePrefix + file) has expired"))
        case .live(let served):
            image = served
        }
        let headers = [HTTPHeader(name: "Content-Type", value: image.format.mimeType)]
        let whole = HTTPResponse(status: 200, headers: headers, body: image.bytes)
        switch service.faults.downloadFault(byteCount: image.bytes.count) {
        case nil:
            return SimulatorReply(whole)
        case .stall(let sentBytes, let seconds):
            service.faults.record(.stalledDownload)
            return SimulatorReply(whole, delivery: .stall(sentBytes: sentBytes, seconds: seconds))
        case .cutShort(let sentBytes):
            service.faults.record(.truncatedDownload)
            return SimulatorReply(whole, delivery: .cutShort(sentBytes: sentBytes))
        case .shortBody(let length):
            service.faults.record(.truncatedDownload)
            return SimulatorReply(HTTPResponse(status: 200, headers: headers, body: Array(image.bytes.prefix(length))))
        case .corrupt:
            service.faults.record(.corruptedDownload)
            return SimulatorReply(HTTPResponse(
                status: 200, headers: headers, body: DownloadDamage.corrupt(image.bytes, format: image.format)))
        }
    }

    private func notFound(_ path: String) -> HTTPResponse {
        .error(status: 404, code: "not_found", message: "nothing is served at \(path)")
    }
}
