import KontextCore

/// Bytes the simulator serves at `/image/ws/2/ii/<imageUUID>.<ext>`, exactly as reported in
/// `GeneratedImage.sha256` (already corrupted when the task asked for it).
struct ServedImage: Sendable {
    let format: OutputFormat
    let bytes: [UInt8]
}
