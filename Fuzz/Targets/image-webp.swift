// libFuzzer target: the webp structure check together with the decode check (Fuzz/Shared/ImageChecks.swift).
import KontextCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    checkImage(data, size, as: .webp)
    return 0
}
