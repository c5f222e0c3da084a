import KontextCore
import Testing

@Suite struct SpendControlTests {
    struct Row: Sendable, CustomTestStringConvertible {
        let name: String
        let estimate: Double
        let position: SpendPosition
        let limits: SpendLimits
        /// nil: submit; else the limit key the hold must name.
        let heldBy: String?
        var testDescription: String { name }
    }

    static let rows: [Row] = [
        Row(name: "no limits: anything goes", estimate: 1_000, position: .init(spentTodayUSD: 1e6, spentTotalUSD: 1e9),
            limits: .init(), heldBy: nil),
        Row(name: "under the daily limit", estimate: 0.03, position: .init(spentTodayUSD: 0.5, spentTotalUSD: 10),
            limits: .init(dailyUSD: 1), heldBy: nil),
        Row(name: "exactly at the daily limit is allowed", estimate: 0.25, position: .init(spentTodayUSD: 0.75, spentTotalUSD: 10),
            limits: .init(dailyUSD: 1), heldBy: nil),
        Row(name: "binary sums that fit exactly still fit", estimate: 0.3, position: .init(spentTodayUSD: 0.1, spentTotalUSD: 0.1, committedUSD: 0.2),
            limits: .init(dailyUSD: 0.6, totalUSD: 0.6), heldBy: nil),
        Row(name: "over the daily limit", estimate: 0.26, position: .init(spentTodayUSD: 0.75, spentTotalUSD: 10),
            limits: .init(dailyUSD: 1), heldBy: "budget.dailyUSD"),
        Row(name: "committed spend counts", estimate: 0.1, position: .init(spentTodayUSD: 0.5, spentTotalUSD: 0.5, committedUSD: 0.45),
            limits: .init(dailyUSD: 1), heldBy: "budget.dailyUSD"),
        Row(name: "over the total limit only", estimate: 0.1, position: .init(spentTodayUSD: 0, spentTotalUSD: 99.95),
            limits: .init(dailyUSD: 5, totalUSD: 100), heldBy: "budget.totalUSD"),
        Row(name: "both crossed: the daily one is named", estimate: 1, position: .init(spentTodayUSD: 5, spentTotalUSD: 100),
            limits: .init(dailyUSD: 5, totalUSD: 100), heldBy: "budget.dailyUSD"),
        Row(name: "a zero limit holds every paid task", estimate: 0.015, position: .init(spentTodayUSD: 0, spentTotalUSD: 0),
            limits: .init(totalUSD: 0), heldBy: "budget.totalUSD"),
        Row(name: "a free task passes a zero limit", estimate: 0, position: .init(spentTodayUSD: 0, spentTotalUSD: 0),
            limits: .init(dailyUSD: 0), heldBy: nil),
    ]

    @Test(arguments: rows)
    func decision(row: Row) {
        let decision = SpendControl.decide(estimateUSD: row.estimate, position: row.position, limits: row.limits)
        switch (decision, row.heldBy) {
        case (.submit, nil):
            break
        case (.hold(let reason), let key?):
            #expect(reason.hasPrefix(key + " "), "\(reason)")
        default:
            Issue.record("\(row.name): got \(decision), expected \(row.heldBy.map { "hold by \($0)" } ?? "submit")")
        }
    }

    @Test func holdReasonSaysWhatWasSpentAndWhatReleasesIt() {
        let decision = SpendControl.decide(
            estimateUSD: 0.03, position: .init(spentTodayUSD: 0.99, spentTotalUSD: 3, committedUSD: 0.0143), limits: .init(dailyUSD: 1))
        #expect(
            decision == .hold(
                reason: "budget.dailyUSD $1.0000 would be exceeded: spent today $0.9900, committed $0.0143, this task ~$0.0300; "
                    + "released when the UTC day turns or the limit is raised"))
    }

    @Test(arguments: [
        (1, 0.0143 as Double?, 0.015, 0.0143),
        (4, nil, 0.015, 0.06),
        (2, .nan, 0.015, 0.03),
        (3, -1, 0.02, 0.06),
        (0, 0.5, 0.015, 0),
    ] as [(Int, Double?, Double, Double)])
    func estimateUsesTheRecentCostOrTheDefault(results: Int, recent: Double?, fallback: Double, expected: Double) {
        let estimate = SpendControl.estimate(numberResults: results, recentImageCostUSD: recent, defaultImageCostUSD: fallback)
        #expect(abs(estimate - expected) < 1e-12)
    }

    @Test(arguments: [(0.0143, "$0.0143"), (12, "$12.0000"), (0, "$0.0000"), (-0.5, "-$0.5000"), (1.23456, "$1.2346")])
    func dollarsPrintWithFourDecimals(value: Double, text: String) {
        #expect(SpendControl.usd(value) == text)
    }
}

@Suite struct UTCDayTests {
    @Test(arguments: [
        (0.0, "1970-01-01"), (86_399.9, "1970-01-01"), (86_400, "1970-01-02"), (951_782_400, "2000-02-29"),
        (1_796_083_199, "2026-11-30"), (1_796_083_200, "2026-12-01"), (-1, "1969-12-31"), (4_107_542_400, "2100-03-01"),
    ])
    func utcDay(seconds: Double, day: String) {
        #expect(SpendControl.utcDay(seconds) == day)
    }
}
