/// The structural check of a JPEG file: SOI, a walk over the marker segments, entropy-coded
/// data after each SOS skipped up to the next real marker, exactly one SOFn giving the size,
/// at least one SOS, and EOI as the last two bytes.
enum JPEGStructure {
    /// Most scans (SOS segments) accepted. A progressive JPEG's decode cost grows with its scan
    /// count (each scan passes over the whole coefficient buffer); an encoder's progressive
    /// script has about ten, so a file with hundreds is built to burn CPU, not to show an image.
    static let maximumScans = 64

    /// Walks the markers and returns the SOF size, or why the file is not a whole JPEG.
    static func inspect(_ bytes: UnsafeRawBufferPointer) -> Result<ImageSize, ImageVerificationError> {
        func truncated(_ detail: String) -> Result<ImageSize, ImageVerificationError> {
            .failure(ImageVerificationError(kind: .truncated, detail: "JPEG " + detail))
        }
        func corrupt(_ detail: String) -> Result<ImageSize, ImageVerificationError> {
            .failure(ImageVerificationError(kind: .corrupt, detail: "JPEG " + detail))
        }
        let count = bytes.count
        guard count >= 2 else { return truncated("ends after \(count) bytes, inside SOI") }
        guard bytes[0] == 0xFF, bytes[1] == 0xD8 else { return corrupt("does not start with SOI (FF D8)") }

        var offset = 2
        var size: ImageSize?
        var scans = 0
        while true {
            guard offset < count else { return truncated("ends at offset \(count) before EOI") }
            guard bytes[offset] == 0xFF else {
                return corrupt("byte 0x\(String(bytes[offset], radix: 16)) at offset \(offset) where a marker (0xFF) was expected")
            }
            // Any number of 0xFF fill bytes may precede a marker code.
            var codeOffset = offset + 1
            while codeOffset < count && bytes[codeOffset] == 0xFF { codeOffset += 1 }
            guard codeOffset < count else { return truncated("ends at offset \(count) inside a marker before EOI") }
            let marker = bytes[codeOffset]
            let markerName = "marker FF \(String(marker, radix: 16, uppercase: true)) at offset \(offset)"

            switch marker {
            case 0xD9:  // EOI
                guard let size else { return corrupt("EOI at offset \(offset) without a frame header (SOFn)") }
                guard scans > 0 else { return corrupt("EOI at offset \(offset) without any scan (SOS)") }
                let end = codeOffset + 1
                guard end == count else { return corrupt("\(count - end) bytes after EOI (which ends at offset \(end))") }
                return .success(size)
            case 0x00, 0xD8:
                return corrupt("\(markerName) is not allowed here")
            case 0x01, 0xD0...0xD7:  // TEM and stray RSTn stand alone, without a length.
                offset = codeOffset + 1
                continue
            default:
                break
            }

            guard count - codeOffset - 1 >= 2 else { return truncated("ends inside the length of \(markerName)") }
            let length = Int(bytes.imageUInt16BE(at: codeOffset + 1))
            guard length >= 2 else { return corrupt("\(markerName) has segment length \(length), below the minimum 2") }
            let segment = codeOffset + 1
            let segmentEnd = segment + length
            guard segmentEnd <= count else {
                return truncated("\(markerName) declares a \(length)-byte segment but the file ends \(count - segment) bytes into it")
            }

            if isFrameHeader(marker) {
                guard size == nil else { return corrupt("second frame header (SOFn) at offset \(offset)") }
                guard length >= 8 else { return corrupt("frame header at offset \(offset) has length \(length), below 8") }
                let height = Int(bytes.imageUInt16BE(at: segment + 3))
                let width = Int(bytes.imageUInt16BE(at: segment + 5))
                let components = Int(bytes[segment + 7])
                guard length == 8 + 3 * components else {
                    return corrupt("frame header at offset \(offset) has length \(length) for \(components) components (expected \(8 + 3 * components))")
                }
                guard components > 0, width > 0, height > 0 else {
                    return corrupt("frame header at offset \(offset) declares \(width)x\(height) with \(components) components")
                }
                size = ImageSize(width: width, height: height)
            } else if marker == 0xDA {
                guard size != nil else { return corrupt("scan (SOS) at offset \(offset) before any frame header (SOFn)") }
                scans += 1
                guard scans <= maximumScans else {
                    return corrupt("more than \(maximumScans) scans (SOS) by offset \(offset); no encoder needs that many")
                }
                guard let next = nextMarker(in: bytes, from: segmentEnd) else {
                    return truncated("entropy-coded data after the SOS at offset \(offset) runs to the end of the file without EOI")
                }
                offset = next
                continue
            }
            offset = segmentEnd
        }
    }

    /// SOF0–SOF15 except DHT (C4), JPG (C8) and DAC (CC), which share the range.
    private static func isFrameHeader(_ marker: UInt8) -> Bool {
        marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC
    }

    /// The offset of the 0xFF starting the first marker after entropy-coded data, skipping
    /// stuffed `FF 00`, restart markers `FF D0`–`FF D7` and fill bytes; nil at end of data.
    private static func nextMarker(in bytes: UnsafeRawBufferPointer, from start: Int) -> Int? {
        let count = bytes.count
        var position = start
        while position < count - 1 {
            guard bytes[position] == 0xFF else {
                position += 1
                continue
            }
            let following = bytes[position + 1]
            if following == 0x00 || (following >= 0xD0 && following <= 0xD7) {
                position += 2
            } else if following == 0xFF {
                // A fill byte: the run of 0xFF ends in the marker code (or stuffing) to examine next.
                position += 1
            } else {
                return position
            }
        }
        return nil
    }
}
