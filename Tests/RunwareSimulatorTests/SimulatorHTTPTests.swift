import KontextTesting
import Foundation
import KontextCore
import KontextCrypto
import KontextNet
import Testing

@testable import RunwareSimulator

/// The simulator over real sockets: libcurl client in, webhooks out to a real receiver.
@Suite("Simulator over HTTP")
struct SimulatorHTTPTests {
    @Test("auth: no header and a wrong key get 401 invalidApiKey; the authentication element works")
    func authentication() async throws {
        let session = try await SimulatorSession.start()
        let missing = try await session.post([TaskFixture.task()], bearer: nil)
        #expect(missing.status == 401)
        #expect(missing.body == .object(["errors": .array([RunwareErrorObject.invalidAPIKey.jsonValue])]))
        let wrong = try await session.post([TaskFixture.task()], bearer: "nope")
        #expect(wrong.status == 401)
        #expect(wrong.body.errorItems.first?["code"] == .string("invalidApiKey"))
        let element = try await session.post(
            [TaskFixture.authentication(SimulatorSession.apiKey), TaskFixture.task()], bearer: nil)
        #expect(element.status == 200)
        #expect(element.body.dataItems.count == 1)
        await session.stop()
    }

    @Test("errors: non-array body, invalid parameter envelope, conflictTaskUUID")
    func errorEnvelopes() async throws {
        let session = try await SimulatorSession.start()
        let notArray = try await session.post(raw: Array("{\"taskType\":\"imageInference\"}".utf8))
        #expect(notArray.status == 400)
        #expect(notArray.body.errorItems.count == 1)

        let uuid = TaskFixture.uuid()
        let invalid = try await session.post([TaskFixture.task(uuid: uuid, extra: ["CFGScale": .integer(50)])])
        #expect(invalid.status == 400)
        let error = try #require(invalid.body.errorItems.first)
        #expect(error["code"] == .string("invalidCFGScale"))
        #expect(error["parameter"] == .string("CFGScale"))
        #expect(error["taskUUID"] == .string(uuid))

        let accepted = try await session.post([TaskFixture.task(uuid: uuid)])
        #expect(accepted.status == 200)
        let conflict = try await session.post([TaskFixture.task(uuid: uuid)])
        #expect(conflict.status == 400)
        #expect(conflict.body.errorItems.first?["code"] == .string("conflictTaskUUID"))
        #expect(session.simulator.submittedTaskCount == 3)
        await session.stop()
    }

