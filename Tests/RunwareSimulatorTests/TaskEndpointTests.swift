import KontextTesting
import Foundation
import KontextCore
import Logging
import Testing

@testable import RunwareSimulator

/// Protocol semantics of `POST /v1` checked directly on the endpoint, webhooks going to a
/// recording transport. The HTTP wiring is covered by `SimulatorHTTPTests`.
@Suite("TaskEndpoint")
struct TaskEndpointTests {
    static let key = "unit-key"

    static func makeService(
        delay: Double = 0.01, variant: WebhookBodyVariant = .bare, transport: RecordingWebhookTransport = .init(),
        retry: WebhookRetryPolicy = WebhookRetryPolicy(initialDelay: 0.01, maximumDelay: 0.05, jitter: 0.2)
    ) -> SimulatedRunware {
        let configuration = SimulatorConfiguration(
            apiKey: key, generationDelay: delay, webhookBodyVariant: variant, webhookRetry: retry)
        let service = SimulatedRunware(configuration: configuration, transport: transport, logger: Logger(label: "test"))
        service.setPublicBaseURL("http://sim.test")
        return service
    }

    static func send(_ service: SimulatedRunware, _ tasks: [JSONValue], bearer: String? = key) async -> TaskEndpoint.Reply {
        await TaskEndpoint(service: service).respond(
            authorization: bearer.map { "Bearer \($0)" }, body: JSONCoding.encode(.array(tasks)))
    }

    @Test("missing or wrong API key gets 401 with Runware's invalidApiKey error")
    func authenticationFailures() async {
        let service = Self.makeService()
        for bearer in [nil, "wrong"] as [String?] {
            let reply = await Self.send(service, [TaskFixture.task()], bearer: bearer)
            #expect(reply.status == 401)
            let error = reply.body.errorItems.first
            #expect(error?["code"] == .string("invalidApiKey"))
            #expect(error?["parameter"] == .string("apiKey"))
            #expect(error?["taskType"] == .string("authentication"))
        }
        let wrongElement = await Self.send(service, [TaskFixture.authentication("nope"), TaskFixture.task()], bearer: nil)
        #expect(wrongElement.status == 401)
        #expect(service.submittedTaskCount == 0)
        await service.stop()
    }

    @Test("an authentication element as first task authenticates the request")
    func authenticationElement() async {
        let service = Self.makeService()
        let uuid = TaskFixture.uuid()
        let reply = await Self.send(service, [TaskFixture.authentication(Self.key), TaskFixture.task(uuid: uuid)], bearer: nil)
        #expect(reply.status == 200)
        #expect(reply.body.dataItems.first?["taskUUID"] == .string(uuid))
        #expect(reply.body.dataItems.first?["imageURL"]?.stringValue?.hasPrefix("http://sim.test/image/ws/2/ii/") == true)
        await service.stop()
    }

    @Test("a body that is not a JSON array is a 400 with an error object")
    func bodyNotArray() async {
        let service = Self.makeService()
        let endpoint = TaskEndpoint(service: service)
        for body in [Array("{\"taskType\":\"imageInference\"}".utf8), Array("not json".utf8)] {
            let reply = await endpoint.respond(authorization: "Bearer \(Self.key)", body: body)
            #expect(reply.status == 400)
            #expect(reply.body.errorItems.first?["code"] == .string("invalidRequestBody"))
        }
        await service.stop()
    }

    @Test("a violated rule becomes invalid<Parameter> naming the field, the task and the documentation")
    func invalidParameter() async throws {
        let service = Self.makeService()
        let uuid = TaskFixture.uuid()
        let reply = await Self.send(service, [TaskFixture.task(uuid: uuid, extra: ["steps": .integer(99)])])
        #expect(reply.status == 400)
        #expect(reply.body.dataItems.isEmpty)
        let error = try #require(reply.body.errorItems.first)
        #expect(error["code"] == .string("invalidSteps"))
        #expect(error["parameter"] == .string("steps"))
        #expect(error["taskType"] == .string("imageInference"))
        #expect(error["taskUUID"] == .string(uuid))
        #expect(error["message"]?.stringValue?.contains("99") == true)
        #expect(error["documentation"]?.stringValue?.hasPrefix("https://runware.ai/docs") == true)
        #expect(service.submittedTaskCount == 1)
        #expect(service.acceptedTaskCount == 0)
        await service.stop()
    }

