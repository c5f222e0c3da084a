import CCurl

/// The process-wide libcurl initialisation, done exactly once before the first easy handle.
enum CurlLibrary {
    /// The result of `curl_global_init`; a `static let` so Swift's once-initialisation makes it thread-safe.
    private static let initialisation: CURLcode = curl_global_init(3)  // CURL_GLOBAL_ALL: the macro does not import.

    /// Initialises libcurl if no one has yet; returns false when `curl_global_init` failed.
    static func ensureInitialised() -> Bool {
        initialisation == CURLE_OK
    }
}
