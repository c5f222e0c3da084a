import KontextCore
import Testing

@Suite struct TaskValidatorTests {
    static let examples = TaskFixtures.referenceExamples.map { try! JSONCoding.parse($0) }

    @Test(arguments: 0..<4)
    func referenceExampleValidatesForRunware(_ index: Int) throws {
        let example = Self.examples[index]
        let task = try TaskValidator.validate(example, origin: .runware).get()
        #expect(task.taskUUID == example["taskUUID"]?.stringValue)
        #expect(task.referenceImages == example["referenceImages"]?.arrayValue?.compactMap(\.stringValue))
        #expect(task.positivePrompt == example["positivePrompt"]?.stringValue)
        #expect(task.seed == example["seed"]?.uint64Value)
        #expect(task.steps == 28)
        #expect(task.cfgScale == 7.5)
        #expect(task.scheduler == (index == 1 || index == 2 ? "Euler" : "Default"))
        #expect(task.size == (index < 2 ? ImageSize(width: 1248, height: 832) : nil))
        #expect(task.numberResults == 1 && task.outputType == .url && task.outputFormat == .jpg)
        #expect(task.warnings.isEmpty)
    }

    @Test(arguments: 0..<4)
    func referenceExampleWithoutTaskUUIDValidatesForClient(_ index: Int) throws {
        guard case .object(var members) = Self.examples[index] else { throw ExampleNotAnObject() }
        members["taskUUID"] = nil
        let task = try TaskValidator.validate(.object(members), origin: .client).get()
        #expect(task.taskUUID == nil)
        #expect(task.referenceImages.count == 1)
    }

