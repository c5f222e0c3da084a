import CImageCodecs
import Foundation
import KontextCore

/// The last check before an image is kept: decode every pixel with libjpeg-turbo, libpng or libwebp.
/// Structural verification (`ImageVerifier`) cannot see damage inside a JPEG's scan data or a
/// WEBP's VP8/VP8L payload, which carry no checksum; decoding them does (libjpeg-turbo's warnings
/// count as errors). A PNG's chunk CRCs (checked by `ImageVerifier`) vouch for the bytes as written,
/// not for what they hold: a zlib stream that ends early or holds fewer rows than the header
/// declares passes every CRC, and only the decode finds it. The decode also gives the thumbnail's pixels.
enum PixelDecodeCheck {
    /// Nil when `bytes` decode completely as `format`; otherwise the decoder's reason. An image
    /// whose header (as the decoder reads it) exceeds `bounds` fails before any pixel memory is allocated.
    static func failure(_ bytes: [UInt8], format: OutputFormat, bounds: ImageBounds = .kontext) -> String? {
        let maxSide = Int32(clamping: bounds.maximumSide)
        let maxPixels = bounds.maximumPixels
        var width: Int32 = 0
        var height: Int32 = 0
        var message = [CChar](repeating: 0, count: 256)
        let status = bytes.withUnsafeBufferPointer { buffer -> Int32 in
            guard let base = buffer.baseAddress else { return -1 }
            return message.withUnsafeMutableBufferPointer { text in
                switch format {
                case .jpg:
                    kx_jpeg_decode_check(base, UInt(buffer.count), maxSide, maxPixels, &width, &height, text.baseAddress, text.count)
                case .png:
                    kx_png_decode_check(base, buffer.count, maxSide, maxPixels, &width, &height, text.baseAddress, text.count)
                case .webp:
                    kx_webp_decode_check(base, buffer.count, maxSide, maxPixels, &width, &height, text.baseAddress, text.count)
                }
            }
        }
        guard status != 0 else { return nil }
        let reason = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return "\(format.rawValue) does not decode: \(reason.isEmpty ? "empty image" : reason)"
    }
}

/// Memory the decode checks may hold at once, in bytes: each decode reserves its compressed bytes
/// plus 4 bytes per declared pixel before it starts and waits while the budget is spent, so the
/// number of images decoded at once follows their size, not only `images.concurrency`.
///
/// `reserve` blocks the calling thread: it is called on the ingestion thread pool, whose threads
/// exist only to run these checks, never on the Swift concurrency pool.
final class DecodeMemoryBudget: @unchecked Sendable {
    // @unchecked: `inUse` and `waiting` are only read or written while `condition` is locked.
    /// The whole budget in bytes.
    let capacity: Int
    private let condition = NSCondition()
    private var inUse = 0
    private var waiting = 0

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// Bytes reserved right now.
    var bytesInUse: Int {
        condition.lock()
        defer { condition.unlock() }
        return inUse
    }

    /// Threads waiting for room right now.
    var waiters: Int {
        condition.lock()
        defer { condition.unlock() }
        return waiting
    }

    /// The estimate for decoding an image: its bytes plus RGBA pixels, saturating instead of trapping.
    static func estimate(byteCount: Int, width: Int, height: Int) -> Int {
        let (pixels, overflow) = max(0, width).multipliedReportingOverflow(by: max(0, height))
        let (decoded, overflow2) = pixels.multipliedReportingOverflow(by: 4)
        let (total, overflow3) = decoded.addingReportingOverflow(max(0, byteCount))
        return overflow || overflow2 || overflow3 ? Int.max : total
    }

    /// Waits until `bytes` fit and reserves them; returns the amount reserved (a request above
    /// the whole budget reserves all of it, so it runs, alone).
    func reserve(_ bytes: Int) -> Int {
        let amount = min(max(0, bytes), capacity)
        condition.lock()
        defer { condition.unlock() }
        waiting += 1
        while capacity - inUse < amount { condition.wait() }
        waiting -= 1
        inUse += amount
        return amount
    }

    /// Returns a reservation made by `reserve`.
    func release(_ amount: Int) {
        condition.lock()
        inUse -= amount
        condition.broadcast()
        condition.unlock()
    }

    /// Runs `body` holding a reservation of `bytes`.
    func withReservation<T>(_ bytes: Int, _ body: () throws -> T) rethrows -> T {
        let amount = reserve(bytes)
        defer { release(amount) }
        return try body()
    }
}
