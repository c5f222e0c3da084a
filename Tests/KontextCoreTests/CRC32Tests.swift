import KontextCore
import Testing

@Suite struct CRC32Tests {
    /// The bit-at-a-time definition, to check the sliced tables against.
    private func referenceCRC(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }

    private func pseudoRandomBytes(_ count: Int, seed: UInt64) -> [UInt8] {
        var state = seed
        return (0..<count).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: state >> 33)
        }
    }

    @Test func standardCheckValue() {
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(CRC32.checksum([]) == 0)
    }

    @Test func matchesTheBitwiseDefinitionAtEveryLength() {
        for length in 0..<80 {
            let bytes = pseudoRandomBytes(length, seed: UInt64(length) + 1)
            #expect(CRC32.checksum(bytes) == referenceCRC(bytes), "length \(length)")
        }
    }

    @Test func chainingPiecesEqualsTheWhole() {
        let bytes = pseudoRandomBytes(1000, seed: 42)
        for split in [0, 1, 7, 8, 9, 500, 999, 1000] {
            let chained = bytes[..<split].withUnsafeBytes { first in
                bytes[split...].withUnsafeBytes { second in
                    CRC32.checksum(second, continuing: CRC32.checksum(first))
                }
            }
            #expect(chained == CRC32.checksum(bytes), "split at \(split)")
        }
    }
}
