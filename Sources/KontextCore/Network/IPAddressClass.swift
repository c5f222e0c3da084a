/// What kind of network an IP address belongs to, decided from its bytes alone.
///
/// Image downloads check the address curl is about to connect to (after DNS, at connect time, so
/// a name that rebinds to 127.0.0.1 between a check and the connection cannot slip through):
/// only `.global` addresses are reached unless private addresses are allowed. IPv6 forms that
/// embed an IPv4 address (mapped `::ffff:a.b.c.d`, compatible `::a.b.c.d`, NAT64 `64:ff9b::/96`,
/// 6to4 `2002::/16`) are judged by the IPv4 address they lead to.
package enum IPAddressClass: String, Sendable, Hashable, CaseIterable {
    /// A globally routable unicast address: the only kind reached by default.
    case global
    /// 127.0.0.0/8, ::1.
    case loopback
    /// 0.0.0.0/8, :: (the host itself on most systems).
    case unspecified
    /// RFC 1918: 10/8, 172.16/12, 192.168/16.
    case `private`
    /// 169.254/16 (cloud metadata lives at 169.254.169.254), fe80::/10.
    case linkLocal
    /// fc00::/7, and the deprecated site-local fec0::/10.
    case uniqueLocal
    /// RFC 6598 shared address space 100.64/10 (carrier-grade NAT).
    case carrierGradeNAT
    /// 224/4, ff00::/8.
    case multicast
    /// Everything else that is not globally reachable: 192.0.0/24, documentation ranges,
    /// benchmarking 198.18/15, 240/4 and the broadcast address, 100::/64, 2001:db8::/32.
    case reserved

    /// The class of a 4-byte IPv4 or 16-byte IPv6 address in network byte order; nil for any other length.
    package static func of(_ address: [UInt8]) -> IPAddressClass? {
        switch address.count {
        case 4: return ipv4(address[0], address[1], address[2], address[3])
        case 16: return ipv6(address)
        default: return nil
        }
    }

    /// A readable form of a 4- or 16-byte address for error messages (`127.0.0.1`, `fe80:0:0:0:0:0:0:1`).
    package static func text(_ address: [UInt8]) -> String {
        if address.count == 4 { return address.map(String.init).joined(separator: ".") }
        guard address.count == 16 else { return address.map { String($0, radix: 16) }.joined(separator: " ") }
        return stride(from: 0, to: 16, by: 2).map { String(UInt16(address[$0]) << 8 | UInt16(address[$0 + 1]), radix: 16) }
            .joined(separator: ":")
    }

    private static func ipv4(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) -> IPAddressClass {
        switch (a, b, c) {
        case (0, _, _): return .unspecified
        case (10, _, _): return .private
        case (100, 64...127, _): return .carrierGradeNAT
        case (127, _, _): return .loopback
        case (169, 254, _): return .linkLocal
        case (172, 16...31, _): return .private
        case (192, 0, 0), (192, 0, 2), (198, 51, 100), (203, 0, 113), (198, 18...19, _): return .reserved
        case (192, 168, _): return .private
        case (224...239, _, _): return .multicast
        case (240...255, _, _): return .reserved
        default: _ = d; return .global
        }
    }

    private static func ipv6(_ bytes: [UInt8]) -> IPAddressClass {
        let firstTen = bytes[0..<10].allSatisfy { $0 == 0 }
        if firstTen && bytes[10] == 0xFF && bytes[11] == 0xFF {
            return ipv4(bytes[12], bytes[13], bytes[14], bytes[15])  // ::ffff:a.b.c.d, IPv4-mapped
        }
        if firstTen && bytes[10] == 0 && bytes[11] == 0 {
            if bytes[12..<15].allSatisfy({ $0 == 0 }) {
                if bytes[15] == 0 { return .unspecified }
                if bytes[15] == 1 { return .loopback }
            }
            return ipv4(bytes[12], bytes[13], bytes[14], bytes[15])  // ::a.b.c.d, IPv4-compatible (deprecated)
        }
        // 64:ff9b::/96 (NAT64) leads to the embedded IPv4 address.
        if bytes[0..<12] == [0x00, 0x64, 0xFF, 0x9B, 0, 0, 0, 0, 0, 0, 0, 0] {
            return ipv4(bytes[12], bytes[13], bytes[14], bytes[15])
        }
        // 2002::/16 (6to4) embeds the IPv4 address of the relay's other end in bytes 2–5.
        if bytes[0] == 0x20 && bytes[1] == 0x02 {
            let embedded = ipv4(bytes[2], bytes[3], bytes[4], bytes[5])
            return embedded == .global ? .global : embedded
        }
        switch bytes[0] {
        case 0xFF: return .multicast
        case 0xFC, 0xFD: return .uniqueLocal
        case 0xFE:
            switch bytes[1] & 0xC0 {
            case 0x80: return .linkLocal
            case 0xC0: return .uniqueLocal  // fec0::/10 site-local, deprecated but still private
            default: return .reserved
            }
        default: break
        }
        if bytes[0] == 0x01 && bytes[1] == 0x00 && bytes[2..<8].allSatisfy({ $0 == 0 }) { return .reserved }  // 100::/64 discard
        if bytes[0] == 0x20 && bytes[1] == 0x01 && bytes[2] == 0x0D && bytes[3] == 0xB8 { return .reserved }  // 2001:db8::/32
        // Only 2000::/3 is allocated global unicast.
        return bytes[0] & 0xE0 == 0x20 ? .global : .reserved
    }
}

/// Which addresses an outgoing image download may connect to.
package struct ConnectAddressPolicy: Sendable, Hashable {
    /// True when loopback, private, link-local, unique-local and CGNAT addresses may be reached
    /// (tests and private mirrors). Multicast, unspecified and reserved addresses never are.
    package var allowPrivateAddresses: Bool

    package init(allowPrivateAddresses: Bool) {
        self.allowPrivateAddresses = allowPrivateAddresses
    }

    /// Why connecting to `address` (4 or 16 bytes) is refused, or nil when it is allowed.
    package func refusal(_ address: [UInt8]) -> String? {
        guard let kind = IPAddressClass.of(address) else {
            return "address of \(address.count) bytes is neither IPv4 nor IPv6"
        }
        switch kind {
        case .global:
            return nil
        case .loopback, .private, .linkLocal, .uniqueLocal, .carrierGradeNAT:
            if allowPrivateAddresses { return nil }
            return "\(IPAddressClass.text(address)) is a \(kind.rawValue) address (images.allowPrivateAddresses is false)"
        case .unspecified, .multicast, .reserved:
            return "\(IPAddressClass.text(address)) is a \(kind.rawValue) address, never reached"
        }
    }
}
