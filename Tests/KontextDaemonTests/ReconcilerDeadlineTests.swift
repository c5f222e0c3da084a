@testable import KontextDaemon
import Testing

@Suite struct ReconcilerDeadlineTests {
    @Test func ttlShortensTheDeadlineToHalfItsLifetime() {
        #expect(Reconciler.deadline(overdueAfter: 120, ttl: nil) == 120)
        #expect(Reconciler.deadline(overdueAfter: 120, ttl: 60) == 30)
        #expect(Reconciler.deadline(overdueAfter: 120, ttl: 3600) == 120)
        #expect(Reconciler.deadline(overdueAfter: 10, ttl: 60) == 10)
    }
}
