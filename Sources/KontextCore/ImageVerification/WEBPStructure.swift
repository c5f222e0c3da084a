/// The structural check of a WEBP file: the RIFF header's length against the file length, a
/// walk over the chunks (odd sizes padded to even), and the image header of the simple lossy
/// (`VP8 `), lossless (`VP8L`) or extended (`VP8X`) form.
enum WEBPStructure {
    /// Walks the chunks and returns the image or canvas size, or why the file is not a whole WEBP.
    static func inspect(_ bytes: UnsafeRawBufferPointer) -> Result<ImageSize, ImageVerificationError> {
        func truncated(_ detail: String) -> Result<ImageSize, ImageVerificationError> {
            .failure(ImageVerificationError(kind: .truncated, detail: "WEBP " + detail))
        }
        func corrupt(_ detail: String) -> Result<ImageSize, ImageVerificationError> {
            .failure(ImageVerificationError(kind: .corrupt, detail: "WEBP " + detail))
        }
        let count = bytes.count
        guard count >= 12 else { return truncated("ends after \(count) bytes, inside the 12-byte RIFF header") }
        guard bytes.imageFourCC(at: 0) == "RIFF", bytes.imageFourCC(at: 8) == "WEBP" else {
            return corrupt("does not start with RIFF....WEBP")
        }
        let riffLength = Int(bytes.imageUInt32LE(at: 4))
        guard riffLength == count - 8 else {
            if riffLength > count - 8 {
                return truncated("RIFF header declares \(riffLength) bytes after offset 8 but the file has \(count - 8)")
            }
            return corrupt("RIFF header declares \(riffLength) bytes after offset 8 but the file has \(count - 8) (trailing bytes)")
        }

        var offset = 12
        var extended: (size: ImageSize, animated: Bool)?
        var image: (size: ImageSize, chunk: String)?
        var sawFrame = false
        var isFirst = true
        while offset < count {
            guard count - offset >= 8 else {
                return corrupt("\(count - offset) stray bytes at offset \(offset), too few for a chunk header")
            }
            let type = bytes.imageFourCC(at: offset)
            let length = Int(bytes.imageUInt32LE(at: offset + 4))
            let data = offset + 8
            let padded = length + (length & 1)
            guard count - data >= padded else {
                return corrupt("chunk \(type) at offset \(offset) declares \(length) bytes (\(padded) padded) but only \(count - data) remain in the RIFF data")
            }
            let payload = UnsafeRawBufferPointer(rebasing: bytes[data..<(data + length)])

            if isFirst && type != "VP8 " && type != "VP8L" && type != "VP8X" {
                return corrupt("first chunk is \(type) at offset \(offset), expected VP8, VP8L or VP8X")
            }
            switch type {
            case "VP8X":
                guard isFirst else { return corrupt("VP8X at offset \(offset) is not the first chunk") }
                guard length >= 10 else { return corrupt("VP8X at offset \(offset) has \(length) bytes, expected 10") }
                let width = Int(payload.imageUInt24LE(at: 4)) + 1
                let height = Int(payload.imageUInt24LE(at: 7)) + 1
                extended = (ImageSize(width: width, height: height), payload[0] & 0x02 != 0)
            case "VP8 ", "VP8L":
                guard image == nil else { return corrupt("second image chunk \(type) at offset \(offset)") }
                let header = type == "VP8 " ? lossyHeader(payload) : losslessHeader(payload)
                switch header {
                case .success(let size): image = (size, type)
                case .failure(let problem): return corrupt("\(type) chunk at offset \(offset): \(problem.reason)")
                }
            case "ANMF":
                sawFrame = true
            default:
                break  // ICCP, ALPH, EXIF, XMP, ANIM and unknown chunks carry nothing to check here.
            }
            isFirst = false
            offset = data + padded
        }

        guard let extended else {
            // The first-chunk rule leaves a simple file's image chunk set.
            guard let image else { return corrupt("no image chunk") }
            return .success(image.size)
        }
        if extended.animated {
            guard sawFrame || image != nil else { return corrupt("animated VP8X file without any ANMF frame") }
            return .success(extended.size)
        }
        guard let image else { return corrupt("VP8X file without a VP8 or VP8L image chunk") }
        guard image.size == extended.size else {
            return corrupt("VP8X canvas \(extended.size) differs from its \(image.chunk) image \(image.size)")
        }
        return .success(extended.size)
    }

    struct HeaderProblem: Error { let reason: String }

    /// A lossy key frame: 3-byte frame tag, start code 9D 01 2A, then 14-bit width and height.
    private static func lossyHeader(_ payload: UnsafeRawBufferPointer) -> Result<ImageSize, HeaderProblem> {
        guard payload.count >= 10 else { return .failure(HeaderProblem(reason: "\(payload.count) bytes, too short for a frame header")) }
        let tag = payload.imageUInt24LE(at: 0)
        guard tag & 1 == 0 else { return .failure(HeaderProblem(reason: "frame is not a key frame")) }
        let firstPartition = Int(tag >> 5)
        guard payload[3] == 0x9D, payload[4] == 0x01, payload[5] == 0x2A else {
            return .failure(HeaderProblem(reason: "start code is not 9D 01 2A"))
        }
        guard firstPartition <= payload.count - 10 else {
            return .failure(HeaderProblem(reason: "first partition of \(firstPartition) bytes exceeds the \(payload.count - 10) bytes present"))
        }
        let width = Int(payload.imageUInt16LE(at: 6) & 0x3FFF)
        let height = Int(payload.imageUInt16LE(at: 8) & 0x3FFF)
        guard width > 0, height > 0 else { return .failure(HeaderProblem(reason: "declares \(width)x\(height)")) }
        return .success(ImageSize(width: width, height: height))
    }

    /// A lossless bitstream: signature 0x2F, then 14-bit width-1, 14-bit height-1, alpha bit, 3-bit version 0.
    private static func losslessHeader(_ payload: UnsafeRawBufferPointer) -> Result<ImageSize, HeaderProblem> {
        guard payload.count >= 5 else { return .failure(HeaderProblem(reason: "\(payload.count) bytes, too short for a header")) }
        guard payload[0] == 0x2F else {
            return .failure(HeaderProblem(reason: "signature byte is 0x\(String(payload[0], radix: 16)), expected 0x2f"))
        }
        let bits = payload.imageUInt32LE(at: 1)
        guard bits >> 29 == 0 else { return .failure(HeaderProblem(reason: "version \(bits >> 29), expected 0")) }
        return .success(ImageSize(width: Int(bits & 0x3FFF) + 1, height: Int((bits >> 14) & 0x3FFF) + 1))
    }
}
