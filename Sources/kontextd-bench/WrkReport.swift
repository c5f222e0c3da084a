/// What one `wrk --latency` run printed, parsed: counts, rate, latency percentiles and the
/// `kx-counts` line the bench's Lua scripts add in `done()`.
struct WrkReport: Sendable {
    /// Responses completed ("N requests in …"), whatever their status.
    var requests: Int
    /// The run's length in seconds as wrk measured it.
    var seconds: Double
    /// wrk's "Requests/sec".
    var requestsPerSecond: Double
    /// Latency percentiles from "Latency Distribution", in milliseconds, keyed by percent (50, 75, 90, 99).
    var latencyMilliseconds: [Int: Double]
    /// "Non-2xx or 3xx responses" (0 when wrk printed no such line).
    var non2xx: Int
    /// Socket errors (connect + read + write + timeout); 0 when wrk printed none.
    var socketErrors: Int
    /// `key=value` pairs of the script's `kx-counts` line (e.g. generated, ok, other).
    var scriptCounts: [String: Int]
    /// wrk's whole output, for the log when something does not parse.
    var output: String

    /// The latency at `percent` (50, 75, 90 or 99) in milliseconds, when wrk printed it.
    func latency(_ percent: Int) -> Double? { latencyMilliseconds[percent] }

    /// Parses wrk's standard output; throws naming what is missing.
    static func parse(_ output: String) throws(BenchError) -> WrkReport {
        var report = WrkReport(
            requests: -1, seconds: 0, requestsPerSecond: -1, latencyMilliseconds: [:], non2xx: 0, socketErrors: 0,
            scriptCounts: [:], output: output)
        var inDistribution = false
        for rawLine in output.split(separator: "\n") {
            let line = rawLine.trimmingSpaces()
            if line.hasPrefix("Latency Distribution") {
                inDistribution = true
                continue
            }
            if inDistribution {
                // "50%    1.23ms"
                let fields = line.split(separator: " ", omittingEmptySubsequences: true)
                if fields.count == 2, fields[0].hasSuffix("%"), let percent = Int(fields[0].dropLast()),
                    let value = Self.milliseconds(String(fields[1]))
                {
                    report.latencyMilliseconds[percent] = value
                    continue
                }
                inDistribution = false
            }
            if line.contains(" requests in ") {
                // "123456 requests in 10.00s, 12.34MB read"
                let fields = line.split(separator: " ", omittingEmptySubsequences: true)
                if let count = Int(fields[0]) { report.requests = count }
                if fields.count >= 4, let time = Self.milliseconds(String(fields[3].trimmingCharacters(","))) {
                    report.seconds = time / 1000
                }
            } else if line.hasPrefix("Requests/sec:") {
                report.requestsPerSecond = Double(line.dropFirst("Requests/sec:".count).trimmingSpaces()) ?? -1
            } else if line.hasPrefix("Non-2xx or 3xx responses:") {
                report.non2xx = Int(line.dropFirst("Non-2xx or 3xx responses:".count).trimmingSpaces()) ?? 0
            } else if line.hasPrefix("Socket errors:") {
                // "Socket errors: connect 0, read 0, write 0, timeout 0"
                for part in line.dropFirst("Socket errors:".count).split(separator: ",") {
                    let pair = part.split(separator: " ", omittingEmptySubsequences: true)
                    if pair.count == 2, let count = Int(pair[1]) { report.socketErrors += count }
                }
            } else if line.hasPrefix("kx-counts") {
                for pair in line.split(separator: " ").dropFirst() {
                    let parts = pair.split(separator: "=")
                    if parts.count == 2, let value = Int(parts[1]) { report.scriptCounts[String(parts[0])] = value }
                }
            }
        }
        guard report.requests >= 0, report.requestsPerSecond >= 0 else {
            throw BenchError("wrk printed no \"requests in\" / \"Requests/sec\" line; its output was:\n\(output)")
        }
        return report
    }

    /// A wrk duration ("456.78us", "1.23ms", "1.02s", "1.50m", "2.00h") in milliseconds.
    static func milliseconds(_ text: String) -> Double? {
        let units: [(suffix: String, factor: Double)] = [("us", 0.001), ("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000)]
        for unit in units where text.hasSuffix(unit.suffix) {
            guard let value = Double(text.dropLast(unit.suffix.count)) else { return nil }
            return value * unit.factor
        }
        return nil
    }
}

extension Substring {
    fileprivate func trimmingSpaces() -> Substring {
        var slice = self
        while let first = slice.first, first == " " || first == "\t" || first == "\r" { slice = slice.dropFirst() }
        while let last = slice.last, last == " " || last == "\t" || last == "\r" { slice = slice.dropLast() }
        return slice
    }

    fileprivate func trimmingCharacters(_ character: Character) -> Substring {
        var slice = self
        while slice.last == character { slice = slice.dropLast() }
        return slice
    }
}
