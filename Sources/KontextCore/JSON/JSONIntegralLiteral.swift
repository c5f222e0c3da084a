/// The exact integer a JSON number literal with a fraction or an exponent denotes, when it
/// denotes one that fits 64 bits (`1e19`, `9007199254740993.0`, `12.5e1`).
///
/// A `Double` cannot tell these apart from their neighbours above 2^53, and the Foundation
/// decoder this parser replaced read them as integers, so stored values and request hashes
/// depend on reading them exactly.
struct JSONIntegralLiteral {
    /// The literal's absolute value.
    let magnitude: UInt64

    /// Reads the digits `base[integerDigits] . base[fractionDigits] × 10^exponent`; nil when
    /// that value is not a whole number or its magnitude exceeds `UInt64.max`.
    init?(base: UnsafePointer<UInt8>, integerDigits: Range<Int>, fractionDigits: Range<Int>, exponent: Int) {
        let digitCount = integerDigits.count + fractionDigits.count
        func digit(_ position: Int) -> UInt64 {
            let index = position < integerDigits.count
                ? integerDigits.lowerBound + position
                : fractionDigits.lowerBound + (position - integerDigits.count)
            return UInt64(base[index] &- UInt8(ascii: "0"))
        }
        var first = 0
        while first < digitCount, digit(first) == 0 { first += 1 }
        guard first < digitCount else {
            magnitude = 0
            return
        }
        var last = digitCount - 1
        while digit(last) == 0 { last -= 1 }
        // Value = digits[first...last] × 10^scale.
        let scale = exponent - fractionDigits.count + (digitCount - 1 - last)
        guard scale >= 0, (last - first + 1) + scale <= 20 else { return nil }
        var value: UInt64 = 0
        for position in first...last {
            let (shifted, shiftOverflow) = value.multipliedReportingOverflow(by: 10)
            let (sum, sumOverflow) = shifted.addingReportingOverflow(digit(position))
            guard !shiftOverflow, !sumOverflow else { return nil }
            value = sum
        }
        for _ in 0..<scale {
            let (shifted, overflow) = value.multipliedReportingOverflow(by: 10)
            guard !overflow else { return nil }
            value = shifted
        }
        magnitude = value
    }
}
