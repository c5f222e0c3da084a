import Foundation

/// Recognises absolute http(s) URLs written as text (`webhookURL`, `uploadEndpoint`, image URLs).
public enum HTTPURLText {
    /// True when `text` is an absolute `http` or `https` URL with a host and no whitespace.
    public static func isAbsoluteHTTP(_ text: String) -> Bool {
        guard !text.contains(where: \.isWhitespace),
            let components = URLComponents(string: text),
            let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = components.host, !host.isEmpty
        else { return false }
        return true
    }
}
