import KontextCore
import KontextNet

/// Routes the simulator's HTTP surface:
/// - `POST /v1`: Runware's task endpoint (`TaskEndpoint`); `X-Runware-Dry-Run: 1` validates and prices only.
/// - `GET /image/ws/2/ii/<imageUUID>.<ext>`: generated images, with their Content-Type; 404 when
///   unknown or when the extension does not match the image's format.
/// - `GET /assets/inputs/<name>.jpg`: a deterministic reference JPEG for any name.
/// - `GET /sim/state`: what tests inspect in-process, as JSON, for out-of-process use.
struct SimulatorResponder: HTTPResponder {
    let service: SimulatedRunware

    static let imagePrefix = "/image/ws/2/ii/"
    static let assetPrefix = "/assets/inputs/"

    func respond(to request: HTTPRequest) async -> HTTPResponse {
        let path = request.path
        switch (request.method, path) {
        case ("POST", "/v1"), ("POST", "/v1/"):
            let reply = await TaskEndpoint(service: service).respond(
                authorization: request.header("Authorization"), body: request.body,
                dryRun: request.header("X-Runware-Dry-Run") == "1")
            return .json(status: reply.status, body: JSONCoding.encode(reply.body))
        case ("GET", "/sim/state"):
            return .json(status: 200, body: JSONCoding.encode(service.stateReport))
        case ("GET", _) where path.hasPrefix(Self.imagePrefix):
            return image(file: String(path.dropFirst(Self.imagePrefix.count)))
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

    private func image(file: String) -> HTTPResponse {
        let parts = file.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let image = service.servedImage(String(parts[0])),
            image.format.fileExtension == parts[1].lowercased()
        else {
            return notFound(Self.imagePrefix + file)
        }
        return HTTPResponse(
            status: 200, headers: [HTTPHeader(name: "Content-Type", value: image.format.mimeType)], body: image.bytes)
    }

    private func notFound(_ path: String) -> HTTPResponse {
        .error(status: 404, code: "not_found", message: "nothing is served at \(path)")
    }
}
