import KontextCore

/// Renders admin API task JSON for people: one task in detail, or a table of many.
enum TaskReport {
    static func detail(_ task: JSONValue) -> String {
        var lines: [String] = []
        let uuid = task["taskUUID"]?.stringValue ?? "?"
        let state = task["state"]?.stringValue ?? "?"
        let wanted = task["numberResults"]?.int64Value ?? 1
        let stored = task["storedResults"]?.int64Value ?? 0
        lines.append("task \(uuid): \(state) (\(stored)/\(wanted) images stored)")
        if let error = task["error"] {
            lines.append("  error: \(error["code"]?.stringValue ?? "?"): \(error["message"]?.stringValue ?? "")")
        }
        for result in task["results"]?.arrayValue ?? [] {
            let id = result["imageUUID"]?.stringValue ?? "?"
            let resultState = result["state"]?.stringValue ?? "?"
            var line = "  image \(id): \(resultState)"
            if let format = result["format"]?.stringValue, let width = result["width"]?.int64Value, let height = result["height"]?.int64Value {
                line += " \(format) \(width)x\(height)"
            }
            if let bytes = result["byteSize"]?.int64Value { line += " \(bytes) bytes" }
            if let sha = result["sha256"]?.stringValue { line += " sha256 \(sha)" }
            if let reason = result["failureReason"]?.stringValue { line += " — \(reason)" }
            lines.append(line)
            if let path = result["path"]?.stringValue { lines.append("    \(path)") }
        }
        for error in task["errors"]?.arrayValue ?? [] {
            lines.append("  runware error \(error["code"]?.stringValue ?? "?"): \(error["message"]?.stringValue ?? "")")
        }
        return lines.joined(separator: "\n")
    }

    static func table(_ rows: [[String]], header: [String]) -> String {
        let all = [header] + rows
        var widths = Array(repeating: 0, count: header.count)
        for row in all { for (index, cell) in row.enumerated() where index < widths.count { widths[index] = max(widths[index], cell.count) } }
        func render(_ row: [String]) -> String {
            row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }
        return ([render(header), render(widths.map { String(repeating: "-", count: $0) })] + rows.map(render)).joined(separator: "\n")
    }
}
