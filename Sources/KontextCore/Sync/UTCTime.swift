/// Calendar fields of a UTC instant, computed without Foundation (no locale, no time zone
/// database): what event timestamps and date placeholders in object keys need.
package struct UTCTime: Sendable, Hashable {
    package var year: Int
    package var month: Int
    package var day: Int
    package var hour: Int
    package var minute: Int
    package var second: Int
    package var millisecond: Int

    /// The UTC fields of `seconds` since 1970 (a non-finite or absurd value clamps to 1970 or 9999).
    package init(secondsSince1970 seconds: Double) {
        // Clamp so the integer conversions below cannot trap on any input.
        let clamped = seconds.isFinite ? min(max(seconds, 0), 253_402_300_799) : 0
        let whole = Int(clamped.rounded(.down))
        millisecond = min(999, Int(((clamped - Double(whole)) * 1000).rounded(.down)))
        let days = whole / 86_400
        let rest = whole % 86_400
        hour = rest / 3600
        minute = rest % 3600 / 60
        second = rest % 60
        // Howard Hinnant's civil_from_days (days since 1970-01-01, non-negative here).
        let z = days + 719_468
        let era = z / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
    }

    /// `2026-12-04T22:11:32.123Z`.
    package static func iso8601(_ seconds: Double) -> String {
        let time = UTCTime(secondsSince1970: seconds)
        return "\(pad(time.year, 4))-\(pad(time.month, 2))-\(pad(time.day, 2))T\(pad(time.hour, 2)):"
            + "\(pad(time.minute, 2)):\(pad(time.second, 2)).\(pad(time.millisecond, 3))Z"
    }

    /// `value` in decimal, left-padded with zeros to `width` digits.
    package static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}
