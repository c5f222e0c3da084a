#if canImport(Glibc)
import Glibc
#endif

/// The process's open-file limit. systemd (and most shells) start processes with a soft limit of
/// 1024 under a much higher hard one; a listener capped at `webhook.maxConnections` plus the store,
/// images and curl needs more, so the daemon raises its soft limit to the hard one at start.
package enum FileDescriptorLimit {
    /// Raises the soft `RLIMIT_NOFILE` to the hard limit (at most `ceiling`); returns the soft limit
    /// now in force, or nil when it could not be read.
    @discardableResult
    package static func raiseSoftLimit(ceiling: UInt64 = 1 << 20) -> UInt64? {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return nil }
        let target = min(UInt64(limit.rlim_max), ceiling)
        guard UInt64(limit.rlim_cur) < target else { return UInt64(limit.rlim_cur) }
        var raised = limit
        raised.rlim_cur = rlim_t(target)
        guard setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 else { return UInt64(limit.rlim_cur) }
        return target
    }
}
