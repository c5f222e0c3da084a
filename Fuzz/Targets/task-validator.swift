// libFuzzer target: the task validator for both origins, and what the daemon builds from a valid
// task (the canonical request and the Runware payload).
import KontextCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let value = try? JSONCoding.parse(bytes) else { return 0 }
    for origin in [TaskOrigin.client, .runware] {
        switch TaskValidator.validate(value, origin: origin) {
        case .success(let task):
            _ = JSONCoding.encode(task.canonicalRequest)
            _ = JSONCoding.encode(task.runwarePayload(taskUUID: "da3533af-ea2f-48e3-ae3d-7cb4b1918a28", webhookURL: nil))
        case .failure(let error):
            guard !error.issues.isEmpty, error.issues.count <= 101 else {
                fatalError("a rejection must list 1…101 issues, got \(error.issues.count)")
            }
            _ = error.description
        }
    }
    return 0
}
