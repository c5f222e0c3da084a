import Synchronization

@testable import RunwareSimulator

/// A webhook transport that records every POST and answers from a script (then 200), so
/// delivery and retry logic can be checked without sockets.
final class RecordingWebhookTransport: WebhookTransport {
    struct Post: Sendable {
        let url: String
        let body: [UInt8]
    }

    private let state: Mutex<(posts: [Post], script: [WebhookAttemptOutcome])>

    /// `script` answers the first POSTs in order; later ones get 200.
    init(script: [WebhookAttemptOutcome] = []) {
        state = Mutex(([], script))
    }

    var posts: [Post] { state.withLock { $0.posts } }

    func post(url: String, body: [UInt8], timeout: Double) async -> WebhookAttemptOutcome {
        state.withLock { state in
            state.posts.append(Post(url: url, body: body))
            return state.script.isEmpty ? .answered(status: 200) : state.script.removeFirst()
        }
    }
}
