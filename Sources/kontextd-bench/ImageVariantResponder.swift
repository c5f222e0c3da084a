import KontextCore
import KontextNet

/// Serves `GET /image/<index>.jpg` and `/image/<index>.png`: variant `index` of the bench's
/// ~1 MB base images, made per request (only the two bases are held in memory).
struct ImageVariantResponder: HTTPResponder {
    let images: IngestionImages

    /// The URL path of variant `index` in `format`.
    static func path(index: Int, format: OutputFormat) -> String {
        "/image/\(index).\(format.fileExtension)"
    }

    func respond(to request: HTTPRequest) async -> HTTPResponse {
        let name = request.path.split(separator: "/").last ?? ""
        let parts = name.split(separator: ".")
        guard request.path.hasPrefix("/image/"), parts.count == 2, let index = Int(parts[0]) else {
            return HTTPResponse(status: 404)
        }
        let format: OutputFormat = parts[1] == "png" ? .png : .jpg
        return HTTPResponse(
            status: 200, headers: [HTTPHeader(name: "Content-Type", value: format.mimeType)],
            body: images.variant(format, index: index))
    }
}