    @Test("numberResults 3 with a webhook: ack, three deliveries, images downloadable and matching sha256")
    func webhooksAndDownloads() async throws {
        let session = try await SimulatorSession.start()
        let receiver = WebhookReceiver()
        let webhookURL = try await receiver.start()
        let uuid = TaskFixture.uuid()
        let ack = try await session.post([TaskFixture.task(uuid: uuid, extra: [
            "webhookURL": .string(webhookURL), "numberResults": .integer(3), "outputFormat": .string("WEBP"),
            "width": .integer(1184), "height": .integer(880), "seed": .integer(40),
        ])])
        #expect(ack.status == 200)
        #expect(ack.body.dataItems == [.object(["taskType": .string("imageInference"), "taskUUID": .string(uuid)])])

        #expect(await eventually { receiver.deliveries.count >= 3 })
        await session.simulator.waitUntilQuiet()
        #expect(receiver.deliveries.count == 3)
        #expect(receiver.deliveries.allSatisfy { $0.contentType == "application/json" })
        #expect(receiver.deliveries.allSatisfy { $0.uri == "/webhooks/runware?token=secret" })
        let results = try receiver.bodies()
        let generated = session.simulator.generatedImages()
        #expect(generated.count == 3)
        #expect(Set(results.compactMap { $0["imageUUID"]?.stringValue }) == Set(generated.map(\.imageUUID)))
        for result in results {
            #expect(result["taskUUID"] == .string(uuid))
            let imageUUID = try #require(result["imageUUID"]?.stringValue)
            let url = try #require(result["imageURL"]?.stringValue)
            #expect(url == "\(session.simulator.baseURL)/image/ws/2/ii/\(imageUUID).webp")
            let response = try await session.get(url)
            #expect(response.status == 200)
            #expect(response.header("Content-Type") == "image/webp")
            let record = try #require(generated.first { $0.imageUUID == imageUUID })
            #expect(SHA256Digest.hexHash(response.body) == record.sha256)
            #expect(try ImageIdentification.identify(response.body)
                == ImageIdentification(format: "WEBP", width: 1184, height: 880))
            #expect(session.simulator.webhookAttempts[imageUUID] == 1)
        }
        await receiver.stop()
        await session.stop()
    }

    @Test("the wrapped variant sends {\"data\":[result]}")
    func wrappedVariant() async throws {
        let session = try await SimulatorSession.start(variant: .wrapped)
        let receiver = WebhookReceiver()
        let webhookURL = try await receiver.start()
        _ = try await session.post([TaskFixture.task(extra: ["webhookURL": .string(webhookURL)])])
        #expect(await eventually { receiver.deliveries.count == 1 })
        let body = try #require(try receiver.bodies().first)
        let result = try #require(body.dataItems.first)
        #expect(body.objectValue?.keys.sorted() == ["data"])
        #expect(result["imageUUID"]?.stringValue == session.simulator.generatedImages().first?.imageUUID)
        await receiver.stop()
        await session.stop()
    }

    @Test("a receiver answering 500 twice gets the same body a third time, then no more")
    func webhookRetry() async throws {
        let session = try await SimulatorSession.start()
        let receiver = WebhookReceiver(script: [500, 500])
        let webhookURL = try await receiver.start()
        _ = try await session.post([TaskFixture.task(extra: ["webhookURL": .string(webhookURL)])])
        #expect(await eventually { receiver.deliveries.count >= 3 })
        await session.simulator.waitUntilQuiet()
        #expect(receiver.deliveries.count == 3)
        #expect(Set(receiver.deliveries.map(\.body)).count == 1)
        let image = try #require(session.simulator.generatedImages().first)
        #expect(session.simulator.webhookAttempts == [image.imageUUID: 3])
        await receiver.stop()
        await session.stop()
    }

    @Test("[sim:fail] over HTTP: one bare status-error webhook, getResponse error; [sim:reject] refused")
    func failAndReject() async throws {
        let session = try await SimulatorSession.start()
        let receiver = WebhookReceiver()
        let webhookURL = try await receiver.start()
        let uuid = TaskFixture.uuid()
        let ack = try await session.post([TaskFixture.task(uuid: uuid, prompt: "a boat [sim:fail]", extra: [
            "webhookURL": .string(webhookURL), "numberResults": .integer(2),
        ])])
        #expect(ack.status == 200)
        #expect(await eventually { receiver.deliveries.count == 1 })
        let body = try #require(try receiver.bodies().first)
        #expect(body["status"] == .string("error"))
        #expect(["inferenceError", "processingFailed", "taskFailed", "timeoutProvider"].contains(body["code"]?.stringValue ?? ""))
        #expect(body["taskUUID"] == .string(uuid))
        let poll = try await session.post([TaskFixture.getResponse(uuid)])
        #expect(poll.body.errorItems.first?["status"] == .string("error"))

        let rejected = try await session.post([TaskFixture.task(prompt: "a boat [sim:reject]")])
        #expect(rejected.status == 400)
        #expect(rejected.body.errorItems.first?["code"] == .string("invalidContent"))
        #expect(session.simulator.generatedImages().isEmpty)
        await receiver.stop()
        await session.stop()
    }

    @Test("[sim:corrupt] over HTTP: downloaded bytes match the recorded sha256 but do not decode")
    func corrupt() async throws {
        let session = try await SimulatorSession.start()
        let reply = try await session.post([TaskFixture.task(prompt: "a boat [sim:corrupt]")])
        let url = try #require(reply.body.dataItems.first?["imageURL"]?.stringValue)
        let response = try await session.get(url)
        let record = try #require(session.simulator.generatedImages().first)
        #expect(record.corrupted)
        #expect(SHA256Digest.hexHash(response.body) == record.sha256)
        #expect(try ImageIdentification.identify(response.body) == nil)
        await session.stop()
    }

    @Test("base64Data over HTTP decodes to an image with the recorded sha256")
    func base64Output() async throws {
        let session = try await SimulatorSession.start()
        let reply = try await session.post([TaskFixture.task(extra: [
            "outputType": .string("base64Data"), "outputFormat": .string("PNG"),
        ])])
        #expect(reply.status == 200)
        let result = try #require(reply.body.dataItems.first)
        #expect(result["imageURL"] == nil)
        let text = try #require(result["imageBase64Data"]?.stringValue)
        let data = try #require(Data(base64Encoded: text))
        #expect(SHA256Digest.hexHash(Array(data)) == session.simulator.generatedImages().first?.sha256)
        #expect(try ImageIdentification.identify(Array(data))
            == ImageIdentification(format: "PNG", width: 1024, height: 1024))
        await session.stop()
    }

    @Test("getResponse over HTTP: processing, then both results with status success")
    func getResponse() async throws {
        let session = try await SimulatorSession.start(delay: 1)
        let uuid = TaskFixture.uuid()
        _ = try await session.post([TaskFixture.task(uuid: uuid, extra: [
            "deliveryMethod": .string("async"), "numberResults": .integer(2),
        ])])
        let early = try await session.post([TaskFixture.getResponse(uuid)])
        #expect(early.body.dataItems.map { $0["status"] } == [.string("processing")])
        #expect(try await eventually {
            try await session.post([TaskFixture.getResponse(uuid)]).body.dataItems
                .filter { $0["status"] == .string("success") }.count == 2
        })
        await session.stop()
    }

    @Test("images 404 when unknown; reference assets are JPEGs; /sim/state mirrors the inspection API")
    func servingAndState() async throws {
        let session = try await SimulatorSession.start()
        let base = session.simulator.baseURL
        #expect(try await session.get("\(base)/image/ws/2/ii/\(TaskFixture.uuid()).jpg").status == 404)
        let asset = try await session.get("\(base)/assets/inputs/d63ac405-965e.jpg")
        #expect(asset.status == 200)
        #expect(asset.header("Content-Type") == "image/jpeg")
        #expect(try await session.get("\(base)/assets/inputs/d63ac405-965e.jpg").body == asset.body)
        #expect(try ImageIdentification.identify(asset.body)?.format == "JPEG")

        let reply = try await session.post([TaskFixture.task(extra: ["seed": .integer(3)])])
        let imageURL = try #require(reply.body.dataItems.first?["imageURL"]?.stringValue)
        #expect(try await session.get(imageURL.replacingOccurrences(of: ".jpg", with: ".png")).status == 404)
        let state = try JSONCoding.parse(try await session.get("\(base)/sim/state").body)
        let image = try #require(session.simulator.generatedImages().first)
        #expect(state["submittedTaskCount"] == .integer(1))
        #expect(state["images"]?.arrayValue == [image.jsonValue])
        #expect(state["images"]?.arrayValue?.first?["sha256"] == .string(image.sha256))
        await session.stop()
    }
}
