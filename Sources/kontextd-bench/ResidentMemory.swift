import Foundation

/// This process's resident memory, as the kernel reports it (`VmRSS` in `/proc/self/status`).
///
/// The daemon runs inside the bench process, so this is the daemon's memory plus the bench's
/// own (small: wrk runs as a separate process).
enum ResidentMemory {
    /// The current resident set size in bytes, or nil when `/proc/self/status` cannot be read.
    static func current() -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            // "VmRSS:     123456 kB"
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count >= 2, let kilobytes = Int(fields[1]) else { return nil }
            return kilobytes * 1024
        }
        return nil
    }
}
