import COpenSSL

/// SHA-256 digests over libcrypto's EVP interface.
package enum SHA256Digest {
    /// The 32-byte SHA-256 digest of `bytes`.
    package static func hash(_ bytes: [UInt8]) -> [UInt8] {
        bytes.withUnsafeBytes { hash($0) }
    }

    /// The 32-byte SHA-256 digest of the bytes in `buffer`.
    package static func hash(_ buffer: UnsafeRawBufferPointer) -> [UInt8] {
        var hasher = SHA256Hasher()
        hasher.update(buffer)
        return hasher.finalize()
    }

    /// The lowercase hex SHA-256 digest of `bytes`.
    package static func hexHash(_ bytes: [UInt8]) -> String {
        Hex.encode(hash(bytes))
    }
}

/// Incremental SHA-256 for data that arrives in pieces (a download, a file read in chunks).
///
/// A value type that owns its `EVP_MD_CTX`; it is not `Sendable` and must stay on one task.
package struct SHA256Hasher: ~Copyable {
    private let context: OpaquePointer

    package init() {
        // EVP_MD_CTX_new only fails on allocation failure, which the process cannot survive anyway.
        guard let context = EVP_MD_CTX_new() else { fatalError("EVP_MD_CTX_new failed: out of memory") }
        EVP_DigestInit_ex(context, EVP_sha256(), nil)
        self.context = context
    }

    /// Feeds more bytes into the digest.
    package mutating func update(_ buffer: UnsafeRawBufferPointer) {
        if let base = buffer.baseAddress, buffer.count > 0 {
            EVP_DigestUpdate(context, base, buffer.count)
        }
    }

    /// Feeds more bytes into the digest.
    package mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// Finishes the digest and returns its 32 bytes.
    package consuming func finalize() -> [UInt8] {
        var output = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        EVP_DigestFinal_ex(context, &output, &length)
        return Array(output.prefix(Int(length)))
    }

    deinit { EVP_MD_CTX_free(context) }
}

/// Lowercase hexadecimal encoding.
package enum Hex {
    /// Encodes bytes as lowercase hex, two characters a byte.
    package static func encode(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
