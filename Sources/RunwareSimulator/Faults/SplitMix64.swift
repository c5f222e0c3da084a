/// SplitMix64, the small deterministic generator behind every "random" choice the simulator
/// makes from a seed (image pixels, shapes), so the same seed always gives the same image.
///
/// Not cryptographic; it promises only a fixed, platform-independent sequence per seed.
package struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// Starts the sequence for `seed`; two generators with the same seed yield the same values.
    package init(seed: UInt64) {
        state = seed
    }

    /// The next 64-bit value of the sequence.
    package mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A value in `0..<bound` (bound > 0); the modulo bias is irrelevant for drawing pictures.
    mutating func next(below bound: Int) -> Int {
        Int(next() % UInt64(bound))
    }

    /// A byte-sized colour channel.
    mutating func nextChannel() -> UInt8 {
        UInt8(truncatingIfNeeded: next() >> 56)
    }
}
