import KontextCore
import Testing

/// Regression tests from the JSON fuzz target (Fuzz/Targets/json.swift).
@Suite struct JSONRoundTripTests {
    /// Fuzz crash de8800145632: a non-whole literal above 2^53 parses as `.double`, whose value is
    /// whole; its encoding parses back as `.integer` of the same value. Values must agree, and the
    /// encoding is stable after that first round trip.
    @Test func aNonWholeLiteralAboveTwoToTheFiftyThreeRoundTripsByValue() throws {
        let input = "[0,-0,-807,-9223372036854775808,18446744073709551615,184467440637095512.52]"
        let value = try JSONCoding.parse(input)
        #expect(value.arrayValue?.last == .double(184_467_440_637_095_512.52))
        let encoded = JSONCoding.encode(value)
        let again = try JSONCoding.parse(encoded)
        #expect(again.arrayValue?.last == .integer(184_467_440_637_095_520))
        #expect(again.arrayValue?.last?.doubleValue == value.arrayValue?.last?.doubleValue)
        #expect(Array(again.arrayValue?.dropLast() ?? []) == Array(value.arrayValue?.dropLast() ?? []))
        let reencoded = JSONCoding.encode(again)
        #expect(JSONCoding.encode(try JSONCoding.parse(reencoded)) == reencoded)
    }
}
