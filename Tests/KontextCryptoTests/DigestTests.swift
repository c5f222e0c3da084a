import KontextCrypto
import Testing

@Suite struct DigestTests {
    @Test func sha256MatchesKnownVectors() {
        #expect(SHA256Digest.hexHash([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256Digest.hexHash(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test func incrementalHashEqualsOneShot() {
        let data = (0..<10_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        var hasher = SHA256Hasher()
        hasher.update(Array(data[..<4_000]))
        hasher.update(Array(data[4_000...]))
        #expect(hasher.finalize() == SHA256Digest.hash(data))
    }

    @Test func hmacMatchesRFC4231Case2() {
        let mac = MessageAuthentication.hmacSHA256(key: Array("Jefe".utf8), message: Array("what do ya want for nothing?".utf8))
        #expect(Hex.encode(mac) == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }

    @Test func constantTimeEqualsComparesContentAndLength() {
        #expect(MessageAuthentication.constantTimeEquals([1, 2, 3], [1, 2, 3]))
        #expect(!MessageAuthentication.constantTimeEquals([1, 2, 3], [1, 2, 4]))
        #expect(!MessageAuthentication.constantTimeEquals([1, 2, 3], [1, 2]))
        #expect(MessageAuthentication.constantTimeEquals([], []))
    }

    @Test func randomBytesDiffer() {
        let a = MessageAuthentication.randomBytes(count: 32)
        let b = MessageAuthentication.randomBytes(count: 32)
        #expect(a.count == 32)
        #expect(a != b)
    }
}
