import CImageCodecs
import Synchronization

/// How the process's allocator hands memory back.
///
/// Image decodes allocate a few megabytes of pixels each (1248×832 RGB is 3 MB), on up to
/// `images.concurrency` threads at once. glibc serves blocks above `M_MMAP_THRESHOLD` with their
/// own mmap and unmaps them on free — but its threshold is dynamic: the first such block freed
/// raises it to that block's size, and from then on decode buffers come from per-thread arenas
/// that keep their pages. Fixing the threshold keeps the RSS bound the decode budget promises.
/// Measured with `kontextd-bench --only ingestion --quick` (half PNG, all decoded at ingest):
/// RSS peak 107–110 MiB with the dynamic threshold, 66–68 MiB with it fixed at 512 KiB.
package enum ProcessMemory {
    /// Blocks at least this large are mmapped and unmapped when freed.
    package static let mmapThreshold: Int32 = 512 * 1024

    private static let applied = Atomic(false)

    /// Fixes glibc's mmap threshold (once per process; later calls do nothing). Returns whether
    /// glibc accepted it.
    @discardableResult
    package static func returnLargeBlocksToTheSystem() -> Bool {
        guard !applied.exchange(true, ordering: .relaxed) else { return true }
        return kx_fix_mmap_threshold(mmapThreshold) == 1
    }
}
