import KontextCore
import Testing

/// One rule broken by patching the base task: exactly one issue, at `field`, whose rule contains
/// `rule` and whose rendered value is `value`.
struct InvalidCase: Sendable, CustomTestStringConvertible {
    let patch: String
    var remove: [String] = []
    var origin: TaskOrigin = .runware
    let field: String
    let rule: String
    let value: String
    var testDescription: String { "\(origin) \(field): \(rule) ← \(value)" }
}

/// A patch that must validate; `expect` maps a canonicalRequest member to its expected JSON (nil: absent).
struct ValidCase: Sendable, CustomTestStringConvertible {
    let patch: String
    var remove: [String] = []
    var origin: TaskOrigin = .runware
    var expect: [String: String?] = [:]
    var testDescription: String { "\(origin) \(patch) minus \(remove)" }
}

@Suite struct TaskValidatorRuleTests {
    static let long3001 = String(repeating: "a", count: 3001)
    static let long3000 = String(repeating: "a", count: 3000)

    // MARK: Invalid values, one per rule (and more where a rule has several edges)

    static let platform: [InvalidCase] = [
        InvalidCase(patch: "{}", remove: ["taskType"], field: "taskType", rule: "is required", value: "missing"),
        InvalidCase(patch: #"{"taskType": "textToImage"}"#, field: "taskType", rule: #"must be "imageInference""#, value: #""textToImage""#),
        InvalidCase(patch: #"{"taskType": "imageInference "}"#, origin: .client, field: "taskType", rule: #"must be "imageInference""#, value: #""imageInference ""#),
        InvalidCase(patch: #"{"taskType": 1}"#, field: "taskType", rule: "must be a string", value: "1"),
        InvalidCase(patch: "{}", remove: ["taskUUID"], field: "taskUUID", rule: "is required", value: "missing"),
        InvalidCase(patch: #"{"taskUUID": "not-a-uuid"}"#, field: "taskUUID", rule: "must be a UUID v4", value: #""not-a-uuid""#),
        InvalidCase(patch: #"{"taskUUID": "da3533af-ea2f-18e3-ae3d-7cb4b1918a28"}"#, field: "taskUUID", rule: "version digit 4", value: #""da3533af-ea2f-18e3-ae3d-7cb4b1918a28""#),
        InvalidCase(patch: #"{"taskUUID": "da3533af-ea2f-48e3-ce3d-7cb4b1918a28"}"#, field: "taskUUID", rule: "variant digit 8, 9, a or b", value: #""da3533af-ea2f-48e3-ce3d-7cb4b1918a28""#),
        InvalidCase(patch: #"{"taskUUID": "da3533afea2f48e3ae3d7cb4b1918a28"}"#, origin: .client, field: "taskUUID", rule: "8-4-4-4-12", value: #""da3533afea2f48e3ae3d7cb4b1918a28""#),
        InvalidCase(patch: "{}", remove: ["model"], field: "model", rule: "is required", value: "missing"),
        InvalidCase(patch: #"{"model": "runware:101@1"}"#, field: "model", rule: #"must be "runware:106@1""#, value: #""runware:101@1""#),
        InvalidCase(patch: #"{"model": 106}"#, field: "model", rule: "must be a string", value: "106"),
        InvalidCase(patch: #"{"outputType": "PNG"}"#, field: "outputType", rule: "must be one of URL, base64Data, dataURI", value: #""PNG""#),
        InvalidCase(patch: #"{"outputFormat": "gif"}"#, field: "outputFormat", rule: "must be one of JPG, PNG, WEBP", value: #""gif""#),
        InvalidCase(patch: #"{"outputFormat": true}"#, field: "outputFormat", rule: "must be a string", value: "true"),
        InvalidCase(patch: #"{"outputQuality": 19}"#, field: "outputQuality", rule: "must be between 20 and 99", value: "19"),
        InvalidCase(patch: #"{"outputQuality": 100}"#, field: "outputQuality", rule: "must be between 20 and 99", value: "100"),
        InvalidCase(patch: #"{"outputQuality": 95.5}"#, field: "outputQuality", rule: "must be an integer", value: "95.5"),
        InvalidCase(patch: #"{"uploadEndpoint": "storage.example.com/upload"}"#, field: "uploadEndpoint", rule: "must be an absolute http(s) URL", value: #""storage.example.com/upload""#),
        InvalidCase(patch: #"{"uploadEndpoint": "ftp://storage.example.com/upload"}"#, field: "uploadEndpoint", rule: "must be an absolute http(s) URL", value: #""ftp://storage.example.com/upload""#),
        InvalidCase(patch: #"{"webhookURL": "https://hooks.example.com/r"}"#, origin: .client, field: "webhookURL", rule: "is set by kontextd", value: #""https://hooks.example.com/r""#),
        InvalidCase(patch: #"{"webhookURL": "/relative/hook"}"#, field: "webhookURL", rule: "must be an absolute http(s) URL", value: #""/relative/hook""#),
        InvalidCase(patch: #"{"webhookURL": "https://exa mple.com/hook"}"#, field: "webhookURL", rule: "must be an absolute http(s) URL", value: #""https://exa mple.com/hook""#),
        InvalidCase(patch: #"{"deliveryMethod": "later"}"#, field: "deliveryMethod", rule: "must be one of sync, async", value: #""later""#),
        InvalidCase(patch: #"{"deliveryMethod": "sync"}"#, origin: .client, field: "deliveryMethod", rule: "kontextd always has Runware deliver results to its webhook", value: #""sync""#),
        InvalidCase(patch: #"{"safety": true}"#, field: "safety", rule: "must be an object", value: "true"),
        InvalidCase(patch: #"{"safety": {"checkContent": "yes"}}"#, field: "safety.checkContent", rule: "must be a boolean", value: #""yes""#),
        InvalidCase(patch: #"{"safety": {"mode": "strict"}}"#, field: "safety.mode", rule: "must be one of none, fast", value: #""strict""#),
        InvalidCase(patch: #"{"safety": {"checkContent": true, "mode": "none"}}"#, field: "safety.mode", rule: #"must not be "none" when checkContent is true"#, value: #""none""#),
        InvalidCase(patch: #"{"safety": {"level": 1}}"#, field: "safety.level", rule: "unknown field", value: "1"),
        InvalidCase(patch: #"{"ttl": 59}"#, field: "ttl", rule: "must be between 60 and 31536000", value: "59"),
        InvalidCase(patch: #"{"ttl": 60.5}"#, field: "ttl", rule: "must be an integer", value: "60.5"),
        InvalidCase(patch: #"{"ttl": 3600, "outputType": "base64Data"}"#, field: "ttl", rule: "only applies when outputType is URL (outputType is base64Data)", value: "3600"),
        InvalidCase(patch: #"{"includeCost": 1}"#, field: "includeCost", rule: "must be a boolean", value: "1"),
        InvalidCase(patch: #"{"includeCost": "true"}"#, field: "includeCost", rule: "must be a boolean", value: #""true""#),
        InvalidCase(patch: #"{"numberResults": 0}"#, field: "numberResults", rule: "must be between 1 and 20", value: "0"),
        InvalidCase(patch: #"{"numberResults": 21}"#, field: "numberResults", rule: "must be between 1 and 20", value: "21"),
        InvalidCase(patch: #"{"numberResults": 2.5}"#, field: "numberResults", rule: "must be an integer", value: "2.5"),
        InvalidCase(patch: #"{"numberResults": 18446744073709551615}"#, field: "numberResults", rule: "must be between 1 and 20", value: "18446744073709551615"),
        InvalidCase(patch: #"{"numberResults": "2"}"#, field: "numberResults", rule: "must be an integer", value: #""2""#),
    ]

    static let generation: [InvalidCase] = [
        InvalidCase(patch: "{}", remove: ["positivePrompt"], field: "positivePrompt", rule: "is required", value: "missing"),
        InvalidCase(patch: #"{"positivePrompt": "a"}"#, field: "positivePrompt", rule: "must be 2 to 3000 characters long (is 1)", value: #""a""#),
        InvalidCase(patch: #"{"positivePrompt": "\#(long3001)"}"#, field: "positivePrompt", rule: "(is 3001)", value: ValidationIssue.render(.string(long3001))),
        InvalidCase(patch: #"{"positivePrompt": 42}"#, field: "positivePrompt", rule: "must be a string", value: "42"),
        InvalidCase(patch: #"{"positivePrompt": null}"#, field: "positivePrompt", rule: "must be a string", value: "null"),
        InvalidCase(patch: #"{"negativePrompt": "x"}"#, field: "negativePrompt", rule: "must be 2 to 3000 characters long (is 1)", value: #""x""#),
        InvalidCase(patch: #"{"negativePrompt": ["blur"]}"#, field: "negativePrompt", rule: "must be a string", value: #"["blur"]"#),
        InvalidCase(patch: #"{"width": 1248}"#, field: "height", rule: "width and height go together", value: "missing"),
        InvalidCase(patch: #"{"height": 832}"#, field: "width", rule: "width and height go together", value: "missing"),
        InvalidCase(patch: #"{"width": 1000, "height": 1000}"#, field: "width", rule: "nearest is 1024x1024", value: "1000"),
        InvalidCase(patch: #"{"width": 832, "height": 1250}"#, field: "width", rule: "supported: 1568x672, 1504x688", value: "832"),
        InvalidCase(patch: #"{"width": 1248.5, "height": 832}"#, field: "width", rule: "must be an integer", value: "1248.5"),
        InvalidCase(patch: #"{"width": 1248, "height": "832"}"#, field: "height", rule: "must be an integer", value: #""832""#),
        InvalidCase(patch: #"{"seed": -1}"#, field: "seed", rule: "must be between 0 and 9223372036854775808", value: "-1"),
        InvalidCase(patch: #"{"seed": 9223372036854775809}"#, field: "seed", rule: "must be between 0 and 9223372036854775808", value: "9223372036854775809"),
        InvalidCase(patch: #"{"seed": 7.5}"#, field: "seed", rule: "must be an integer", value: "7.5"),
        InvalidCase(patch: #"{"seed": "17513"}"#, field: "seed", rule: "must be an integer", value: #""17513""#),
        InvalidCase(patch: #"{"steps": 0}"#, field: "steps", rule: "must be between 1 and 50", value: "0"),
        InvalidCase(patch: #"{"steps": 51}"#, field: "steps", rule: "must be between 1 and 50", value: "51"),
        InvalidCase(patch: #"{"steps": 7.5}"#, field: "steps", rule: "must be an integer", value: "7.5"),
        InvalidCase(patch: #"{"scheduler": "Eulr"}"#, field: "scheduler", rule: "must be a known scheduler (did you mean Euler?)", value: #""Eulr""#),
        InvalidCase(patch: #"{"scheduler": "DPM++ 2M Karas"}"#, field: "scheduler", rule: "did you mean DPM++ 2M Karras?", value: #""DPM++ 2M Karas""#),
        InvalidCase(patch: #"{"scheduler": "my-own-sampler-v2"}"#, field: "scheduler", rule: "must be a known scheduler (nearest known: ", value: #""my-own-sampler-v2""#),
        InvalidCase(patch: #"{"scheduler": 5}"#, field: "scheduler", rule: "must be a string", value: "5"),
        InvalidCase(patch: #"{"CFGScale": -0.5}"#, field: "CFGScale", rule: "must be between 0 and 20", value: "-0.5"),
        InvalidCase(patch: #"{"CFGScale": 20.5}"#, field: "CFGScale", rule: "must be between 0 and 20", value: "20.5"),
        InvalidCase(patch: #"{"CFGScale": "7"}"#, field: "CFGScale", rule: "must be a number", value: #""7""#),
        InvalidCase(patch: #"{"trueCFGScale": "high"}"#, field: "trueCFGScale", rule: "must be a number", value: #""high""#),
    ]

    static let inputs: [InvalidCase] = [
        InvalidCase(patch: #"{"inputs": ["x"]}"#, field: "inputs", rule: "must be an object", value: #"["x"]"#),
        InvalidCase(patch: #"{"inputs": {"referenceImages": []}}"#, field: "inputs.referenceImages", rule: "must have 1 to 2 items", value: "[]"),
        InvalidCase(patch: #"{"inputs": {"referenceImages": ["\#(TaskFixtures.imageURL)"], "maskImage": "x"}}"#, field: "inputs.maskImage", rule: "unknown field", value: #""x""#),
        InvalidCase(patch: #"{"inputs": {"referenceImage": ["\#(TaskFixtures.imageURL)"]}}"#, field: "inputs.referenceImage", rule: "unknown field (did you mean referenceImages?)", value: #"["\#(TaskFixtures.imageURL)"]"#),
        InvalidCase(patch: #"{"inputs": {"referenceImages": "\#(TaskFixtures.imageURL)"}}"#, field: "inputs.referenceImages", rule: "must be an array", value: #""\#(TaskFixtures.imageURL)""#),
        InvalidCase(patch: #"{"inputs": {"referenceImages": ["https://a.example/1.png", "https://a.example/2.png", "https://a.example/3.png"]}}"#, field: "inputs.referenceImages", rule: "takes up to 2 reference images", value: #"["https://a.example/1.png","https://a.example/2.png","https://a.example/3.png"]"#),
        InvalidCase(patch: #"{"inputs": {"referenceImages": [42]}}"#, field: "inputs.referenceImages[0]", rule: "must be a string", value: "42"),
        InvalidCase(patch: #"{"inputs": {"referenceImages": ["\#(TaskFixtures.imageURL)", ""]}}"#, field: "inputs.referenceImages[1]", rule: "must not be empty", value: #""""#),
        InvalidCase(patch: #"{"inputs": {"referenceImages": ["not an image!"]}}"#, field: "inputs.referenceImages[0]", rule: "outside the base64 alphabet", value: #""not an image!""#),
        InvalidCase(patch: #"{"inputs": {"referenceImages": ["abcde"]}}"#, field: "inputs.referenceImages[0]", rule: "length 5 is not a multiple of 4", value: #""abcde""#),
        InvalidCase(patch: #"{"inputs": {"referenceImages": ["\#(TaskFixtures.textBase64)"]}}"#, field: "inputs.referenceImages[0]", rule: "decoded bytes are not a PNG, JPEG or WEBP image", value: #""\#(TaskFixtures.textBase64)""#),
        InvalidCase(patch: #"{"inputs": {"referenceImages": ["ab=c"]}}"#, field: "inputs.referenceImages[0]", rule: "padding is malformed", value: #""ab=c""#),
        InvalidCase(patch: #"{"inputs": {"referenceImages": ["https://"]}}"#, field: "inputs.referenceImages[0]", rule: "must be an absolute http(s) URL", value: #""https://""#),
        InvalidCase(patch: #"{"inputs": {"referenceImages": ["data:image/gif;base64,R0lGODlh"]}}"#, field: "inputs.referenceImages[0]", rule: "data URI must have the form data:image/png|jpeg|webp;base64,<data>", value: #""data:image/gif;base64,R0lGODlh""#),
        InvalidCase(patch: #"{"inputs": {"referenceImages": ["data:image/png;base64,%%%%"]}}"#, field: "inputs.referenceImages[0]", rule: "data URI payload must be base64 of a PNG, JPEG or WEBP image", value: #""data:image/png;base64,%%%%""#),
        InvalidCase(patch: #"{"inputs": {"referenceImages": ["data:image/png,\#(TaskFixtures.pngBase64)"]}}"#, field: "inputs.referenceImages[0]", rule: "data URI must have the form", value: #""data:image/png,\#(TaskFixtures.pngBase64)""#),
        InvalidCase(patch: #"{"referenceImages": ["\#(TaskFixtures.imageURL)"]}"#, field: "referenceImages", rule: "either as inputs.referenceImages or as top-level referenceImages, not both", value: #"["\#(TaskFixtures.imageURL)"]"#),
        InvalidCase(patch: #"{"referenceImages": ["\#(TaskFixtures.imageURL)", "\#(TaskFixtures.imageURL)", "\#(TaskFixtures.imageURL)"]}"#, remove: ["inputs"], field: "referenceImages", rule: "must have 1 to 2 items", value: ValidationIssue.render(.array(Array(repeating: .string(TaskFixtures.imageURL), count: 3)))),
        InvalidCase(patch: #"{"referenceImages": ["nope nope"]}"#, remove: ["inputs"], field: "referenceImages[0]", rule: "must be a UUID, an http(s) URL, a data URI", value: #""nope nope""#),
    ]

    static let accelerator: [InvalidCase] = [
        InvalidCase(patch: #"{"acceleratorOptions": 1}"#, field: "acceleratorOptions", rule: "must be an object", value: "1"),
        InvalidCase(patch: #"{"acceleratorOptions": {"cacheEndStep": 0}}"#, field: "acceleratorOptions.cacheEndStep", rule: "must be between 1 and 50", value: "0"),
        InvalidCase(patch: #"{"acceleratorOptions": {"cacheStartStep": -1}}"#, field: "acceleratorOptions.cacheStartStep", rule: "must be between 0 and 49", value: "-1"),
        InvalidCase(patch: #"{"acceleratorOptions": {"cacheStartStep": 2.5}}"#, field: "acceleratorOptions.cacheStartStep", rule: "must be an integer", value: "2.5"),
        InvalidCase(patch: #"{"acceleratorOptions": {"cacheStartStepPercentage": 100}}"#, field: "acceleratorOptions.cacheStartStepPercentage", rule: "must be between 0 and 99", value: "100"),
        InvalidCase(patch: #"{"acceleratorOptions": {"cacheEndStepPercentage": 0}}"#, field: "acceleratorOptions.cacheEndStepPercentage", rule: "must be between 1 and 100", value: "0"),
        InvalidCase(patch: #"{"acceleratorOptions": {"cacheEndStepPercentage": 101}}"#, field: "acceleratorOptions.cacheEndStepPercentage", rule: "must be between 1 and 100", value: "101"),
        InvalidCase(patch: #"{"acceleratorOptions": {"cacheMaxConsecutiveSteps": 0}}"#, field: "acceleratorOptions.cacheMaxConsecutiveSteps", rule: "must be between 1 and 5", value: "0"),
        InvalidCase(patch: #"{"acceleratorOptions": {"cacheMaxConsecutiveSteps": 6}}"#, field: "acceleratorOptions.cacheMaxConsecutiveSteps", rule: "must be between 1 and 5", value: "6"),
        InvalidCase(patch: #"{"acceleratorOptions": {"fbCache": "true"}}"#, field: "acceleratorOptions.fbCache", rule: "must be a boolean", value: #""true""#),
        InvalidCase(patch: #"{"acceleratorOptions": {"teaCache": 1}}"#, field: "acceleratorOptions.teaCache", rule: "must be a boolean", value: "1"),
        InvalidCase(patch: #"{"acceleratorOptions": {"dbCache": "no"}}"#, field: "acceleratorOptions.dbCache", rule: "must be a boolean", value: #""no""#),
        InvalidCase(patch: #"{"acceleratorOptions": {"fbCacheThreshold": 1.5}}"#, field: "acceleratorOptions.fbCacheThreshold", rule: "must be between 0 and 1", value: "1.5"),
        InvalidCase(patch: #"{"acceleratorOptions": {"teaCacheDistance": -0.1}}"#, field: "acceleratorOptions.teaCacheDistance", rule: "must be between 0 and 1", value: "-0.1"),
        InvalidCase(patch: #"{"acceleratorOptions": {"dbCacheThreshold": 2}}"#, field: "acceleratorOptions.dbCacheThreshold", rule: "must be between 0 and 1", value: "2"),
        InvalidCase(patch: #"{"acceleratorOptions": {"dbCacheThreshold": "0.2"}}"#, field: "acceleratorOptions.dbCacheThreshold", rule: "must be a number", value: #""0.2""#),
        InvalidCase(patch: #"{"acceleratorOptions": {"dbCacheSkipInterval": 0}}"#, field: "acceleratorOptions.dbCacheSkipInterval", rule: "must be between 1 and 50", value: "0"),
        InvalidCase(patch: #"{"steps": 28, "acceleratorOptions": {"cacheStartStep": 10, "cacheEndStep": 40}}"#, field: "acceleratorOptions.cacheEndStep", rule: "must be > cacheStartStep (10) and <= steps (28)", value: "40"),
        InvalidCase(patch: #"{"steps": 28, "acceleratorOptions": {"cacheStartStep": 10, "cacheEndStep": 10}}"#, field: "acceleratorOptions.cacheEndStep", rule: "must be > cacheStartStep (10) and <= steps (28)", value: "10"),
        InvalidCase(patch: #"{"acceleratorOptions": {"cacheStartStep": 12, "cacheEndStep": 8}}"#, field: "acceleratorOptions.cacheEndStep", rule: "must be > cacheStartStep (12)", value: "8"),
        InvalidCase(patch: #"{"steps": 28, "acceleratorOptions": {"cacheEndStep": 30}}"#, field: "acceleratorOptions.cacheEndStep", rule: "must be <= steps (28)", value: "30"),
        InvalidCase(patch: #"{"steps": 28, "acceleratorOptions": {"cacheStartStep": 28}}"#, field: "acceleratorOptions.cacheStartStep", rule: "must be < steps (28)", value: "28"),
        InvalidCase(patch: #"{"acceleratorOptions": {"cacheStartStepPercentage": 50, "cacheEndStepPercentage": 50}}"#, field: "acceleratorOptions.cacheEndStepPercentage", rule: "must be > cacheStartStepPercentage (50)", value: "50"),
        InvalidCase(patch: #"{"acceleratorOptions": {"cacheStartStep": 2, "cacheEndStepPercentage": 80}}"#, field: "acceleratorOptions", rule: "either as cacheStartStep/cacheEndStep or as cacheStartStepPercentage/cacheEndStepPercentage, not both", value: #"{"cacheEndStepPercentage":80,"cacheStartStep":2}"#),
        InvalidCase(patch: #"{"acceleratorOptions": {"cacheEndSteps": 20}}"#, field: "acceleratorOptions.cacheEndSteps", rule: "unknown field (did you mean cacheEndStep?)", value: "20"),
    ]

    static let adapters: [InvalidCase] = [
        InvalidCase(patch: #"{"lora": {"model": "civitai:1@1"}}"#, field: "lora", rule: "must be an array", value: #"{"model":"civitai:1@1"}"#),
        InvalidCase(patch: #"{"lora": []}"#, field: "lora", rule: "must have at least 1 item", value: "[]"),
        InvalidCase(patch: #"{"lora": ["civitai:1@1"]}"#, field: "lora[0]", rule: "must be an object", value: #""civitai:1@1""#),
        InvalidCase(patch: #"{"lora": [{"weight": 1}]}"#, field: "lora[0].model", rule: "is required", value: "missing"),
        InvalidCase(patch: #"{"lora": [{"model": ""}]}"#, field: "lora[0].model", rule: "must not be empty", value: #""""#),
        InvalidCase(patch: #"{"lora": [{"model": "a:1@1"}, {"model": "a:2@1", "weight": 4.5}]}"#, field: "lora[1].weight", rule: "must be between -4 and 4", value: "4.5"),
        InvalidCase(patch: #"{"lora": [{"model": "a:1@1", "weight": -5}]}"#, field: "lora[0].weight", rule: "must be between -4 and 4", value: "-5"),
        InvalidCase(patch: #"{"lora": [{"model": "a:1@1", "transformer": "middle"}]}"#, field: "lora[0].transformer", rule: "must be one of high, low, both", value: #""middle""#),
        InvalidCase(patch: #"{"lora": [{"model": "a:1@1"}, {"model": "a:2@1", "strength": 1}]}"#, field: "lora[1].strength", rule: "unknown field", value: "1"),
        InvalidCase(patch: #"{"ipAdapters": []}"#, field: "ipAdapters", rule: "must have at least 1 item", value: "[]"),
        InvalidCase(patch: #"{"ipAdapters": [{"guideImages": ["\#(TaskFixtures.imageURL)"]}]}"#, field: "ipAdapters[0].model", rule: "is required", value: "missing"),
        InvalidCase(patch: #"{"ipAdapters": [{"model": 55, "guideImages": ["\#(TaskFixtures.imageURL)"]}]}"#, field: "ipAdapters[0].model", rule: "must be a string", value: "55"),
        InvalidCase(patch: #"{"ipAdapters": [{"model": "runware:55@1"}]}"#, field: "ipAdapters[0].guideImages", rule: "is required", value: "missing"),
        InvalidCase(patch: #"{"ipAdapters": [{"model": "runware:55@1", "guideImages": []}]}"#, field: "ipAdapters[0].guideImages", rule: "must have at least 1 item", value: "[]"),
        InvalidCase(patch: #"{"ipAdapters": [{"model": "runware:55@1", "guideImages": ["\#(TaskFixtures.imageURL)", "bad!"]}]}"#, field: "ipAdapters[0].guideImages[1]", rule: "must be a UUID, an http(s) URL, a data URI", value: #""bad!""#),
        InvalidCase(patch: #"{"ipAdapters": [{"model": "runware:55@1", "guideImages": ["\#(TaskFixtures.imageURL)"], "weight": -4.01}]}"#, field: "ipAdapters[0].weight", rule: "must be between -4 and 4", value: "-4.01"),
        InvalidCase(patch: #"{"ipAdapters": [{"model": "runware:55@1", "guideImages": ["\#(TaskFixtures.imageURL)"], "weightComposition": 1.5}]}"#, field: "ipAdapters[0].weightComposition", rule: "must be between 0 and 1", value: "1.5"),
        InvalidCase(patch: #"{"ipAdapters": [{"model": "runware:55@1", "guideImages": ["\#(TaskFixtures.imageURL)"], "combineMethod": ""}]}"#, field: "ipAdapters[0].combineMethod", rule: "must not be empty", value: #""""#),
        InvalidCase(patch: #"{"ipAdapters": [{"model": "runware:55@1", "guideImages": ["\#(TaskFixtures.imageURL)"], "embedScaling": 3}]}"#, field: "ipAdapters[0].embedScaling", rule: "must be a string", value: "3"),
        InvalidCase(patch: #"{"ipAdapters": [{"model": "runware:55@1", "guideImages": ["\#(TaskFixtures.imageURL)"], "weightType": ""}]}"#, field: "ipAdapters[0].weightType", rule: "must not be empty", value: #""""#),
        InvalidCase(patch: #"{"ipAdapters": [{"model": "runware:55@1", "guideImages": ["\#(TaskFixtures.imageURL)"], "weightTyp": "normal"}]}"#, field: "ipAdapters[0].weightTyp", rule: "unknown field (did you mean weightType?)", value: #""normal""#),
        InvalidCase(patch: #"{"ultralytics": []}"#, field: "ultralytics", rule: "must be an object", value: "[]"),
        InvalidCase(patch: #"{"ultralytics": {"CFGScale": 51}}"#, field: "ultralytics.CFGScale", rule: "must be between 0 and 50", value: "51"),
        InvalidCase(patch: #"{"ultralytics": {"confidence": 1.1}}"#, field: "ultralytics.confidence", rule: "must be between 0 and 1", value: "1.1"),
        InvalidCase(patch: #"{"ultralytics": {"maskBlur": 101}}"#, field: "ultralytics.maskBlur", rule: "must be between 0 and 100", value: "101"),
        InvalidCase(patch: #"{"ultralytics": {"maskBlur": 2.5}}"#, field: "ultralytics.maskBlur", rule: "must be an integer", value: "2.5"),
        InvalidCase(patch: #"{"ultralytics": {"maskPadding": 21}}"#, field: "ultralytics.maskPadding", rule: "must be between 0 and 20", value: "21"),
        InvalidCase(patch: #"{"ultralytics": {"steps": 0}}"#, field: "ultralytics.steps", rule: "must be between 1 and 100", value: "0"),
        InvalidCase(patch: #"{"ultralytics": {"strength": -0.1}}"#, field: "ultralytics.strength", rule: "must be between 0 and 1", value: "-0.1"),
        InvalidCase(patch: #"{"ultralytics": {"positivePrompt": 5}}"#, field: "ultralytics.positivePrompt", rule: "must be a string", value: "5"),
        InvalidCase(patch: #"{"ultralytics": {"negativePrompt": false}}"#, field: "ultralytics.negativePrompt", rule: "must be a string", value: "false"),
        InvalidCase(patch: #"{"ultralytics": {"cfgScale": 8}}"#, field: "ultralytics.cfgScale", rule: "unknown field (did you mean CFGScale?)", value: "8"),
    ]

    static let unknownFields: [InvalidCase] = [
        InvalidCase(patch: #"{"positivePromt": "x"}"#, field: "positivePromt", rule: "unknown field (did you mean positivePrompt?)", value: #""x""#),
        InvalidCase(patch: #"{"cfgScale": 7}"#, origin: .client, field: "cfgScale", rule: "unknown field (did you mean CFGScale?)", value: "7"),
        InvalidCase(patch: #"{"numberOfResults": 2}"#, field: "numberOfResults", rule: "did you mean numberResults?", value: "2"),
        InvalidCase(patch: #"{"zzzzzzzzzzzz": 1}"#, field: "zzzzzzzzzzzz", rule: "unknown field", value: "1"),
    ]

    @Test(arguments: platform + generation + inputs + accelerator + adapters + unknownFields)
    func rejects(_ testCase: InvalidCase) throws {
        let task = TaskFixtures.task(origin: testCase.origin, patch: testCase.patch, remove: testCase.remove)
        let result = TaskValidator.validate(task, origin: testCase.origin)
        guard case .failure(let error) = result else {
            Issue.record("accepted: \(testCase.patch)")
            return
        }
        #expect(error.issues.count == 1, "\(error)")
        let issue = try #require(error.issue(for: testCase.field), "\(error)")
        #expect(issue.rule.contains(testCase.rule), "\(issue.rule)")
        #expect(issue.value == testCase.value)
        #expect(issue.description.hasPrefix("\(testCase.field): \(issue.rule)"))
    }

    @Test func unknownFieldDescriptionNamesTheNearestField() throws {
        let task = TaskFixtures.task(origin: .client, patch: #"{"positivePromt": "a cat"}"#)
        guard case .failure(let error) = TaskValidator.validate(task, origin: .client) else {
            Issue.record("accepted an unknown field")
            return
        }
        #expect(error.issues.map(\.description) == ["positivePromt: unknown field (did you mean positivePrompt?)"])
    }

    @Test func rangeDescriptionEndsWithTheValue() throws {
        let task = TaskFixtures.task(origin: .runware, patch: #"{"steps": 28, "acceleratorOptions": {"cacheStartStep": 10, "cacheEndStep": 40}}"#)
        guard case .failure(let error) = TaskValidator.validate(task, origin: .runware) else {
            Issue.record("accepted cacheEndStep > steps")
            return
        }
        #expect(error.description == "acceleratorOptions.cacheEndStep: must be > cacheStartStep (10) and <= steps (28), got 40")
    }

    @Test func bodyMustBeAnObject() throws {
        for body: JSONValue in [.array([]), .string("task"), .null] {
            guard case .failure(let error) = TaskValidator.validate(body, origin: .client) else {
                Issue.record("accepted \(body)")
                continue
            }
            #expect(error.issues == [ValidationIssue(field: "task", rule: "must be a JSON object", offending: body)])
        }
    }

    // MARK: Valid values

    static let validCases: [ValidCase] = [
        ValidCase(patch: "{}", origin: .client, expect: ["taskType": #""imageInference""#, "numberResults": "1", "outputType": #""URL""#, "outputFormat": #""JPG""#]),
        ValidCase(patch: #"{"taskType": "imageInference"}"#, origin: .client),
        ValidCase(patch: #"{"taskUUID": "DA3533AF-EA2F-48E3-AE3D-7CB4B1918A28"}"#),
        ValidCase(patch: #"{"taskUUID": "da3533af-ea2f-48e3-9e3d-7cb4b1918a28"}"#, origin: .client),
        ValidCase(patch: #"{"outputType": "url"}"#, expect: ["outputType": #""URL""#]),
        ValidCase(patch: #"{"outputType": "base64data"}"#, expect: ["outputType": #""base64Data""#]),
        ValidCase(patch: #"{"outputType": "dataURI"}"#, expect: ["outputType": #""dataURI""#]),
        ValidCase(patch: #"{"outputFormat": "png"}"#, expect: ["outputFormat": #""PNG""#]),
        ValidCase(patch: #"{"outputFormat": "Webp"}"#, expect: ["outputFormat": #""WEBP""#]),
        ValidCase(patch: #"{"outputQuality": 20}"#, expect: ["outputQuality": "20"]),
        ValidCase(patch: #"{"outputQuality": 99}"#, expect: ["outputQuality": "99"]),
        ValidCase(patch: #"{"uploadEndpoint": "https://bucket.s3.amazonaws.com/x.jpg?X-Amz-Signature=abc"}"#, expect: ["uploadEndpoint": #""https://bucket.s3.amazonaws.com/x.jpg?X-Amz-Signature=abc""#]),
        ValidCase(patch: #"{"webhookURL": "http://127.0.0.1:8080/webhooks/runware?token=abc"}"#, expect: ["webhookURL": nil]),
        ValidCase(patch: #"{"deliveryMethod": "sync"}"#, expect: ["deliveryMethod": nil]),
        ValidCase(patch: #"{"deliveryMethod": "ASYNC"}"#),
        ValidCase(patch: #"{"deliveryMethod": "async"}"#, origin: .client),
        ValidCase(patch: #"{"safety": {"checkContent": true, "mode": "fast"}}"#, expect: ["safety": #"{"checkContent":true,"mode":"fast"}"#]),
        ValidCase(patch: #"{"safety": {"checkContent": false, "mode": "NONE"}}"#, expect: ["safety": #"{"checkContent":false,"mode":"none"}"#]),
        ValidCase(patch: #"{"safety": {"checkContent": true}}"#, expect: ["safety": #"{"checkContent":true}"#]),
        ValidCase(patch: #"{"ttl": 60}"#, expect: ["ttl": "60"]),
        ValidCase(patch: #"{"ttl": 86400, "outputType": "URL"}"#, expect: ["ttl": "86400"]),
        ValidCase(patch: #"{"includeCost": true}"#, expect: ["includeCost": "true"]),
        ValidCase(patch: #"{"numberResults": 20}"#, expect: ["numberResults": "20"]),
        ValidCase(patch: #"{"positivePrompt": "ok"}"#),
        ValidCase(patch: #"{"positivePrompt": "\#(long3000)"}"#),
        ValidCase(patch: #"{"positivePrompt": "👍🏽👍🏽"}"#),
        ValidCase(patch: #"{"negativePrompt": "blurry, low quality"}"#, expect: ["negativePrompt": #""blurry, low quality""#]),
        ValidCase(patch: "{}", remove: ["inputs"], expect: ["inputs": nil]),
        ValidCase(patch: #"{"referenceImages": ["\#(TaskFixtures.imageURL)"]}"#, remove: ["inputs"], expect: ["inputs": #"{"referenceImages":["\#(TaskFixtures.imageURL)"]}"#, "referenceImages": nil]),
        ValidCase(patch: #"{"inputs": {"referenceImages": ["c64351d5-4c59-42f7-95e1-eace013eddab", "data:image/png;base64,\#(TaskFixtures.pngBase64)"]}}"#),
        ValidCase(patch: #"{"inputs": {"referenceImages": ["\#(TaskFixtures.jpegBase64)", "\#(TaskFixtures.webpBase64)"]}}"#),
        ValidCase(patch: #"{"inputs": {"referenceImages": ["data:image/jpeg;base64,\#(TaskFixtures.jpegBase64)"]}}"#),
        ValidCase(patch: #"{"inputs": {"referenceImages": ["DATA:image/webp;base64,\#(TaskFixtures.webpBase64)"]}}"#),
        ValidCase(patch: #"{"inputs": {}}"#, expect: ["inputs": nil]),
        ValidCase(patch: #"{"width": 1024, "height": 1024}"#, expect: ["width": "1024", "height": "1024"]),
        ValidCase(patch: #"{"width": 672, "height": 1568}"#),
        ValidCase(patch: #"{"seed": 0}"#, expect: ["seed": "0"]),
        ValidCase(patch: #"{"seed": 9223372036854775808}"#, expect: ["seed": "9223372036854775808"]),
        ValidCase(patch: #"{"steps": 1}"#, expect: ["steps": "1"]),
        ValidCase(patch: #"{"steps": 50}"#, expect: ["steps": "50"]),
        ValidCase(patch: #"{"scheduler": "euler"}"#, expect: ["scheduler": #""Euler""#]),
        ValidCase(patch: #"{"scheduler": "default"}"#, expect: ["scheduler": #""Default""#]),
        ValidCase(patch: #"{"scheduler": "dpm++ 2m sde karras"}"#, expect: ["scheduler": #""DPM++ 2M SDE Karras""#]),
        ValidCase(patch: #"{"scheduler": "UNIPCMULTISTEPSCHEDULER"}"#, expect: ["scheduler": #""UniPCMultistepScheduler""#]),
        ValidCase(patch: #"{"scheduler": "FlowMatchEulerDiscreteScheduler"}"#),
        ValidCase(patch: #"{"CFGScale": 0}"#, expect: ["CFGScale": "0"]),
        ValidCase(patch: #"{"CFGScale": 20}"#),
        ValidCase(patch: #"{"CFGScale": 3.5}"#, expect: ["CFGScale": "3.5"]),
        ValidCase(patch: #"{"trueCFGScale": -12.5}"#, expect: ["trueCFGScale": "-12.5"]),
        ValidCase(patch: #"{"steps": 28, "acceleratorOptions": {"cacheStartStep": 5, "cacheEndStep": 28}}"#, expect: ["acceleratorOptions": #"{"cacheEndStep":28,"cacheStartStep":5}"#]),
        ValidCase(patch: #"{"acceleratorOptions": {"cacheStartStep": 0, "cacheEndStep": 1}}"#),
        ValidCase(patch: #"{"acceleratorOptions": {"cacheStartStepPercentage": 0, "cacheEndStepPercentage": 100}}"#),
        ValidCase(patch: #"{"acceleratorOptions": {"cacheStartStepPercentage": 99}}"#),
        ValidCase(patch: #"{"acceleratorOptions": {"cacheMaxConsecutiveSteps": 5, "fbCache": true, "fbCacheThreshold": 0.25, "teaCache": false, "teaCacheDistance": 1, "dbCache": true, "dbCacheThreshold": 0, "dbCacheSkipInterval": 5}}"#, expect: ["acceleratorOptions": #"{"cacheMaxConsecutiveSteps":5,"dbCache":true,"dbCacheSkipInterval":5,"dbCacheThreshold":0,"fbCache":true,"fbCacheThreshold":0.25,"teaCache":false,"teaCacheDistance":1}"#]),
        ValidCase(patch: #"{"lora": [{"model": "civitai:1@1", "weight": 0.8}, {"model": "civitai:2@1", "weight": -4, "transformer": "HIGH"}]}"#, expect: ["lora": #"[{"model":"civitai:1@1","weight":0.8},{"model":"civitai:2@1","transformer":"high","weight":-4}]"#]),
        ValidCase(patch: #"{"ipAdapters": [{"model": "runware:55@1", "guideImages": ["c64351d5-4c59-42f7-95e1-eace013eddab"], "weight": 0.75, "combineMethod": "concat", "embedScaling": "kv", "weightType": "normal", "weightComposition": 0.5}]}"#, expect: ["ipAdapters": #"[{"combineMethod":"concat","embedScaling":"kv","guideImages":["c64351d5-4c59-42f7-95e1-eace013eddab"],"model":"runware:55@1","weight":0.75,"weightComposition":0.5,"weightType":"normal"}]"#]),
        ValidCase(patch: #"{"ultralytics": {"CFGScale": 50, "confidence": 0.9, "maskBlur": 100, "maskPadding": 20, "negativePrompt": "", "positivePrompt": "a face", "steps": 100, "strength": 0}}"#, expect: ["ultralytics": #"{"CFGScale":50,"confidence":0.9,"maskBlur":100,"maskPadding":20,"negativePrompt":"","positivePrompt":"a face","steps":100,"strength":0}"#]),
    ]

    @Test(arguments: validCases)
    func accepts(_ testCase: ValidCase) throws {
        let task = TaskFixtures.task(origin: testCase.origin, patch: testCase.patch, remove: testCase.remove)
        let validated = try TaskValidator.validate(task, origin: testCase.origin).get()
        let canonical = try #require(validated.canonicalRequest.objectValue)
        for (key, expected) in testCase.expect {
            if let expected {
                // Compare encodings: numbers are held as doubles, the expectation parses as integers.
                let actual = canonical[key].map(JSONCoding.encodeString)
                #expect(actual == JSONCoding.encodeString(try JSONCoding.parse(expected)), "\(key)")
            } else {
                #expect(canonical[key] == nil, "\(key)")
            }
        }
    }
}
