/// The image file format Runware is asked to produce (`outputFormat`).
///
/// The wire value is uppercase; input is accepted in any case, as Runware's own examples vary.
package enum OutputFormat: String, Sendable, Hashable, CaseIterable, Codable {
    case jpg = "JPG"
    case png = "PNG"
    case webp = "WEBP"

    /// Parses a wire value in any letter case (`jpg`, `JPG`, `Jpg`); `JPEG` is taken as `JPG`.
    package init?(wireValue: String) {
        switch wireValue.uppercased() {
        case "JPG", "JPEG": self = .jpg
        case "PNG": self = .png
        case "WEBP": self = .webp
        default: return nil
        }
    }

    /// The MIME type served for images of this format.
    package var mimeType: String {
        switch self {
        case .jpg: return "image/jpeg"
        case .png: return "image/png"
        case .webp: return "image/webp"
        }
    }

    /// The file extension used for stored images.
    package var fileExtension: String {
        switch self {
        case .jpg: return "jpg"
        case .png: return "png"
        case .webp: return "webp"
        }
    }
}

/// How Runware returns each image (`outputType`): a URL to fetch, or the bytes inline.
package enum OutputType: String, Sendable, Hashable, CaseIterable, Codable {
    case url = "URL"
    case base64Data = "base64Data"
    case dataURI = "dataURI"
}

/// A width×height pair in pixels.
package struct ImageSize: Sendable, Hashable, Codable, CustomStringConvertible {
    package let width: Int
    package let height: Int

    package init(width: Int, height: Int) {
        self.width = width
        self.height = height
    }

    /// Parses `1248x832`; nil when the text is not two positive integers joined by `x`.
    package init?(parsing text: String) {
        let parts = text.lowercased().split(separator: "x")
        guard parts.count == 2, let width = Int(parts[0]), let height = Int(parts[1]), width > 0, height > 0 else {
            return nil
        }
        self.init(width: width, height: height)
    }

    package var description: String { "\(width)x\(height)" }

    /// The output sizes FLUX.1 Kontext [dev] supports (protocol notes, model page).
    package static let kontextSizes: [ImageSize] = [
        (1568, 672), (1504, 688), (1456, 720), (1392, 752), (1328, 800), (1248, 832), (1184, 880),
        (1104, 944), (1024, 1024), (944, 1104), (880, 1184), (832, 1248), (800, 1328), (752, 1392),
        (720, 1456), (688, 1504), (672, 1568),
    ].map { ImageSize(width: $0.0, height: $0.1) }

    /// The longest side of any supported size (1568).
    package static let largestKontextSide = kontextSizes.map { max($0.width, $0.height) }.max()!
    /// The most pixels of any supported size (1328x800 = 1,062,400).
    package static let largestKontextPixelCount = kontextSizes.map { $0.width * $0.height }.max()!
}
