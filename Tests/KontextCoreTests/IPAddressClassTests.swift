import KontextCore
import Testing

@Suite struct IPAddressClassTests {
    static func v4(_ text: String) -> [UInt8] { text.split(separator: ".").map { UInt8($0)! } }

    /// An IPv6 address from its eight groups (no `::` shorthand, so the table shows every byte).
    static func v6(_ groups: [UInt16]) -> [UInt8] { groups.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] } }

    static let cases: [(address: [UInt8], kind: IPAddressClass, note: String)] = [
        (v4("8.8.8.8"), .global, "public resolver"),
        (v4("151.101.1.140"), .global, "public"),
        (v4("127.0.0.1"), .loopback, "loopback"),
        (v4("127.255.255.254"), .loopback, "all of 127/8"),
        (v4("0.0.0.0"), .unspecified, "this host"),
        (v4("0.1.2.3"), .unspecified, "0/8"),
        (v4("10.0.0.1"), .private, "10/8"),
        (v4("172.16.0.1"), .private, "172.16/12 start"),
        (v4("172.31.255.255"), .private, "172.16/12 end"),
        (v4("172.32.0.1"), .global, "just past 172.16/12"),
        (v4("192.168.1.1"), .private, "192.168/16"),
        (v4("169.254.169.254"), .linkLocal, "cloud metadata"),
        (v4("100.64.0.1"), .carrierGradeNAT, "CGNAT start"),
        (v4("100.127.255.255"), .carrierGradeNAT, "CGNAT end"),
        (v4("100.128.0.1"), .global, "just past CGNAT"),
        (v4("192.0.0.8"), .reserved, "IETF protocol assignments"),
        (v4("192.0.2.1"), .reserved, "TEST-NET-1"),
        (v4("198.18.0.1"), .reserved, "benchmarking"),
        (v4("224.0.0.1"), .multicast, "multicast"),
        (v4("255.255.255.255"), .reserved, "broadcast"),
        (v4("240.0.0.1"), .reserved, "class E"),
        (v6([0, 0, 0, 0, 0, 0, 0, 1]), .loopback, "::1"),
        (v6([0, 0, 0, 0, 0, 0, 0, 0]), .unspecified, "::"),
        (v6([0, 0, 0, 0, 0, 0xFFFF, 0x7F00, 0x0001]), .loopback, "::ffff:127.0.0.1 (IPv4-mapped)"),
        (v6([0, 0, 0, 0, 0, 0xFFFF, 0xA9FE, 0xA9FE]), .linkLocal, "::ffff:169.254.169.254 (IPv4-mapped)"),
        (v6([0, 0, 0, 0, 0, 0xFFFF, 0x0808, 0x0808]), .global, "::ffff:8.8.8.8 (IPv4-mapped)"),
        (v6([0, 0, 0, 0, 0, 0, 0x0A00, 0x0001]), .private, "::10.0.0.1 (IPv4-compatible)"),
        (v6([0, 0, 0, 0, 0, 0, 0x7F00, 0x0001]), .loopback, "::127.0.0.1 (IPv4-compatible)"),
        (v6([0x64, 0xFF9B, 0, 0, 0, 0, 0xC0A8, 0x0001]), .private, "64:ff9b::192.168.0.1 (NAT64)"),
        (v6([0x2002, 0x7F00, 0x0001, 0, 0, 0, 0, 1]), .loopback, "2002:7f00:1:: (6to4 of 127.0.0.1)"),
        (v6([0x2002, 0x0808, 0x0808, 0, 0, 0, 0, 1]), .global, "6to4 of 8.8.8.8"),
        (v6([0xFE80, 0, 0, 0, 0, 0, 0, 1]), .linkLocal, "fe80::1"),
        (v6([0xFEBF, 0, 0, 0, 0, 0, 0, 1]), .linkLocal, "fe80::/10 end"),
        (v6([0xFEC0, 0, 0, 0, 0, 0, 0, 1]), .uniqueLocal, "fec0::/10 site-local"),
        (v6([0xFC00, 0, 0, 0, 0, 0, 0, 1]), .uniqueLocal, "fc00::/7"),
        (v6([0xFD12, 0x3456, 0, 0, 0, 0, 0, 1]), .uniqueLocal, "fd00::/8"),
        (v6([0xFF02, 0, 0, 0, 0, 0, 0, 1]), .multicast, "ff02::1"),
        (v6([0x2001, 0x0DB8, 0, 0, 0, 0, 0, 1]), .reserved, "documentation"),
        (v6([0x0100, 0, 0, 0, 0, 0, 0, 1]), .reserved, "discard 100::/64"),
        (v6([0x2606, 0x4700, 0, 0, 0, 0, 0, 0x1111]), .global, "public IPv6"),
        (v6([0x4000, 0, 0, 0, 0, 0, 0, 1]), .reserved, "outside 2000::/3"),
    ]

    @Test func everyRangeIsClassified() {
        for testCase in Self.cases {
            #expect(IPAddressClass.of(testCase.address) == testCase.kind, "\(testCase.note): \(IPAddressClass.text(testCase.address))")
        }
        #expect(IPAddressClass.of([1, 2, 3]) == nil)
    }

    @Test func policyRefusesEverythingButGlobalByDefault() {
        let strict = ConnectAddressPolicy(allowPrivateAddresses: false)
        let relaxed = ConnectAddressPolicy(allowPrivateAddresses: true)
        for testCase in Self.cases {
            let strictRefusal = strict.refusal(testCase.address)
            let relaxedRefusal = relaxed.refusal(testCase.address)
            #expect((strictRefusal == nil) == (testCase.kind == .global), "\(testCase.note)")
            switch testCase.kind {
            case .global, .loopback, .private, .linkLocal, .uniqueLocal, .carrierGradeNAT:
                #expect(relaxedRefusal == nil, "\(testCase.note)")
            case .unspecified, .multicast, .reserved:
                #expect(relaxedRefusal != nil, "\(testCase.note): never reached, even when private addresses are allowed")
            }
        }
        #expect(strict.refusal(Self.v4("169.254.169.254")) == "169.254.169.254 is a linkLocal address (images.allowPrivateAddresses is false)")
    }
}
