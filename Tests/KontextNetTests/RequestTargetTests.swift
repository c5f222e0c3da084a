import KontextNet
import Testing

/// How a request target becomes `path` and `query`: the table every listener relies on.
@Suite struct RequestTargetTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let uri: String
        let path: String
        let query: [String: String]
        var testDescription: String { uri }
    }

    static let cases: [Case] = [
        Case(uri: "/", path: "/", query: [:]),
        Case(uri: "/webhooks/runware/abc?token=x", path: "/webhooks/runware/abc", query: ["token": "x"]),
        Case(uri: "/a?x=1&y=2&x=3", path: "/a", query: ["x": "3", "y": "2"]),
        Case(uri: "/a?flag&&=empty", path: "/a", query: ["flag": "", "": "empty"]),
        Case(uri: "/a?q=a+b%20c%2", path: "/a", query: ["q": "a b c%2"]),
        Case(uri: "/a%20b+c?", path: "/a b+c", query: [:]),
        Case(uri: "/a#frag?x=1", path: "/a", query: [:]),
        Case(uri: "/a?x=1#y=2", path: "/a", query: ["x": "1"]),
        Case(uri: "/é/ü?name=%C3%A9&k=ü", path: "/é/ü", query: ["name": "é", "k": "ü"]),
        Case(uri: "/a?e\u{301}=x&%FF=y", path: "/a", query: ["e\u{301}": "x", "\u{FFFD}": "y"]),
        Case(uri: "/a?x==1", path: "/a", query: ["x": "=1"]),
    ]

    @Test(arguments: cases)
    func pathAndQuery(_ example: Case) {
        let request = HTTPRequest(method: "GET", uri: example.uri)
        #expect(request.path == example.path)
        #expect(request.query == example.query)
    }
}

/// RFC 3986 percent-encoding, as URLs built from data and S3 key segments need it.
@Suite struct PercentEncodingTests {
    @Test(arguments: [
        ("", ""),
        ("AZaz09-._~", "AZaz09-._~"),
        ("a b/c?d=é", "a%20b%2Fc%3Fd%3D%C3%A9"),
        ("%+&#\u{0}", "%25%2B%26%23%00"),
        ("\u{7F}\u{FFFF}", "%7F%EF%BF%BF"),
    ])
    func everythingButUnreservedIsEncoded(_ text: String, _ expected: String) {
        #expect(PercentEncoding.allButUnreserved(text) == expected)
    }
}
