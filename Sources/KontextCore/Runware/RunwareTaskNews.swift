/// What one Runware answer says about one task: its results, its failures, and whether it was
/// mentioned at all (an acknowledgement or a progress frame counts).
package struct RunwareTaskNews: Sendable, Hashable {
    /// Finished images for the task.
    package var results: [ImageResult] = []
    /// Failures scoped to the task.
    package var failures: [RunwareError] = []
    /// True when an acknowledgement or progress frame named the task.
    package var mentioned = false
    /// Items naming the task that could not be understood (they decide nothing, but are kept).
    package var unrecognised: [UnrecognisedItem] = []

    /// Creates news from its parts.
    package init(results: [ImageResult] = [], failures: [RunwareError] = [], mentioned: Bool = false) {
        self.results = results
        self.failures = failures
        self.mentioned = mentioned
    }

    /// True when nothing at all was said about the task.
    package var isEmpty: Bool { results.isEmpty && failures.isEmpty && !mentioned }

    /// Groups an envelope's items by the task they name (lowercased UUIDs). Failures and
    /// unrecognised items that name no task are not attributed to any task.
    package static func byTask(_ envelope: RunwareEnvelope?) -> [String: RunwareTaskNews] {
        var byTask: [String: RunwareTaskNews] = [:]
        for item in envelope?.items ?? [] {
            switch item {
            case .result(let result):
                byTask[result.taskUUID.lowercased(), default: RunwareTaskNews()].results.append(result)
            case .failure(let error):
                if let uuid = error.taskUUID?.lowercased() { byTask[uuid, default: RunwareTaskNews()].failures.append(error) }
            case .pending(let frame):
                byTask[frame.taskUUID.lowercased(), default: RunwareTaskNews()].mentioned = true
            case .unrecognised(let item):
                if let uuid = item.taskUUID?.lowercased() { byTask[uuid, default: RunwareTaskNews()].unrecognised.append(item) }
            }
        }
        return byTask
    }
}
