/// Where one result image stands: announced, kept, or given up on.
public enum ResultState: String, Sendable, Hashable, CaseIterable, Codable {
    /// Announced by Runware; the image is not yet fetched and verified.
    case pending
    /// Fetched (or decoded), verified and written to the image store.
    case stored
    /// Could not be fetched or failed verification; `failureReason` says why.
    case failed
}