    @Test func clientMayKeepTaskUUIDAsIdempotencyKeyAndItIsLowercased() throws {
        let task = TaskFixtures.task(origin: .client, patch: #"{"taskUUID": "DA3533AF-EA2F-48E3-AE3D-7CB4B1918A28"}"#)
        #expect(try TaskValidator.validate(task, origin: .client).get().taskUUID == TaskFixtures.taskUUID)
    }

    @Test func reportsEveryViolationAtOnce() throws {
        let task = TaskFixtures.task(
            origin: .client,
            patch: #"""
                {"model": "runware:101@1", "steps": 70, "webhookURL": "https://x.example/h",
                 "lora": [{"model": "a:1@1", "weight": 9}], "positivePromt": "typo",
                 "acceleratorOptions": {"cacheStartStep": 4, "cacheEndStep": 2}}
                """#,
            remove: ["positivePrompt"])
        guard case .failure(let error) = TaskValidator.validate(task, origin: .client) else {
            Issue.record("accepted an invalid task")
            return
        }
        #expect(error.issues.map(\.field) == [
            "model", "positivePrompt", "steps", "webhookURL", "acceleratorOptions.cacheEndStep", "lora[0].weight",
            "positivePromt",
        ])
        // steps is invalid, so the caching window is only checked against cacheStartStep.
        #expect(error.issue(for: "acceleratorOptions.cacheEndStep")?.rule == "must be > cacheStartStep (4)")
    }

    @Test func integersArriveInEveryNumberRepresentation() throws {
        var members = TaskFixtures.runwareBase
        members["steps"] = .double(28)
        members["numberResults"] = .unsignedInteger(2)
        members["seed"] = .double(9_223_372_036_854_775_808)
        members["width"] = .integer(1248)
        members["height"] = .double(832)
        let task = try TaskValidator.validate(.object(members), origin: .runware).get()
        #expect(task.steps == 28)
        #expect(task.numberResults == 2)
        #expect(task.seed == 1 << 63)
        #expect(task.size == ImageSize(width: 1248, height: 832))
        #expect(task.canonicalRequest["seed"] == .unsignedInteger(1 << 63))
    }

    @Test func seedAboveTwoToTheSixtyThreeAsDoubleIsRejected() throws {
        var members = TaskFixtures.runwareBase
        members["seed"] = .double(1.9e19)
        guard case .failure(let error) = TaskValidator.validate(.object(members), origin: .runware) else {
            Issue.record("accepted seed 1.9e19")
            return
        }
        #expect(error.issues.map(\.field) == ["seed"])
    }

    @Test(arguments: ["Euler a", "DPM++ 2M SDE", "EulerAncestralDiscreteScheduler", "DPM++ 2S a Karras"])
    func cachingWithStochasticSchedulerWarns(_ scheduler: String) throws {
        let task = TaskFixtures.task(
            origin: .runware, patch: #"{"scheduler": "\#(scheduler)", "acceleratorOptions": {"teaCache": true}}"#)
        let validated = try TaskValidator.validate(task, origin: .runware).get()
        #expect(validated.warnings.count == 1)
        #expect(validated.warnings.first?.contains(scheduler) == true)
        #expect(validated.warnings.first?.hasPrefix("acceleratorOptions:") == true)
    }

    @Test(arguments: [
        #"{"scheduler": "Euler", "acceleratorOptions": {"teaCache": true}}"#,
        #"{"scheduler": "Euler a", "acceleratorOptions": {"teaCache": false, "fbCache": false}}"#,
        #"{"scheduler": "Euler a"}"#,
    ])
    func noWarningWithoutCachingOrWithDeterministicScheduler(_ patch: String) throws {
        let task = TaskFixtures.task(origin: .runware, patch: patch)
        #expect(try TaskValidator.validate(task, origin: .runware).get().warnings.isEmpty)
    }

    // MARK: Wire forms

    static let fullRequest = #"""
        {"positivePrompt": "Give the cat a top hat", "negativePrompt": "blurry", "model": "runware:106@1",
         "referenceImages": ["\#(TaskFixtures.imageURL)", "c64351d5-4c59-42f7-95e1-eace013eddab"],
         "width": 1024, "height": 1024, "seed": 42, "steps": 28, "scheduler": "euler", "CFGScale": 3.5,
         "trueCFGScale": 1.5, "numberResults": 2, "outputType": "url", "outputFormat": "png", "outputQuality": 90,
         "uploadEndpoint": "https://storage.example.com/u", "safety": {"checkContent": true, "mode": "fast"},
         "ttl": 600, "includeCost": true,
         "acceleratorOptions": {"teaCache": true, "teaCacheDistance": 0.4, "cacheStartStep": 2, "cacheEndStep": 20},
         "lora": [{"model": "civitai:1@1", "weight": 0.8, "transformer": "both"}],
         "ipAdapters": [{"model": "runware:55@1", "guideImages": ["\#(TaskFixtures.pngBase64)"], "weight": 0.5}],
         "ultralytics": {"CFGScale": 8, "steps": 20}}
        """#

    @Test func runwarePayloadCarriesTransportFieldsAndRoundTrips() throws {
        let request = try JSONCoding.parse(Self.fullRequest)
        let task = try TaskValidator.validate(request, origin: .client).get()
        let uuid = "0f8fad5b-d9cb-469f-a165-70867728950e"
        let webhook = "http://127.0.0.1:9000/webhooks/runware?token=s3cret"
        let payload = task.runwarePayload(taskUUID: uuid, webhookURL: webhook)

        #expect(payload["taskType"] == .string("imageInference"))
        #expect(payload["taskUUID"] == .string(uuid))
        #expect(payload["webhookURL"] == .string(webhook))
        #expect(payload["deliveryMethod"] == .string("async"))
        #expect(payload["outputFormat"] == .string("PNG"))
        #expect(payload["outputType"] == .string("URL"))
        #expect(payload["scheduler"] == .string("Euler"))
        #expect(payload["referenceImages"] == nil)
        #expect(payload["inputs"]?["referenceImages"] == request["referenceImages"])

        // What Runware receives validates on its side and means the same task.
        let received = try TaskValidator.validate(payload, origin: .runware).get()
        #expect(received.taskUUID == uuid)
        #expect(received.webhookURL == webhook)
        #expect(received.deliveryMethod == "async")
        var expected = task
        expected.taskUUID = uuid
        expected.webhookURL = webhook
        expected.deliveryMethod = "async"
        #expect(received == expected)
        #expect(received.canonicalRequest == task.canonicalRequest)
    }

    @Test func runwarePayloadWithoutWebhookKeepsTheTasksDeliveryMethod() throws {
        let request = TaskFixtures.task(origin: .runware, patch: #"{"deliveryMethod": "sync"}"#)
        let task = try TaskValidator.validate(request, origin: .runware).get()
        let payload = task.runwarePayload(taskUUID: TaskFixtures.taskUUID, webhookURL: nil)
        #expect(payload["deliveryMethod"] == .string("sync"))
        #expect(payload["webhookURL"] == nil)
        #expect(payload["taskUUID"] == .string(TaskFixtures.taskUUID))
    }

    @Test func canonicalRequestIsTheSameForTopLevelAndInputsForms() throws {
        let topLevel = try JSONCoding.parse(Self.fullRequest)
        guard case .object(var members) = topLevel else { throw ExampleNotAnObject() }
        members["inputs"] = .object(["referenceImages": members.removeValue(forKey: "referenceImages")!])
        let nested = JSONValue.object(members)

        let fromTopLevel = try TaskValidator.validate(topLevel, origin: .client).get()
        let fromNested = try TaskValidator.validate(nested, origin: .client).get()
        #expect(fromTopLevel.canonicalRequest == fromNested.canonicalRequest)
        #expect(fromTopLevel == fromNested)
        #expect(fromTopLevel.canonicalRequest["inputs"]?["referenceImages"]?.arrayValue?.count == 2)
    }

    @Test func canonicalRequestIgnoresSpellingDefaultsAndTransport() throws {
        let terse = TaskFixtures.task(origin: .client, patch: #"{"scheduler": "EULER", "CFGScale": 7}"#)
        let verbose = TaskFixtures.task(
            origin: .runware,
            patch: #"""
                {"scheduler": "Euler", "CFGScale": 7.0, "numberResults": 1, "outputType": "URL", "outputFormat": "jpg",
                 "webhookURL": "https://x.example/h", "deliveryMethod": "async"}
                """#)
        let a = try TaskValidator.validate(terse, origin: .client).get().canonicalRequest
        let b = try TaskValidator.validate(verbose, origin: .runware).get().canonicalRequest
        #expect(a == b)
        #expect(a["taskUUID"] == nil && a["webhookURL"] == nil && a["deliveryMethod"] == nil)
    }

    @Test func canonicalRequestDiffersWhenTheRequestDoes() throws {
        let one = TaskFixtures.task(origin: .client, patch: #"{"seed": 1}"#)
        let two = TaskFixtures.task(origin: .client, patch: #"{"seed": 2}"#)
        let a = try TaskValidator.validate(one, origin: .client).get().canonicalRequest
        let b = try TaskValidator.validate(two, origin: .client).get().canonicalRequest
        #expect(a != b)
    }

    struct ExampleNotAnObject: Error {}
}
