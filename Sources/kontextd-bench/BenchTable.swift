/// The closing summary: one row per figure, with the same-run baseline, the target and whether it was met.
struct BenchTable {
    /// One figure.
    struct Row {
        /// What was measured.
        var figure: String
        /// The measurement, formatted.
        var value: String
        /// The baseline measured in the same run ("—" when none applies).
        var baseline: String
        /// The target ("—" when informational).
        var target: String
        /// Whether the target was met; nil when there is no target.
        var met: Bool?
    }

    private(set) var rows: [Row] = []

    /// Adds a row.
    mutating func add(_ figure: String, _ value: String, baseline: String = "—", target: String = "—", met: Bool? = nil) {
        rows.append(Row(figure: figure, value: value, baseline: baseline, target: target, met: met))
    }

    /// The table as aligned text, with a header and a rule.
    func render() -> String {
        let header = Row(figure: "figure", value: "value", baseline: "baseline (same run)", target: "target", met: nil)
        let all = [header] + rows
        func cells(_ row: Row, isHeader: Bool) -> [String] {
            let met = isHeader ? "met?" : row.met.map { $0 ? "yes" : "NO" } ?? "—"
            return [row.figure, row.value, row.baseline, row.target, met]
        }
        let table = all.enumerated().map { cells($0.element, isHeader: $0.offset == 0) }
        var widths = [Int](repeating: 0, count: 5)
        for line in table {
            for (index, cell) in line.enumerated() { widths[index] = max(widths[index], cell.count) }
        }
        func format(_ line: [String]) -> String {
            line.enumerated().map { index, cell in
                cell + String(repeating: " ", count: widths[index] - cell.count)
            }.joined(separator: " | ")
        }
        var lines = [format(table[0])]
        lines.append(widths.map { String(repeating: "-", count: $0) }.joined(separator: "-+-"))
        lines += table.dropFirst().map(format)
        return lines.joined(separator: "\n")
    }
}
