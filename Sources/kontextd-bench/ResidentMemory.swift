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

/// glibc's `malloc_trim(size_t pad)`: returns freed heap memory to the kernel. The Glibc module
/// does not export it; its C signature (size_t → int) is plain enough to bind by name.
@_silgen_name("malloc_trim")
private func glibcMallocTrim(_ pad: Int) -> Int32

/// Hands memory the process has freed back to the kernel, so a following RSS reading shows what
/// is in use rather than what earlier work left in the allocator.
enum MallocTrim {
    static func releaseFreeMemory() {
        _ = glibcMallocTrim(0)
    }
}
