/// Spend limits from `budget.dailyUSD` and `budget.totalUSD`, in US dollars; nil is no limit.
package struct SpendLimits: Sendable, Equatable {
    package var dailyUSD: Double?
    package var totalUSD: Double?

    package init(dailyUSD: Double? = nil, totalUSD: Double? = nil) {
        self.dailyUSD = dailyUSD
        self.totalUSD = totalUSD
    }

    /// True when neither limit is set: nothing is ever held.
    package var isUnlimited: Bool { dailyUSD == nil && totalUSD == nil }
}

/// What has been spent and what is on its way, at the moment of a decision.
package struct SpendPosition: Sendable, Equatable {
    /// Costs Runware reported for results received today (UTC).
    package var spentTodayUSD: Double
    /// Costs Runware reported for every result ever received.
    package var spentTotalUSD: Double
    /// The estimated cost of results already asked for (submitted tasks, tasks admitted earlier
    /// in the same round) whose cost is not reported yet: spend that is coming whatever happens.
    package var committedUSD: Double

    package init(spentTodayUSD: Double, spentTotalUSD: Double, committedUSD: Double = 0) {
        self.spentTodayUSD = spentTodayUSD
        self.spentTotalUSD = spentTotalUSD
        self.committedUSD = committedUSD
    }
}

/// Whether a task may be sent to Runware under the spend limits.
package enum SpendDecision: Sendable, Equatable {
    /// Send it.
    case submit
    /// Keep it back; `reason` names the limit, the spend so far and the estimate.
    case hold(reason: String)
}

/// The spend-control decisions: pure, so every case is a row in a table test.
package enum SpendControl {
    /// The estimated cost of a task: the recent cost per image (when Runware has reported any)
    /// or the configured default, times the images asked for.
    package static func estimate(numberResults: Int, recentImageCostUSD: Double?, defaultImageCostUSD: Double) -> Double {
        let perImage = recentImageCostUSD.flatMap { $0.isFinite && $0 >= 0 ? $0 : nil } ?? defaultImageCostUSD
        return perImage * Double(max(0, numberResults))
    }

    /// Submit when, with this task's estimate added to what is spent and committed, neither the
    /// day's nor the total limit would be exceeded; otherwise hold, naming the first limit crossed.
    /// Reaching a limit exactly is allowed.
    package static func decide(estimateUSD: Double, position: SpendPosition, limits: SpendLimits) -> SpendDecision {
        func crosses(_ spent: Double, _ limit: Double?) -> Bool {
            guard let limit else { return false }
            // A cent's millionth of slack: sums of binary doubles must not hold a task that exactly fits.
            return spent + position.committedUSD + estimateUSD > limit + 1e-9
        }
        if crosses(position.spentTodayUSD, limits.dailyUSD), let limit = limits.dailyUSD {
            return .hold(
                reason: "budget.dailyUSD \(usd(limit)) would be exceeded: spent today \(usd(position.spentTodayUSD)), "
                    + "committed \(usd(position.committedUSD)), this task ~\(usd(estimateUSD)); released when the UTC day turns or the limit is raised")
        }
        if crosses(position.spentTotalUSD, limits.totalUSD), let limit = limits.totalUSD {
            return .hold(
                reason: "budget.totalUSD \(usd(limit)) would be exceeded: spent in total \(usd(position.spentTotalUSD)), "
                    + "committed \(usd(position.committedUSD)), this task ~\(usd(estimateUSD)); released when the limit is raised")
        }
        return .submit
    }

    /// Dollars with four decimals (Runware's costs are fractions of a cent).
    package static func usd(_ value: Double) -> String {
        let scaled = (value * 10_000).rounded()
        guard scaled.isFinite, abs(scaled) < 1e15 else { return "$\(value)" }
        let units = Int64(scaled)
        let sign = units < 0 ? "-" : ""
        let magnitude = units.magnitude
        let fraction = String(magnitude % 10_000)
        return "\(sign)$\(magnitude / 10_000).\(String(repeating: "0", count: 4 - fraction.count))\(fraction)"
    }
}

extension SpendControl {
    /// The UTC calendar day (`yyyy-MM-dd`) of a time in seconds since 1970, as SQLite's
    /// `date(t, 'unixepoch')` names it (the spend table's key). Howard Hinnant's civil-from-days.
    package static func utcDay(_ seconds: Double) -> String {
        let clamped = seconds.isFinite ? min(max(seconds, -1e13), 1e13) : 0
        let days = Int64((clamped / 86_400).rounded(.down))
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        func pad(_ value: Int64, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
    }
}