    @Test("nested and missing fields map to codes from their last member name")
    func errorCodes() {
        let nested = RunwareErrorObject.invalidParameter(
            ValidationIssue(field: "lora[1].weight", rule: "must be between -4 and 4", value: "9"), taskUUID: nil)
        #expect(nested.code == "invalidWeight")
        #expect(nested.parameter == "lora[1].weight")
        let missing = RunwareErrorObject.invalidParameter(.missing(field: "positivePrompt"), taskUUID: "t")
        #expect(missing.code == "missingPositivePrompt")
    }

    @Test("a reused taskUUID is refused with conflictTaskUUID while the first run is kept")
    func conflict() async throws {
        let service = Self.makeService()
        let uuid = TaskFixture.uuid()
        let first = await Self.send(service, [TaskFixture.task(uuid: uuid)])
        #expect(first.status == 200)
        let second = await Self.send(service, [TaskFixture.task(uuid: uuid)])
        #expect(second.status == 400)
        let error = try #require(second.body.errorItems.first)
        #expect(error["code"] == .string("conflictTaskUUID"))
        #expect(error["taskUUID"] == .string(uuid))
        #expect(service.submittedTaskCount == 2)
        #expect(service.acceptedTaskCount == 1)
        #expect(service.generatedImages.count == 1)
        await service.stop()
    }

    @Test("one bad task among good ones gives 200 with both data and errors")
    func partialFailure() async {
        let service = Self.makeService()
        let good = TaskFixture.uuid()
        let reply = await Self.send(service, [
            TaskFixture.task(uuid: good), TaskFixture.task(extra: ["numberResults": .integer(0)]),
        ])
        #expect(reply.status == 200)
        #expect(reply.body.dataItems.map { $0["taskUUID"] } == [.string(good)])
        #expect(reply.body.errorItems.first?["code"] == .string("invalidNumberResults"))
        await service.stop()
    }

