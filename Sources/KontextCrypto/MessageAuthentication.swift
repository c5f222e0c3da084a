import COpenSSL

/// HMAC-SHA256 and constant-time comparison, for the per-task webhook tokens.
package enum MessageAuthentication {
    /// HMAC-SHA256 of `message` under `key`: 32 bytes.
    package static func hmacSHA256(key: [UInt8], message: [UInt8]) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        // An empty key still needs a non-null pointer for HMAC.
        let safeKey = key.isEmpty ? [0] : key
        let keyLength = Int32(key.count)
        safeKey.withUnsafeBytes { keyBuffer in
            message.withUnsafeBytes { messageBuffer in
                _ = HMAC(
                    EVP_sha256(), keyBuffer.baseAddress, keyLength,
                    messageBuffer.baseAddress?.assumingMemoryBound(to: UInt8.self), messageBuffer.count,
                    &output, &length)
            }
        }
        return Array(output.prefix(Int(length)))
    }

    /// True when the two byte strings are equal, in time that depends only on their lengths
    /// (libcrypto's `CRYPTO_memcmp`), so a caller cannot learn a secret byte by byte.
    package static func constantTimeEquals(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        guard lhs.count == rhs.count else { return false }
        if lhs.isEmpty { return true }
        return lhs.withUnsafeBytes { a in
            rhs.withUnsafeBytes { b in
                CRYPTO_memcmp(a.baseAddress, b.baseAddress, a.count) == 0
            }
        }
    }

    /// `count` bytes from libcrypto's CSPRNG.
    package static func randomBytes(count: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        let status = bytes.withUnsafeMutableBytes { RAND_bytes($0.baseAddress?.assumingMemoryBound(to: UInt8.self), Int32(count)) }
        // RAND_bytes fails only when the CSPRNG cannot be seeded: no safe secret can exist then.
        precondition(status == 1, "RAND_bytes failed: the system CSPRNG is unavailable")
        return bytes
    }
}
