import KontextCore
import KontextNet

/// Building HTML text safely: every value that did not come from this file is escaped.
///
/// Prompts, error messages from Runware and anything else stored is user input; it only ever
/// reaches a page through `HTML.escape` (text and quoted attribute values alike).
enum HTML {
    /// `text` with `&`, `<`, `>`, `"` and `'` replaced by character references.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text.unicodeScalars {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(character)
            }
        }
        return out
    }

    /// A path segment or query value percent-encoded (everything but unreserved characters), for URLs built from data.
    static func urlComponent(_ text: String) -> String {
        PercentEncoding.allButUnreserved(text)
    }

    /// A UTC timestamp (seconds since 1970) as `yyyy-MM-dd HH:mm:ss.SSS` — what the timeline shows.
    static func time(_ seconds: Double) -> String {
        let whole = seconds.rounded(.down)
        let millis = Int(((seconds - whole) * 1000).rounded(.down))
        let secondOfDay = Int(whole.truncatingRemainder(dividingBy: 86_400) + (whole < 0 ? 86_400 : 0))
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let milliText = millis < 10 ? "00\(millis)" : millis < 100 ? "0\(millis)" : "\(millis)"
        return "\(SpendControl.utcDay(whole)) \(two(secondOfDay / 3600)):\(two(secondOfDay / 60 % 60)):\(two(secondOfDay % 60)).\(milliText)"
    }
}
