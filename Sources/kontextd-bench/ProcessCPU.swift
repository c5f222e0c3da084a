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
}
