/// Sinks are background work: while the store writer, which every webhook acknowledgement waits
/// on, is busy more than half the time, each sink runs one delivery at a time instead of its
/// configured concurrency. The sinks still drain, more slowly; acknowledgements keep their speed.
///
/// Why the writer's busy time: it is the daemon's one serialized resource, busy almost all the
/// time under a webhook burst and a few percent at Runware's usual pace. Why not nice alone: the
/// sync threads already run at nice 19, but the kernel work of a sink's writes (writeback, the
/// journal, the virtual disk's doorbell) is not niced. Measured with `make bench` (README
/// "Downstream sync"): with a directory sink draining at concurrency 4, acks fell to 75–96% of the
/// same run without a sink; yielding, 93–107%.
///
/// Two thresholds, so that a load near one of them does not flip the sinks at every batch.
package enum ForegroundYield {
    /// Sinks step back once the writer's busy fraction is above this.
    package static let yieldAbove = 0.5
    /// A sink that stepped back takes its full concurrency again once the fraction is below this.
    package static let resumeBelow = 0.3

    /// Whether sinks run one delivery at a time, given the store writer's recent busy fraction and
    /// whether they already do.
    package static func yields(writerBusy: Double, yielding: Bool) -> Bool {
        yielding ? writerBusy >= resumeBelow : writerBusy > yieldAbove
    }

    /// How many deliveries a sink with `configured` concurrency (≥ 1) runs at once.
    package static func concurrency(configured: Int, yielding: Bool) -> Int {
        yielding ? min(1, configured) : configured
    }
}

/// The fraction of time a worker was busy, from samples of its cumulative busy time taken at
/// monotonic instants: each sample measures the interval since the one before.
package struct BusyFraction: Sendable {
    /// Intervals shorter than this keep the previous figure: too short to mean anything.
    package static let minimumInterval: Duration = .milliseconds(100)

    private var last: (busy: Duration, at: Duration)?
    /// The latest figure, 0…1 (0 before the second sample).
    package private(set) var fraction: Double = 0

    package init() {}

    /// Records the worker's cumulative busy time `busy` at monotonic time `now`; returns the busy
    /// fraction of the interval since the previous sample.
    package mutating func sample(busy: Duration, at now: Duration) -> Double {
        guard let last else {
            self.last = (busy, now)
            return fraction
        }
        let elapsed = now - last.at
        guard elapsed >= Self.minimumInterval else { return fraction }
        fraction = min(1, max(0, Self.seconds(busy - last.busy) / Self.seconds(elapsed)))
        self.last = (busy, now)
        return fraction
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
