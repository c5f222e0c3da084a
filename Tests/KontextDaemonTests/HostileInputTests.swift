import Foundation
import KontextCore
import KontextNet
import Testing

/// Requests an attacker would send to the real daemon: each answered with a clear error, the
/// daemon still serving afterwards, nothing stored.
@Suite struct HostileInputTests {
    /// The task body as text with `extra` spliced in verbatim, so literals JSONValue cannot hold
    /// (a 400-digit integer) reach the daemon as sent.
    static func taskText(_ extra: String) -> [UInt8] {
        Array(#"""
        {"model": "runware:106@1", "positivePrompt": "Make it snow",
         "inputs": {"referenceImages": ["https://assets.runware.ai/assets/inputs/x.jpg"]}, \#(extra)}
        """#.utf8)
    }

    @Test func numericExtremesAnswer422AndTheDaemonKeepsServing() async throws {
        let harness = try await DaemonHarness.start()
        let cases: [(extra: String, field: String, value: String)] = [
            (#""width": 4000000000, "height": 1"#, "width", "4000000000"),
            (#""width": 1248, "height": -9223372036854775808"#, "height", "-9223372036854775808"),
            (#""steps": 18446744073709551615"#, "steps", "18446744073709551615"),
            (#""numberResults": 1e308"#, "numberResults", ValidationIssue.render(.double(1e308))),
            (#""seed": -1e308"#, "seed", ValidationIssue.render(.double(-1e308))),
            (#""ttl": 123456789012345678901234567890"#, "ttl", ValidationIssue.render(try JSONCoding.parse("123456789012345678901234567890"))),
            (#""outputQuality": 50.5"#, "outputQuality", "50.5"),
        ]
        for testCase in cases {
            let response = try await harness.raw(
                "POST", harness.adminURL + "/v1/tasks", body: Self.taskText(testCase.extra),
                headers: [HTTPHeader(name: "Content-Type", value: "application/json")])
            #expect(response.status == 422, "\(testCase.extra)")
            let body = try JSONCoding.parse(response.body)
            #expect(body["error"]?["code"] == .string("validation_failed"))
            let issues = body["error"]?["issues"]?.arrayValue ?? []
            #expect(issues.count == 1, "\(body)")
            #expect(issues.first?["field"] == .string(testCase.field), "\(body)")
            #expect(issues.first?["rule"]?.stringValue?.hasPrefix("must be") == true, "\(body)")
            #expect(issues.first?["value"] == .string(testCase.value), "\(body)")
        }
        // A literal beyond any double is not a JSON number this daemon can hold: 400, with its offset.
        let huge = try await harness.raw(
            "POST", harness.adminURL + "/v1/tasks", body: Self.taskText(#""seed": 1"# + String(repeating: "0", count: 400)),
            headers: [HTTPHeader(name: "Content-Type", value: "application/json")])
        #expect(huge.status == 400)
        #expect(String(decoding: huge.body, as: UTF8.self).contains("out of range"))

        for query in ["limit=99999999999999999999999", "limit=-9223372036854775808", "limit=1e308", "after=ffffffffffffffffffff:x"] {
            let response = try await harness.raw("GET", harness.adminURL + "/v1/tasks?" + query)
            #expect(response.status == 400 || response.status == 200, "\(query): \(response.status)")
            if query.hasPrefix("limit") { #expect(response.status == 400, "\(query)") }
        }

        let (status, health) = try await harness.admin("GET", "/healthz")
        #expect(status == 200, "\(health)")
        let counts = health["tasks"]?.objectValue?.values.compactMap(\.int64Value) ?? [1]
        #expect(counts.allSatisfy { $0 == 0 }, "nothing was stored: \(health)")
        await harness.stop()
    }
}