    @Test("an async task is acknowledged at once with exactly taskType and taskUUID")
    func asyncAcknowledgement() async {
        let service = Self.makeService(delay: 5)
        let uuid = TaskFixture.uuid()
        let reply = await Self.send(service, [TaskFixture.task(uuid: uuid, extra: ["deliveryMethod": .string("async")])])
        #expect(reply.status == 200)
        #expect(reply.body == .object(["data": .array([
            .object(["taskType": .string("imageInference"), "taskUUID": .string(uuid)]),
        ])]))
        #expect(service.generatedImages.isEmpty)
        await service.stop()
    }

    @Test("sync results carry seed+index, the chosen fields, and cost/NSFWContent only when asked")
    func syncResultFields() async throws {
        let service = Self.makeService()
        let uuid = TaskFixture.uuid()
        let plain = await Self.send(service, [TaskFixture.task(extra: ["seed": .integer(17513)])])
        let plainResult = try #require(plain.body.dataItems.first)
        #expect(plainResult["cost"] == nil)
        #expect(plainResult["NSFWContent"] == nil)
        #expect(plainResult["seed"] == .integer(17513))

        let reply = await Self.send(service, [TaskFixture.task(uuid: uuid, extra: [
            "seed": .integer(100), "numberResults": .integer(2), "includeCost": .bool(true),
            "safety": .object(["checkContent": .bool(true)]), "outputFormat": .string("png"),
            "width": .integer(1568), "height": .integer(672),
        ])])
        #expect(reply.status == 200)
        let results = reply.body.dataItems
        #expect(results.count == 2)
        #expect(results.map { $0["seed"] } == [.integer(100), .integer(101)])
        #expect(results.allSatisfy { $0["cost"] == .double(0.0143) && $0["NSFWContent"] == .bool(false) })
        #expect(results.allSatisfy { $0["status"] == nil && $0["taskType"] == .string("imageInference") })
        #expect(Set(results.compactMap { $0["imageUUID"] }).count == 2)
        let images = service.generatedImages.filter { $0.taskUUID == uuid }
        #expect(images.map(\.size) == [ImageSize(width: 1568, height: 672), ImageSize(width: 1568, height: 672)])
        #expect(images.allSatisfy { $0.format == .png })
        let first = try #require(images.first)
        #expect(results[0]["imageURL"] == .string("http://sim.test/image/ws/2/ii/\(first.imageUUID).png"))
        await service.stop()
    }

    @Test("base64Data and dataURI outputs inline exactly the served bytes")
    func inlineOutputs() async throws {
        let service = Self.makeService()
        let reply = await Self.send(service, [
            TaskFixture.task(extra: ["outputType": .string("base64Data"), "outputFormat": .string("WEBP")]),
            TaskFixture.task(extra: ["outputType": .string("dataURI")]),
        ])
        let results = reply.body.dataItems
        try #require(results.count == 2)
        let images = service.generatedImages
        let base64 = try #require(results[0]["imageBase64Data"]?.stringValue)
        #expect(results[0]["imageURL"] == nil)
        let decoded = try #require(Data(base64Encoded: base64))
        let served = try #require(service.servedImage(images[0].imageUUID))
        #expect(Array(decoded) == served.bytes)
        #expect(served.format == .webp)
        let dataURI = try #require(results[1]["imageDataURI"]?.stringValue)
        #expect(dataURI.hasPrefix("data:image/jpeg;base64,"))
        await service.stop()
    }

    @Test("getResponse reports processing first, then every result with status success")
    func cumulativeState() async throws {
        let service = Self.makeService(delay: 0.6)
        let uuid = TaskFixture.uuid()
        _ = await Self.send(service, [TaskFixture.task(uuid: uuid, extra: [
            "deliveryMethod": .string("async"), "numberResults": .integer(2),
        ])])
        let early = await Self.send(service, [TaskFixture.getResponse(uuid)])
        #expect(early.status == 200)
        #expect(early.body.dataItems == [.object([
            "taskType": .string("imageInference"), "taskUUID": .string(uuid), "status": .string("processing"),
            "resultIndex": .integer(0), "progress": .integer(0),
        ])])
        let finished = await eventually {
            await Self.send(service, [TaskFixture.getResponse(uuid)]).body.dataItems
                .filter { $0["status"] == .string("success") }.count == 2
        }
        #expect(finished)
        let final = await Self.send(service, [TaskFixture.getResponse(uuid)]).body.dataItems
        #expect(final.count == 2)
        #expect(final.allSatisfy { $0["imageURL"] != nil && $0["imageUUID"] != nil && $0["seed"] != nil })
        #expect(Set(final.compactMap { $0["resultIndex"] }) == [.integer(0), .integer(1)])
        let unknown = await Self.send(service, [TaskFixture.getResponse(TaskFixture.uuid())])
        #expect(unknown.status == 400)
        #expect(unknown.body.errorItems.first?["parameter"] == .string("taskUUID"))
        #expect(unknown.body.errorItems.first?["code"] == .string("taskNotFound"))
        await service.stop()
    }

    @Test("[sim:reject] is refused at submission with invalidContent and nothing runs")
    func rejectHook() async throws {
        let service = Self.makeService()
        let uuid = TaskFixture.uuid()
        let reply = await Self.send(service, [TaskFixture.task(uuid: uuid, prompt: "a cat [sim:reject]")])
        #expect(reply.status == 400)
        let error = try #require(reply.body.errorItems.first)
        #expect(error["code"] == .string("invalidContent"))
        #expect(error["parameter"] == .string("positivePrompt"))
        #expect(error["taskUUID"] == .string(uuid))
        #expect(service.acceptedTaskCount == 0)
        #expect(service.generatedImages.isEmpty)
        await service.stop()
    }

    @Test("[sim:fail] sends one failure webhook, wrapped in errors, and getResponse reports the error",
          arguments: WebhookBodyVariant.allCases)
    func failHook(variant: WebhookBodyVariant) async throws {
        let transport = RecordingWebhookTransport()
        let service = Self.makeService(variant: variant, transport: transport)
        let uuid = TaskFixture.uuid()
        let ack = await Self.send(service, [TaskFixture.task(uuid: uuid, prompt: "a cat [sim:fail]", extra: [
            "webhookURL": .string("http://receiver.test/hook?token=abc"), "numberResults": .integer(3),
        ])])
        #expect(ack.status == 200)
        #expect(await eventually { transport.posts.count == 1 })
        // Once the ledger is quiet no delivery is running or due: a wrongly repeated one would be counted.
        await service.waitUntilQuiet()
        #expect(transport.posts.count == 1)
        let post = try #require(transport.posts.first)
        #expect(post.url == "http://receiver.test/hook?token=abc")
        let body = try JSONCoding.parse(post.body)
        let error = try #require(variant == .wrapped ? body.errorItems.first : body)
        #expect(error["code"] == .string(RunwareErrorObject.generationFailureCode(for: uuid)))
        #expect(RunwareErrorObject.generationFailureCodes.contains(error["code"]?.stringValue ?? ""))
        #expect(error["status"] == .string("error"))
        #expect(error["taskUUID"] == .string(uuid))
        #expect(service.generatedImages.isEmpty)
        let poll = await Self.send(service, [TaskFixture.getResponse(uuid)])
        #expect(poll.body.dataItems.isEmpty)
        #expect(poll.body.errorItems.first?["status"] == .string("error"))
        await service.stop()
    }

    @Test("[sim:corrupt] serves damaged bytes that structural verification rejects")
    func corruptHook() async throws {
        let service = Self.makeService()
        let uuid = TaskFixture.uuid()
        let reply = await Self.send(service, [TaskFixture.task(uuid: uuid, prompt: "a cat [sim:corrupt]", extra: [
            "seed": .integer(5), "outputFormat": .string("PNG"), "width": .integer(832), "height": .integer(1248),
        ])])
        #expect(reply.status == 200)
        let image = try #require(service.generatedImages.first)
        #expect(image.corrupted)
        let served = try #require(service.servedImage(image.imageUUID))
        let pristine = try ImageSynthesizer.render(format: .png, size: image.size, seed: 5)
        #expect(served.bytes.count == pristine.count)
        #expect(served.bytes != pristine)
        #expect(try ImageIdentification.identify(served.bytes) == nil)
        await service.stop()
    }

    @Test("one webhook per result, bare or wrapped, each carrying its result", arguments: WebhookBodyVariant.allCases)
    func webhookPerResult(variant: WebhookBodyVariant) async throws {
        let transport = RecordingWebhookTransport()
        let service = Self.makeService(variant: variant, transport: transport)
        let uuid = TaskFixture.uuid()
        _ = await Self.send(service, [TaskFixture.task(uuid: uuid, extra: [
            "webhookURL": .string("http://receiver.test/hook"), "numberResults": .integer(3), "seed": .integer(7),
        ])])
        #expect(await eventually { transport.posts.count == 3 })
        let results = try transport.posts.map { post -> JSONValue in
            let body = try JSONCoding.parse(post.body)
            if variant == .wrapped {
                #expect(body.dataItems.count == 1)
                return body.dataItems.first ?? .null
            }
            #expect(body["data"] == nil)
            return body
        }
        #expect(Set(results.compactMap { $0["imageUUID"]?.stringValue })
            == Set(service.generatedImages.map(\.imageUUID)))
        #expect(Set(results.compactMap { $0["seed"] }) == [.integer(7), .integer(8), .integer(9)])
        #expect(results.allSatisfy { $0["taskUUID"] == .string(uuid) })
        await service.stop()
    }

    @Test("a webhook answered 500 or unreachable is retried until a 2xx, counting attempts")
    func webhookRetries() async throws {
        let transport = RecordingWebhookTransport(script: [
            .answered(status: 500), .failed("connectionFailed: refused"), .answered(status: 503),
        ])
        let service = Self.makeService(transport: transport)
        _ = await Self.send(service, [TaskFixture.task(extra: ["webhookURL": .string("http://receiver.test/hook")])])
        #expect(await eventually { transport.posts.count == 4 })
        let image = try #require(service.generatedImages.first)
        #expect(service.webhookAttempts[image.imageUUID] == 4)
        #expect(Set(transport.posts.map(\.body)).count == 1)
        await service.stop()
    }

    @Test("delivery stops after the attempt limit")
    func webhookAttemptLimit() async throws {
        let transport = RecordingWebhookTransport(script: Array(repeating: .answered(status: 500), count: 20))
        let service = Self.makeService(
            transport: transport,
            retry: WebhookRetryPolicy(initialDelay: 0.001, maximumDelay: 0.002, jitter: 0, maximumAttempts: 3))
        _ = await Self.send(service, [TaskFixture.task(extra: ["webhookURL": .string("http://receiver.test/hook")])])
        #expect(await eventually { transport.posts.count == 3 })
        await service.waitUntilQuiet()
        #expect(transport.posts.count == 3)
        await service.stop()
    }

    @Test("a dry run validates and prices without running or remembering the task")
    func dryRun() async throws {
        let service = Self.makeService()
        let uuid = TaskFixture.uuid()
        let body = JSONCoding.encode(.array([TaskFixture.task(uuid: uuid, extra: ["numberResults": .integer(2)])]))
        let endpoint = TaskEndpoint(service: service)
        let priced = await endpoint.respond(authorization: "Bearer \(Self.key)", body: body, dryRun: true)
        #expect(priced.status == 200)
        let item = try #require(priced.body.dataItems.first)
        #expect(item["cost"]?.doubleValue.map { abs($0 - 0.0286) < 1e-9 } == true)
        #expect(service.acceptedTaskCount == 0)
        let real = await endpoint.respond(authorization: "Bearer \(Self.key)", body: body)
        #expect(real.status == 200)
        #expect(service.acceptedTaskCount == 1)
        await service.stop()
    }
}
