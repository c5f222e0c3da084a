import Foundation
import Synchronization

/// What the daemon says about itself in `/healthz` and logs: conditions that stop it doing its
/// job, each with the reason a person needs to act on it.
package final class DaemonHealth: Sendable {
    /// A condition that degrades the daemon.
    package enum Condition: String, Sendable, Hashable, CaseIterable {
        /// Runware refuses the API key (401) or the account has no credit (402): submission is paused.
        /// A 403 is a per-task refusal and rejects that task only.
        case submissionPaused
        /// The database or the image directory cannot be written (disk full, read-only).
        case storageUnavailable
        /// Runware is unreachable or answering 429/5xx: submission is backing off.
        case runwareUnavailable
        /// A downstream sink refuses every request (403, missing bucket): its deliveries wait.
        case syncPaused
        /// Deliveries to a sink were given up on; `kontextd sync retry` puts them back.
        case syncDeadLetters
    }

    private let conditions = Mutex([Condition: String]())

    package init() {}

    /// Records (or replaces) a condition with its reason.
    package func raise(_ condition: Condition, reason: String) {
        conditions.withLock { $0[condition] = reason }
    }

    /// Clears a condition once it no longer holds.
    package func clear(_ condition: Condition) {
        _ = conditions.withLock { $0.removeValue(forKey: condition) }
    }

    /// Clears `condition` only while its reason is still `reason`: a part that raised it can
    /// withdraw its own report without erasing one another part made since.
    package func clear(_ condition: Condition, ifReason reason: String) {
        conditions.withLock { conditions in
            if conditions[condition] == reason { conditions.removeValue(forKey: condition) }
        }
    }

    /// The reason for `condition`, or nil when it does not hold.
    package func reason(_ condition: Condition) -> String? {
        conditions.withLock { $0[condition] }
    }

    /// Every condition that holds now, with its reason.
    package var current: [Condition: String] {
        conditions.withLock { $0 }
    }
}
