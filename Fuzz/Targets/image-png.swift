// libFuzzer target: the png structure check together with the decode check (Fuzz/Shared/ImageChecks.swift).
import KontextCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    checkImage(data, size, as: .png)
    return 0
}
