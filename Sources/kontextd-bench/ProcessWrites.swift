import Foundation

/// Bytes this process has caused to be written to storage (`write_bytes` in `/proc/self/io`):
/// with the daemon in-process, mostly SQLite's WAL and checkpoints.
enum ProcessWrites {
    /// The running total in bytes, or nil when `/proc/self/io` cannot be read.
    static func current() -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/self/io", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("write_bytes:") {
            return Int(line.dropFirst("write_bytes:".count).trimmingCharacters(in: .whitespaces))
        }
        return nil
    }
}
