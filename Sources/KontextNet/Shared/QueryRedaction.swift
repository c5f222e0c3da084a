/// Removes query strings from URLs before they are logged or put in error messages: a webhook URL's
/// query carries its token, and a CDN's signed URL its signature. Nothing that may reach a log
/// line keeps one.
package enum QueryRedaction {
    /// `url` with everything from the first `?` (and any `#fragment`) replaced by `?…`; unchanged
    /// when it has none. "https://h/p?token=x" → "https://h/p?…".
    package static func redacting(_ url: String) -> String {
        guard let mark = url.firstIndex(where: { $0 == "?" || $0 == "#" }) else { return url }
        return url[..<mark] + "?…"
    }
}
