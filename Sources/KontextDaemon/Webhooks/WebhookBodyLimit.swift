import KontextCore

/// The default cap on a webhook body, derived from the largest delivery Runware can make for
/// FLUX.1 Kontext [dev] rather than picked: Runware posts one result per webhook, so the largest
/// body carries one image inline (`outputType` `base64Data` or `dataURI`).
///
/// Worst case for that image: an uncompressed RGBA PNG of the model's largest output size
/// (1568×672 = 1,053,696 pixels): 4 bytes per pixel plus one filter byte per row, plus zlib's
/// 5 bytes per 64 KiB stored block, plus the PNG's own chunks. Base64 makes it 4/3 larger; JSON
/// may escape its `/` as `\/` (one character in 64 on average, budgeted as 1/32); 64 KiB more covers
/// the result's other fields and a data URI's prefix. JPEG and WEBP at the same size are smaller
/// in practice. The result, about 5.9 MB, is rounded up to whole MiB: 6 MiB, where a URL-output
/// delivery is a few hundred bytes. A larger `webhook.maxBodyBytes` is only needed if Runware's
/// output ever grows beyond the sizes in `ImageSize.kontextSizes`.
package enum WebhookBodyLimit {
    /// The derived default, in bytes (6 MiB with today's model sizes).
    package static let derived: Int = {
        let rowBytes = ImageSize.kontextSizes.map { (4 * $0.width + 1) * $0.height }.max() ?? 0
        let png = rowBytes + (rowBytes / 65_535 + 1) * 5 + 1024
        let base64 = (png + 2) / 3 * 4
        let escaped = base64 + base64 / 32
        let total = escaped + 64 * 1024
        let mebibyte = 1 << 20
        return (total + mebibyte - 1) / mebibyte * mebibyte
    }()
}
