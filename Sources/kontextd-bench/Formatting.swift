import Foundation

/// Number formatting for the bench's report lines and table.
enum Formatting {
    /// "12,345" style integer with thousands separators.
    static func count(_ value: Int) -> String {
        let digits = String(abs(value))
        var grouped = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { grouped += "," }
            grouped.append(digit)
        }
        return (value < 0 ? "-" : "") + grouped
    }

    /// A rate per second, rounded to a whole number: "12,345/s".
    static func rate(_ value: Double) -> String {
        count(Int(value.rounded())) + "/s"
    }

    /// Milliseconds with two decimals: "1.23 ms"; "n/a" when absent.
    static func milliseconds(_ value: Double?) -> String {
        guard let value else { return "n/a" }
        return String(format: "%.2f ms", value)
    }

    /// Bytes as MiB with one decimal: "45.6 MiB".
    /// A duration given in seconds, shown in microseconds ("41.3 µs").
    static func microseconds(_ seconds: Double) -> String {
        String(format: "%.1f µs", seconds * 1_000_000)
    }

    static func mebibytes(_ bytes: Int) -> String {
        String(format: "%.1f MiB", Double(bytes) / 1_048_576)
    }

    /// A throughput in MB/s (10^6 bytes) with one decimal.
    static func megabytesPerSecond(_ bytes: Int, seconds: Double) -> String {
        String(format: "%.1f MB/s", Double(bytes) / 1_000_000 / max(seconds, 1e-9))
    }

    /// Seconds with one decimal: "12.3 s".
    static func seconds(_ value: Double) -> String {
        String(format: "%.1f s", value)
    }
}
