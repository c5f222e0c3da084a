import KontextDaemon
import Testing

@Suite struct WebhookTokenTests {
    let token = WebhookToken(key: Array("a-secret-of-at-least-16-bytes".utf8))
    let task = "da3533af-ea2f-48e3-ae3d-7cb4b1918a28"

    @Test func tokenIsPerTaskAndPerKey() {
        let other = WebhookToken(key: Array("another-secret-16-bytes-long".utf8))
        #expect(token.token(for: task).count == 64)
        #expect(token.token(for: task) != token.token(for: "a49e0ce1-5e01-49c7-9878-8a0b5f138399"))
        #expect(token.token(for: task) != other.token(for: task))
        #expect(token.token(for: task) == token.token(for: task.uppercased()))
    }

    @Test func validationAcceptsOnlyTheExactToken() {
        let good = token.token(for: task)
        #expect(token.isValid(good, for: task))
        #expect(!token.isValid(nil, for: task))
        #expect(!token.isValid("", for: task))
        #expect(!token.isValid(String(good.dropLast()), for: task))
        #expect(!token.isValid(String(good.dropLast()) + (good.hasSuffix("0") ? "1" : "0"), for: task))
        #expect(!token.isValid(good.uppercased(), for: task))
    }
}
