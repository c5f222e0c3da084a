import KontextCore

extension JSONValue {
    /// A seed as a JSON integer: `integer` up to `Int64.max`, `unsignedInteger` above, so
    /// both ends of Runware's 0…2^63 range travel unchanged.
    static func seed(_ value: UInt64) -> JSONValue {
        value <= UInt64(Int64.max) ? .integer(Int64(value)) : .unsignedInteger(value)
    }
}
