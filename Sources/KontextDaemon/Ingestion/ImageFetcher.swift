import Foundation
import KontextCore
import KontextNet

/// Why an image's bytes could not be had, and whether trying again can help.
struct ImageFetchError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, for the result's failure reason.
    let reason: String
    /// True for faults that may pass (timeouts, 5xx, dropped connections).
    let isTransient: Bool
    /// True when the URL answered 403/404/410: it expired, and only a fresh URL can help.
    var urlExpired = false

    var description: String { reason }
}

/// Where a result's image bytes come from. `ImageFetcher` (libcurl and inline data) is the one
/// implementation; a test can hand the ingestor bytes directly.
/// Consumer: `ResultIngestor` (Daemon/Ingestion/).
protocol ImageSourceFetching: Sendable {
    /// The image bytes for `source`; throws saying whether trying again can help.
    func bytes(for source: ImageSource) async throws(ImageFetchError) -> [UInt8]
}

/// Gets a result's image bytes: downloads an `imageURL` from an allowed host with libcurl, or
/// decodes inline base64 / data-URI data.
struct ImageFetcher: ImageSourceFetching {
    let client: CurlHTTPClient
    let configuration: DaemonConfiguration.Images

    /// Why `url` may not be fetched, or nil when it may: https (or http with `images.allowHTTP`)
    /// and a host on the allow-list (`host` or `*.suffix`). Where the host resolves is checked
    /// later, at connect time (`connectAddressCheck`).
    func refusal(of url: String) -> String? {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
            let host = components.host?.lowercased(), !host.isEmpty
        else { return "image URL is not an absolute URL with a host" }
        guard scheme == "https" || (scheme == "http" && configuration.allowHTTP) else {
            return scheme == "http"
                ? "image URL is http, not https (images.allowHTTP is false)"
                : "image URL scheme \(scheme) is not https"
        }
        let allowed = configuration.allowedHosts.contains { pattern in
            let pattern = pattern.lowercased()
            if pattern.hasPrefix("*.") { return host.hasSuffix(String(pattern.dropFirst(1))) }
            return host == pattern
        }
        return allowed ? nil : "image URL host is not allowed (images.allowedHosts = \(configuration.allowedHosts))"
    }

    /// True when `url` may be fetched (see `refusal(of:)`).
    func isAllowed(_ url: String) -> Bool {
        refusal(of: url) == nil
    }

    /// The image bytes for `source`.
    func bytes(for source: ImageSource) async throws(ImageFetchError) -> [UInt8] {
        switch source {
        case .url(let url):
            return try await download(url)
        case .base64, .dataURI:
            do {
                return try InlineImageData.decode(source).bytes
            } catch {
                throw ImageFetchError(reason: "inline image data: \(error)", isTransient: false)
            }
        }
    }

    private func download(_ url: String) async throws(ImageFetchError) -> [UInt8] {
        if let refusal = refusal(of: url) {
            throw ImageFetchError(reason: "\(refusal): \(url)", isTransient: false)
        }
        var request = HTTPClientRequest(method: "GET", url: url, timeout: configuration.downloadTimeout)
        request.maxResponseBytes = configuration.maxBytes
        request.lowSpeedLimit = (bytesPerSecond: 1024, seconds: configuration.stallSeconds)
        request.allowedProtocols = configuration.allowHTTP ? "http,https" : "https"
        if let proxy = configuration.proxy {
            // Through a proxy the proxy resolves the name; its own address is the operator's choice.
            request.proxy = .url(proxy)
        } else {
            request.proxy = .none
            let policy = ConnectAddressPolicy(allowPrivateAddresses: configuration.allowPrivateAddresses)
            request.connectAddressCheck = { policy.refusal($0) }
        }
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request)
        } catch {
            throw ImageFetchError(reason: "download failed: \(error)", isTransient: ![.responseTooLarge, .invalidURL, .addressRefused].contains(error.kind))
        }
        switch response.status {
        case 200:
            return response.body
        case 408, 425, 429, 500...599:
            throw ImageFetchError(reason: "download answered HTTP \(response.status)", isTransient: true)
        case 403, 404, 410:
            // The URL expired (or never existed): retrying it cannot help, a fresh one may.
            var error = ImageFetchError(reason: "download answered HTTP \(response.status) (URL expired?)", isTransient: false)
            error.urlExpired = true
            throw error
        default:
            throw ImageFetchError(reason: "download answered HTTP \(response.status)", isTransient: false)
        }
    }
}
