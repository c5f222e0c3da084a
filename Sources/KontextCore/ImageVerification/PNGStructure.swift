/// The structural check of a PNG file: signature, every chunk's length and CRC-32, IHDR first,
/// PLTE when the colour type needs it, consecutive IDAT chunks, IEND last and nothing after it.
enum PNGStructure {
    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// Walks the chunks and returns the IHDR size, or why the file is not a whole PNG.
    static func inspect(_ bytes: UnsafeRawBufferPointer) -> Result<ImageSize, ImageVerificationError> {
        func truncated(_ detail: String) -> Result<ImageSize, ImageVerificationError> {
            .failure(ImageVerificationError(kind: .truncated, detail: "PNG " + detail))
        }
        func corrupt(_ detail: String) -> Result<ImageSize, ImageVerificationError> {
            .failure(ImageVerificationError(kind: .corrupt, detail: "PNG " + detail))
        }
        guard bytes.count >= signature.count else {
            return truncated("ends after \(bytes.count) bytes, inside the 8-byte signature")
        }
        guard signature.indices.allSatisfy({ bytes[$0] == signature[$0] }) else {
            return corrupt("signature bytes are not 89 50 4E 47 0D 0A 1A 0A")
        }

        var offset = signature.count
        var size: ImageSize?
        var colorType: UInt8 = 0
        var sawPalette = false
        var idatRun = IDATRun.none
        while true {
            guard bytes.count - offset >= 8 else {
                return truncated("ends at offset \(bytes.count) inside a chunk header at offset \(offset); IEND missing")
            }
            let length = Int(bytes.imageUInt32BE(at: offset))
            let typeBytes = (4..<8).map { bytes[offset + $0] }
            let type = bytes.imageFourCC(at: offset + 4)
            guard typeBytes.allSatisfy({ ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) }) else {
                return corrupt("chunk at offset \(offset): type \(type) is not four ASCII letters")
            }
            guard length <= 0x7FFF_FFFF else {
                return corrupt("chunk \(type) at offset \(offset): length \(length) exceeds the 2^31-1 maximum")
            }
            guard bytes.count - offset - 12 >= length else {
                return truncated(
                    "chunk \(type) at offset \(offset) declares \(length) data bytes but the file ends \(bytes.count - offset - 8) bytes into it (with its 4-byte CRC)")
            }
            let stored = bytes.imageUInt32BE(at: offset + 8 + length)
            let computed = CRC32.checksum(UnsafeRawBufferPointer(rebasing: bytes[(offset + 4)..<(offset + 8 + length)]))
            guard stored == computed else {
                return corrupt("chunk \(type) at offset \(offset): CRC mismatch (stored \(imageHex(stored)), computed \(imageHex(computed)))")
            }
            let data = offset + 8

            if size == nil && type != "IHDR" {
                return corrupt("first chunk is \(type) at offset \(offset), expected IHDR")
            }
            switch type {
            case "IHDR":
                guard size == nil else { return corrupt("second IHDR chunk at offset \(offset)") }
                guard length == 13 else { return corrupt("IHDR at offset \(offset) has length \(length), expected 13") }
                let width = Int(bytes.imageUInt32BE(at: data))
                let height = Int(bytes.imageUInt32BE(at: data + 4))
                guard width > 0, height > 0, width <= 0x7FFF_FFFF, height <= 0x7FFF_FFFF else {
                    return corrupt("IHDR declares impossible dimensions \(width)x\(height)")
                }
                let bitDepth = bytes[data + 8]
                colorType = bytes[data + 9]
                guard let allowedDepths = allowedBitDepths[colorType] else {
                    return corrupt("IHDR colour type \(colorType) is not one of 0, 2, 3, 4, 6")
                }
                guard allowedDepths.contains(bitDepth) else {
                    return corrupt("IHDR bit depth \(bitDepth) is not allowed for colour type \(colorType)")
                }
                size = ImageSize(width: width, height: height)
            case "PLTE":
                guard idatRun == .none else { return corrupt("PLTE at offset \(offset) comes after IDAT") }
                sawPalette = true
            case "IDAT":
                if colorType == 3 && !sawPalette {
                    return corrupt("IDAT at offset \(offset) before the PLTE that colour type 3 requires")
                }
                // The spec requires IDAT chunks to be consecutive; a gap means a spliced or damaged file.
                guard idatRun != .ended else { return corrupt("IDAT at offset \(offset) after other chunks ended the image data") }
                idatRun = .running
            case "IEND":
                guard idatRun != .none else { return corrupt("IEND at offset \(offset) with no IDAT chunk before it") }
                guard length == 0 else { return corrupt("IEND at offset \(offset) has length \(length), expected 0") }
                let end = offset + 12
                guard end == bytes.count else {
                    return corrupt("\(bytes.count - end) bytes after IEND (which ends at offset \(end))")
                }
                // `size` is set: the first-chunk check above guarantees IHDR came first.
                return size.map { .success($0) } ?? corrupt("no IHDR")
            default:
                if idatRun == .running { idatRun = .ended }
            }
            offset += 12 + length
        }
    }

    private enum IDATRun { case none, running, ended }

    /// PNG specification, table 11.1.
    private static let allowedBitDepths: [UInt8: Set<UInt8>] = [
        0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16],
    ]
}
