import Foundation
@testable import KontextDaemon
import KontextCore
import RunwareSimulator
import Testing

@Suite struct DecodeMemoryBudgetTests {
    @Test func aReservationWaitsUntilThereIsRoom() async throws {
        let budget = DecodeMemoryBudget(capacity: 10)
        let first = budget.reserve(8)
        #expect(first == 8 && budget.bytesInUse == 8)
        let done = DispatchSemaphore(value: 0)
        let second = Thread {
            let amount = budget.reserve(5)
            budget.release(amount)
            done.signal()
        }
        second.start()
        // The second decode is parked on the budget: it cannot finish before the first releases.
        while budget.waiters == 0 { await Task.yield() }
        #expect(budget.bytesInUse == 8)
        #expect(done.wait(timeout: .now()) == .timedOut)
        budget.release(first)
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                done.wait()
                continuation.resume()
            }
        }
        #expect(budget.bytesInUse == 0 && budget.waiters == 0)
    }

    @Test func aRequestAboveTheWholeBudgetRunsAlone() {
        let budget = DecodeMemoryBudget(capacity: 10)
        let amount = budget.reserve(1_000)
        #expect(amount == 10 && budget.bytesInUse == 10)
        budget.release(amount)
        #expect(budget.bytesInUse == 0)
    }

    @Test func estimatesSaturate() {
        #expect(DecodeMemoryBudget.estimate(byteCount: 100, width: 10, height: 10) == 500)
        #expect(DecodeMemoryBudget.estimate(byteCount: 1, width: Int.max, height: 2) == Int.max)
    }

    @Test func theDecoderRefusesAnOversizeHeaderBeforeAllocating() throws {
        let bytes = try ImageSynthesizer.render(format: .webp, size: ImageSize(width: 64, height: 64), seed: 3)
        let bounds = ImageBounds(maximumSide: 32, maximumPixels: 1024)
        for format in [OutputFormat.webp] {
            let reason = PixelDecodeCheck.failure(bytes, format: format, bounds: bounds)
            #expect(reason?.contains("beyond the 32-pixel side") == true, "\(String(describing: reason))")
        }
        let jpeg = try ImageSynthesizer.render(format: .jpg, size: ImageSize(width: 64, height: 64), seed: 3)
        #expect(PixelDecodeCheck.failure(jpeg, format: .jpg, bounds: bounds)?.contains("64x64") == true)
        let png = try ImageSynthesizer.render(format: .png, size: ImageSize(width: 64, height: 64), seed: 3)
        #expect(PixelDecodeCheck.failure(png, format: .png, bounds: bounds)?.contains("64x64") == true)
        #expect(PixelDecodeCheck.failure(jpeg, format: .jpg) == nil)
    }
}
