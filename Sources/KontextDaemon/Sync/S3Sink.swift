import Foundation
import KontextCrypto
import KontextNet
import KontextStore

/// `type: s3`: uploads each stored image to `<prefix><key>` in a bucket of any S3-compatible
/// store, with its JSON sidecar at `<prefix><key>.json`.
///
/// Requests are signed with AWS Signature V4 by libcurl (`CURLOPT_AWS_SIGV4`), carrying
/// `x-amz-content-sha256` (hex: libcurl 7.88 signs a body correctly only with it) and
/// `x-amz-checksum-sha256` (base64: the store recomputes it and refuses bytes that differ). The
/// object's user metadata names the task, the image, its SHA-256 and seed. When an earlier attempt
/// may have reached the store (`EarlierCopyCheck`: a backfill, a dead letter put back, a failed
/// attempt, an event from before this process started), a HEAD first skips the upload when the
/// object is already there with the same SHA-256; a fresh delivery's first attempt uploads at once
/// (image PUT, then sidecar PUT: two requests). A 403 (bad credentials, clock
/// skew) or a missing bucket pauses the sink without spending attempts.
struct S3Sink: DownstreamSink {
    let name: String
    let settings: S3SinkSettings
    let client: CurlHTTPClient
    let work: BlockingFileWork
    /// The sink's settings as they are now (a reload may have changed its credentials); nil: `settings`.
    var current: (@Sendable () -> S3SinkSettings?)? = nil

    /// SHA-256 of an empty body, signed for HEAD requests.
    static let emptyBodySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    /// The object key for an image.
    func key(for image: ImageToSync) -> String {
        settings.key(for: image.keyValues)
    }

    /// The URL of an object, path-style or virtual-hosted.
    func url(forKey key: String) -> String {
        let encodedKey = key.split(separator: "/", omittingEmptySubsequences: false).map { PercentEncoding.allButUnreserved(String($0)) }
            .joined(separator: "/")
        var endpoint = settings.endpoint
        while endpoint.hasSuffix("/") { endpoint.removeLast() }
        if settings.pathStyle { return "\(endpoint)/\(settings.bucket)/\(encodedKey)" }
        let schemeEnd = endpoint.range(of: "://")!.upperBound
        return String(endpoint[..<schemeEnd]) + settings.bucket + "." + String(endpoint[schemeEnd...]) + "/" + encodedKey
    }

    func deliver(_ delivery: SinkDelivery) async throws(SinkFailure) {
        guard let image = delivery.image else { return }
        let key = key(for: image)
        // The HEAD only when an earlier attempt may have left the object there (EarlierCopyCheck):
        // on a fresh delivery's first attempt it could only answer 404, at the cost of a request.
        let alreadyThere = delivery.mayAlreadyBeThere ? try await existingSHA256(key: key) == image.sha256 : false
        if !alreadyThere {
            let path = image.localPath
            let bytes: [UInt8]
            let digest: [UInt8]
            do {
                // Read and hashed once, on the file threads: the digest checks the file and signs the PUT.
                (bytes, digest) = try await work.run {
                    let bytes = try DurableFile.read(path: path)
                    return (bytes, SHA256Digest.hash(bytes))
                }
            } catch {
                throw .permanent("the local image \(path) cannot be read: \(error)")
            }
            guard Hex.encode(digest) == image.sha256 else {
                throw .permanent("the local image \(path) no longer hashes to \(image.sha256)")
            }
            var metadata = [
                ("x-amz-meta-task-uuid", image.taskUUID), ("x-amz-meta-image-uuid", image.imageUUID),
                ("x-amz-meta-sha256", image.sha256),
            ]
            if let seed = image.seed { metadata.append(("x-amz-meta-seed", String(seed))) }
            try await put(key: key, body: bytes, digest: digest, contentType: image.format.mimeType, metadata: metadata)
        }
        try await put(
            key: key + ".json", body: image.sidecar, digest: SHA256Digest.hash(image.sidecar), contentType: "application/json",
            metadata: [("x-amz-meta-image-uuid", image.imageUUID)])
    }

    /// The `sha256` metadata of the object at `key`; nil when there is none.
    private func existingSHA256(key: String) async throws(SinkFailure) -> String? {
        var request = HTTPClientRequest(method: "HEAD", url: url(forKey: key), timeout: settings.timeout)
        request.addHeader("x-amz-content-sha256", Self.emptyBodySHA256)
        let response = try await send(request)
        switch response.status {
        case 200: return response.header("x-amz-meta-sha256")
        case 404: return nil
        default: throw failure(response, operation: "HEAD \(key)")
        }
    }

    private func put(
        key: String, body: [UInt8], digest: [UInt8], contentType: String, metadata: [(String, String)]
    ) async throws(SinkFailure) {
        var request = HTTPClientRequest(method: "PUT", url: url(forKey: key), body: body, timeout: settings.timeout)
        request.addHeader("Content-Type", contentType)
        request.addHeader("x-amz-content-sha256", Hex.encode(digest))
        request.addHeader("x-amz-checksum-sha256", Data(digest).base64EncodedString())
        // What the AWS SDKs send beside it; some S3-compatible stores (moto) keep the checksum only then.
        request.addHeader("x-amz-sdk-checksum-algorithm", "SHA256")
        for (name, value) in metadata { request.addHeader(name, value) }
        let response = try await send(request)
        guard (200..<300).contains(response.status) else { throw failure(response, operation: "PUT \(key)") }
    }

    private func send(_ request: HTTPClientRequest) async throws(SinkFailure) -> HTTPClientResponse {
        var request = request
        // Read for every request: credentials replaced by a reload (SIGHUP) sign the next one.
        let credentials = current?() ?? settings
        request.awsSignature = AWSSignatureV4(
            accessKeyID: credentials.accessKeyID, secretAccessKey: credentials.secretAccessKey, region: settings.region)
        if let token = credentials.sessionToken { request.addHeader("x-amz-security-token", token) }
        do {
            return try await client.execute(request)
        } catch {
            throw .retry("\(error)")
        }
    }

    /// 403 and a missing bucket pause the sink (every request would fail alike); the rest is retried.
    private func failure(_ response: HTTPClientResponse, operation: String) -> SinkFailure {
        let code = Self.xmlElement("Code", in: response.body)
        let message = Self.xmlElement("Message", in: response.body)
        var reason = "\(operation) in bucket \(settings.bucket): HTTP \(response.status)"
        if let code { reason += " \(code)" }
        if let message { reason += ": \(message)" }
        if response.status == 403 || code == "NoSuchBucket" { return .pause(reason) }
        return .retry(reason)
    }

    /// The text of the first `<name>…</name>` in an S3 error document.
    static func xmlElement(_ name: String, in body: [UInt8]) -> String? {
        let text = String(decoding: body.prefix(4096), as: UTF8.self)
        guard let start = text.range(of: "<\(name)>"), let end = text.range(of: "</\(name)>", range: start.upperBound..<text.endIndex)
        else { return nil }
        return String(text[start.upperBound..<end.lowerBound])
    }
}
