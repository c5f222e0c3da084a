import Foundation

/// Why a byte buffer could not be read as JSON.
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What the parser reported, for the person reading the error.
    public let message: String

    public init(message: String) { self.message = message }

    public var description: String { "invalid JSON: \(message)" }
}

/// Turns bytes into `JSONValue` and back; the one place JSON (de)serialisation is configured.
///
/// Output is compact with sorted keys, so the same value always encodes to the same bytes
/// (idempotency checks and tests rely on that).
public enum JSONCoding {
    /// Parses a complete JSON document.
    public static func parse(_ bytes: some Collection<UInt8>) throws(JSONParseError) -> JSONValue {
        do {
            return try JSONDecoder().decode(JSONValue.self, from: Data(bytes))
        } catch let error as DecodingError {
            throw JSONParseError(message: Self.describe(error))
        } catch {
            throw JSONParseError(message: "\(error)")
        }
    }

    /// Parses a JSON document held in a string.
    public static func parse(_ text: String) throws(JSONParseError) -> JSONValue {
        try parse(Array(text.utf8))
    }

    /// Encodes a value as compact JSON with sorted keys.
    public static func encode(_ value: JSONValue) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding a JSONValue cannot fail except for non-finite doubles, which JSON cannot carry.
        if let data = try? encoder.encode(value) { return Array(data) }
        return Array("null".utf8)
    }

    /// Encodes a value as a compact JSON string with sorted keys.
    public static func encodeString(_ value: JSONValue) -> String {
        String(decoding: encode(value), as: UTF8.self)
    }

    private static func describe(_ error: DecodingError) -> String {
        switch error {
        case .dataCorrupted(let context):
            if let underlying = context.underlyingError { return "\(underlying)" }
            return context.debugDescription
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .keyNotFound(_, let context):
            return context.debugDescription
        @unknown default:
            return "\(error)"
        }
    }
}
