import Foundation

/// CPU time this process has used (user + system, every thread; `getrusage(RUSAGE_SELF)`).
///
/// With the daemon in-process and wrk in its own process, CPU time per acknowledged request is
/// the daemon's cost per request: unlike a rate, it hardly moves when something else competes
/// for the cores, so it is the figure to compare across commits on a busy machine.
enum ProcessCPU {
    /// Seconds of CPU used so far.
    static func seconds() -> Double {
        var usage = rusage()
        guard getrusage(RUSAGE_SELF.rawValue, &usage) == 0 else { return 0 }
        func value(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1_000_000 }
        return value(usage.ru_utime) + value(usage.ru_stime)
    }

    /// Seconds of CPU another process has used so far (Linux `/proc/<pid>/stat`; NaN when unreadable):
    /// the sync part reads moto's, the single Python process every S3 client of the bench waits on.
    static func seconds(process: Int32) -> Double {
        guard let text = try? String(contentsOfFile: "/proc/\(process)/stat", encoding: .utf8),
            let close = text.lastIndex(of: ")")
        else { return .nan }
        // After "pid (comm)": field 3 is state, so utime (14) and stime (15) are at offsets 11 and 12.
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return .nan }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }
}
