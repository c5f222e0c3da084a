import Foundation
import KontextCore

/// What ImageMagick's `identify` says about a file: its format name and pixel size.
struct ImageIdentification: Equatable {
    let format: String
    let width: Int
    let height: Int

    /// Writes `bytes` to a temporary file and runs `/usr/bin/identify` on it; nil when
    /// identify cannot decode the file (it exits non-zero) or prints something unexpected.
    static func identify(_ bytes: [UInt8]) throws -> ImageIdentification? {
        let file = FileManager.default.temporaryDirectory
            .appendingPathComponent("runware-sim-\(UUID().uuidString)")
        try Data(bytes).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/identify")
        // -regard-warnings turns a damaged-but-partly-decodable file into a failure.
        process.arguments = ["-regard-warnings", "-format", "%m %w %h", file.path]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = Pipe()
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        let fields = String(decoding: data, as: UTF8.self).split(separator: " ")
        guard fields.count == 3, let width = Int(fields[1]), let height = Int(fields[2]) else { return nil }
        return ImageIdentification(format: String(fields[0]), width: width, height: height)
    }

    /// The name `identify` uses for each output format.
    static func magickName(of format: OutputFormat) -> String {
        switch format {
        case .jpg: return "JPEG"
        case .png: return "PNG"
        case .webp: return "WEBP"
        }
    }
}
