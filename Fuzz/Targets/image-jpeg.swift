// libFuzzer target: the jpeg structure check together with the decode check (Fuzz/Shared/ImageChecks.swift).
import KontextCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    checkImage(data, size, as: .jpg)
    return 0
}
