import KontextCore
import Testing

@Suite("Downstream sync decisions")
struct SyncDecisionTests {
    static let timestamps: [(Double, String)] = [
        (0.0, "1970-01-01T00:00:00.000Z"),
        (951_782_400.5, "2000-02-29T00:00:00.500Z"),
        (1_800_000_010, "2027-01-15T08:00:10.000Z"),
        (4_107_542_399.999, "2100-02-28T23:59:59.999Z"),
        (-5, "1970-01-01T00:00:00.000Z"),
        (Double.nan, "1970-01-01T00:00:00.000Z"),
    ]

    @Test(arguments: timestamps)
    func utcTimestamps(seconds: Double, text: String) {
        #expect(UTCTime.iso8601(seconds) == text)
    }

    @Test func theDefaultTemplateRendersDateTaskImageAndExtension() throws {
        let template = try ObjectKeyTemplate(ObjectKeyTemplate.defaultTemplate)
        let key = template.render(
            .init(taskUUID: "t-1", imageUUID: "i-2", sha256: "ab", format: .webp, seed: 7, storedAt: 1_800_000_010))
        #expect(key == "2027/01/15/t-1/i-2.webp")
    }

    @Test func valuesCannotAddPathSegments() throws {
        let template = try ObjectKeyTemplate("{taskUUID}/{imageUUID}-{seed}.{ext}")
        #expect(template.render(.init(taskUUID: "../x", imageUUID: "a/b", sha256: "", format: .jpg, seed: nil, storedAt: 0))
            == "___x/a_b-none.jpg")
    }

    static let badTemplates: [(String, String, String)] = [
        ("{yyyy}/{month}/{imageUUID}", "unknown placeholder", "{month}"),
        ("{yyyy}/{taskUUID}", "must contain {imageUUID} or {sha256}", "{yyyy}/{taskUUID}"),
        ("/abs/{imageUUID}", "must not start with /", "/abs/{imageUUID}"),
        ("a/../{imageUUID}", "path segment", "a/../{imageUUID}"),
        ("a//{imageUUID}", "path segment", "a//{imageUUID}"),
        ("a b/{imageUUID}", "may hold only", " "),
        ("{imageUUID", "without its", "{imageUUID"),
    ]

    @Test(arguments: badTemplates)
    func badTemplatesAreRefusedNamingRuleAndPart(template: String, rule: String, part: String) {
        #expect(throws: ObjectKeyTemplateError.self) { try ObjectKeyTemplate(template) }
        do {
            _ = try ObjectKeyTemplate(template)
        } catch {
            #expect(error.rule.contains(rule), "\(error)")
            #expect(error.part == part)
        }
    }

    static let backoffs: [(Int, Double, Double, Double?)] = [
        // attempts, age, jitter → retry delay (nil = dead letter)
        (1, 0.0, 0.0, 0.5),
        (1, 0.0, 0.999_999, 0.999_999_5),
        (3, 10.0, 0.0, 2.0),
        (12, 10.0, 0.0, 150.0),
        (19, 10.0, 1.0, 300.0),
        (20, 10.0, 0.0, nil),
        (2, 7 * 86_400.0, 0.0, nil),
        (Int.max, 0.0, 0.0, nil),
    ]

    @Test(arguments: backoffs)
    func backoffDoublesWithJitterUpToTheCapThenDeadLetters(attempts: Int, age: Double, jitter: Double, delay: Double?) {
        let policy = DeliveryPolicy()
        let decision = policy.afterFailure(attempts: attempts, eventTime: 1000, now: 1000 + age, jitter: jitter)
        switch (decision, delay) {
        case (.deadLetter, nil): break
        case (.retry(let at), let delay?): #expect(abs(at - (1000 + age) - delay) < 1e-9)
        default: Issue.record("attempts \(attempts), age \(age): got \(decision), expected delay \(String(describing: delay))")
        }
    }

    @Test func aHugeFailureCountDoesNotTrap() {
        #expect(DeliveryPolicy(maxAttempts: .max).delay(afterFailures: .max, jitter: 1) == 300)
    }
}

