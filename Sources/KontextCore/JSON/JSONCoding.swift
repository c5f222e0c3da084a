/// Why a byte buffer could not be read as JSON.
package struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What the parser found wrong and the byte offset where it found it
    /// (for example "unexpected character 'x' at offset 17 (expected a value)").
    package let message: String

    /// An error carrying `message` as it will be shown.
    package init(message: String) { self.message = message }

    /// The message, marked as a JSON error.
    package var description: String { "invalid JSON: \(message)" }
}

/// Turns bytes into `JSONValue` and back; the one place JSON (de)serialisation is configured.
///
/// Parsing is strict RFC 8259 (see `JSONByteParser`); output is compact with sorted keys, so the
/// same value always encodes to the same bytes (idempotency checks and request hashes rely on
/// that, and the bytes are those Foundation's `JSONEncoder` wrote before).
package enum JSONCoding {
    /// Parses a complete JSON document.
    package static func parse(_ bytes: some Collection<UInt8>) throws(JSONParseError) -> JSONValue {
        let result = bytes.withContiguousStorageIfAvailable(JSONByteParser.parse)
            ?? Array(bytes).withUnsafeBufferPointer(JSONByteParser.parse)
        return try result.get()
    }

    /// Parses a JSON document held in a string.
    package static func parse(_ text: String) throws(JSONParseError) -> JSONValue {
        var text = text
        return try text.withUTF8(JSONByteParser.parse).get()
    }

    /// Encodes a value as compact JSON with sorted keys.
    package static func encode(_ value: JSONValue) -> [UInt8] {
        var encoder = JSONByteEncoder(capacity: 256)
        encoder.write(value)
        return encoder.output
    }

    /// Encodes a value as a compact JSON string with sorted keys.
    package static func encodeString(_ value: JSONValue) -> String {
        String(decoding: encode(value), as: UTF8.self)
    }
}
