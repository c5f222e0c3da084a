import Foundation
import KontextCrypto
import KontextNet

/// What makes the admin listener safe from the browser, decided on each request head before any
/// body is read and before any route runs, so every route (today's and those added later)
/// inherits it:
///
/// 1. `Host` must name a loopback address or `localhost` with the listener's own port, or an entry
///    of `admin.allowedHosts`; otherwise 421 `misdirected_request`. A page that rebinds its own
///    DNS name to 127.0.0.1 still sends its own name, so it cannot read the API.
/// 2. With a token configured, `Authorization: Bearer <token>` (compared in constant time);
///    otherwise 401 `unauthorized`.
/// 3. POST, PUT, PATCH and DELETE need `Content-Type: application/json`; otherwise 415
///    `unsupported_media_type`. An HTML form can send only urlencoded, multipart or text/plain
///    bodies cross-site without a CORS preflight, so it cannot create tasks.
struct AdminRequestGate: HTTPHeadInspector {
    /// `admin.allowedHosts` as in force now (reloadable with SIGHUP).
    private let currentAllowedHosts: @Sendable () -> [String]
    private let token: [UInt8]?
    /// Whether a route answers a method on a path: a body-carrying request to none is left to
    /// the router's 404/405 (it reaches no handler), instead of a 415 that would suggest it could.
    private let routeExists: @Sendable (_ method: String, _ uri: String) -> Bool

    init(allowedHosts: [String], token: [UInt8]?) {
        self.init(currentAllowedHosts: { allowedHosts }, token: token, routeExists: { _, _ in true })
    }

    /// A gate that reads `admin.allowedHosts` on each request, so a reload applies at once.
    init(
        currentAllowedHosts: @escaping @Sendable () -> [String], token: [UInt8]?,
        routeExists: @escaping @Sendable (_ method: String, _ uri: String) -> Bool
    ) {
        self.currentAllowedHosts = currentAllowedHosts
        self.token = token.flatMap { $0.isEmpty ? nil : $0 }
        self.routeExists = routeExists
    }

    /// `admin.allowedHosts`, lowercased: `name` (any port) or `name:port`.
    private var allowedHosts: [HostName] {
        currentAllowedHosts().compactMap(HostName.init(header:))
    }

    func inspect(_ request: HTTPRequest) -> HTTPHeadVerdict {
        guard let host = request.header("host") else {
            return .refuse(.error(
                status: 421, code: "misdirected_request", message: "the Host header is missing; the admin API answers only requests naming it"))
        }
        guard isAllowed(host: host, localPort: request.localPort) else {
            return .refuse(.error(
                status: 421, code: "misdirected_request",
                message: "Host \(host) is not this admin API: use a loopback address or localhost with its port, or list the name in admin.allowedHosts"))
        }
        if let token {
            let presented = request.header("authorization").flatMap(Self.bearer) ?? []
            guard MessageAuthentication.constantTimeEquals(presented, token) else {
                return .refuse(.error(
                    status: 401, code: "unauthorized",
                    message: "missing or wrong admin token: send Authorization: Bearer <the token in admin.tokenFile>",
                    extraHeaders: [HTTPHeader(name: "WWW-Authenticate", value: "Bearer realm=\"kontextd\"")]))
            }
        }
        switch request.method.uppercased() {
        case "POST", "PUT", "PATCH", "DELETE":
            guard Self.isJSON(request.header("content-type")) || !routeExists(request.method, request.uri) else {
                return .refuse(.error(
                    status: 415, code: "unsupported_media_type",
                    message: "\(request.method) needs Content-Type: application/json, got \(request.header("content-type") ?? "none")"))
            }
        default:
            break
        }
        return .admit(maxBodyBytes: nil)
    }

    /// Whether a `Host` header value is acceptable on a listener bound to `localPort`.
    func isAllowed(host: String, localPort: Int?) -> Bool {
        guard let name = HostName(header: host) else { return false }
        if name.isLoopback, let localPort {
            // A Host without a port means the scheme's default, 80.
            return (name.port ?? 80) == localPort
        }
        return allowedHosts.contains { allowed in
            allowed.name == name.name && (allowed.port == nil || allowed.port == name.port)
        }
    }

    /// The token of an `Authorization: Bearer <token>` value; nil for any other scheme.
    private static func bearer(_ value: String) -> [UInt8]? {
        let parts = value.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        return Array(parts[1].utf8)
    }

    /// `application/json`, with or without parameters, in any case.
    private static func isJSON(_ contentType: String?) -> Bool {
        guard let contentType else { return false }
        let type = contentType.split(separator: ";", maxSplits: 1).first ?? ""
        return type.trimmingCharacters(in: .whitespaces).lowercased() == "application/json"
    }
}

/// A `Host` header (or an `admin.allowedHosts` entry) split into a lowercased name and an optional
/// port: `localhost:8786`, `[::1]:8786`, `127.0.0.1`, `kontextd.internal`.
struct HostName: Equatable {
    var name: String
    var port: Int?

    init?(header: String) {
        var text = Substring(header.trimmingCharacters(in: .whitespaces).lowercased())
        guard !text.isEmpty else { return nil }
        var port: Int?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            let rest = text[text.index(after: close)...]
            if !rest.isEmpty {
                guard rest.hasPrefix(":"), let value = Int(rest.dropFirst()), (0...65535).contains(value) else { return nil }
                port = value
            }
            text = text[text.index(after: text.startIndex)..<close]
        } else if text.filter({ $0 == ":" }).count == 1, let colon = text.firstIndex(of: ":") {
            guard let value = Int(text[text.index(after: colon)...]), (0...65535).contains(value) else { return nil }
            port = value
            text = text[..<colon]
        }
        if text.hasSuffix(".") { text = text.dropLast() }
        guard !text.isEmpty, !text.contains(where: { $0 == "/" || $0 == "@" || $0.isWhitespace }) else { return nil }
        self.name = String(text)
        self.port = port
    }

    /// `localhost`, `::1` or an address in 127.0.0.0/8.
    var isLoopback: Bool {
        LoopbackAddress.isLoopback(name)
    }
}

/// Which host names and literal addresses mean this machine only.
enum LoopbackAddress {
    /// True for `localhost`, `::1` (any spelling of it without zone) and 127.0.0.0/8 literals.
    static func isLoopback(_ host: String) -> Bool {
        var host = host.lowercased()
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if host == "localhost" || host == "localhost." || host.hasSuffix(".localhost") { return true }
        if host == "::1" || host == "0:0:0:0:0:0:0:1" { return true }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4, octets[0] == "127" else { return false }
        return octets.allSatisfy { octet in
            octet.count <= 3 && !octet.isEmpty && octet.allSatisfy(\.isASCIIDigit) && Int(octet).map { $0 <= 255 } == true
        }
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