@Suite("When a delivery looks for an earlier copy first")
struct EarlierCopyCheckTests {
    /// (event id, marked, failed attempts, attempted in this process, needed)
    static let cases: [(Int64, Bool, Int, Bool, Bool)] = [
        (101, false, 0, false, false),  // fresh: beyond what earlier processes attempted, never tried
        (101, true, 0, false, true),  // backfill, sync retry, or a recorded failure
        (101, false, 2, false, true),  // failed before
        (101, false, 0, true, true),  // tried here, outcome not recorded
        (100, false, 0, false, true),  // an earlier (killed) process may have been sending it
        (1, false, 0, false, true),
        (Int64.max, false, 0, false, false),
    ]

    @Test(arguments: cases)
    func decision(eventID: Int64, marked: Bool, failures: Int, attempted: Bool, needed: Bool) {
        let check = EarlierCopyCheck(attemptedBeforeStartThrough: 100)
        #expect(check.isNeeded(eventID: eventID, marked: marked, failedAttempts: failures, attemptedInThisProcess: attempted) == needed)
    }

    @Test func withoutAKnownStartEveryDeliveryLooks() {
        // When the mark cannot be read, the service uses Int64.max: always look (safe).
        let check = EarlierCopyCheck(attemptedBeforeStartThrough: .max)
        #expect(check.isNeeded(eventID: 5, marked: false, failedAttempts: 0, attemptedInThisProcess: false))
    }
}

@Suite("Sinks yield to the store writer")
struct ForegroundYieldTests {
    /// (writer busy, yielding before, yielding after, concurrency of a sink configured for 4)
    static let cases: [(Double, Bool, Bool, Int)] = [
        (0.0, false, false, 4),  // idle daemon: full concurrency
        (0.5, false, false, 4),  // at the threshold: not above it
        (0.51, false, true, 1),  // a webhook burst: one at a time
        (1.0, false, true, 1),
        (0.4, true, true, 1),  // between the thresholds: stays as it was
        (0.4, false, false, 4),
        (0.3, true, true, 1),  // not below the lower threshold yet
        (0.29, true, false, 4),  // the burst is over
        (0.0, true, false, 4),
    ]

    @Test(arguments: cases)
    func theSinksConcurrencyFollowsTheWritersBusyFraction(busy: Double, before: Bool, after: Bool, concurrency: Int) {
        let yielding = ForegroundYield.yields(writerBusy: busy, yielding: before)
        #expect(yielding == after)
        #expect(ForegroundYield.concurrency(configured: 4, yielding: yielding) == concurrency)
    }

    @Test func aSinkConfiguredForOneStaysAtOne() {
        #expect(ForegroundYield.concurrency(configured: 1, yielding: true) == 1)
        #expect(ForegroundYield.concurrency(configured: 1, yielding: false) == 1)
    }

    /// Samples (cumulative busy ms, at ms) and the fraction each returns.
    static let samples: [[(Int, Int, Double)]] = [
        // The first sample only sets the origin.
        [(0, 0, 0), (50, 100, 0.5), (150, 200, 1.0), (150, 400, 0)],
        // Intervals under 100 ms keep the previous figure and do not move the origin.
        [(0, 0, 0), (100, 200, 0.5), (150, 250, 0.5), (200, 300, 1.0)],
        // Busy time counted across a sample boundary (a group that ran long) is capped at 1.
        [(0, 1_000, 0), (500, 1_200, 1.0), (500, 1_300, 0)],
    ]

    @Test(arguments: samples)
    func theBusyFractionCoversTheIntervalSinceThePreviousSample(series: [(Int, Int, Double)]) {
        var fraction = BusyFraction()
        for (busy, at, expected) in series {
            #expect(fraction.sample(busy: .milliseconds(busy), at: .milliseconds(at)) == expected, "busy \(busy) ms at \(at) ms")
        }
    }
}
