/// A validated FLUX.1 Kontext [dev] `imageInference` task with every field typed.
///
/// Values come from `TaskValidator.validate`, which guarantees every field is within its rule;
/// enumerations are held in canonical spelling (scheduler, safety mode, LoRA transformer,
/// delivery method) and `taskUUID` is lowercased.
package struct ImageInferenceTask: Sendable, Hashable {
    /// The only model this daemon drives: FLUX.1 Kontext [dev].
    package static let kontextDevModel = "runware:106@1"
    /// The most reference images Kontext takes.
    package static let maximumReferenceImages = 2

    /// Lowercased UUID v4 when given (required from Runware's side, an idempotency key from a client).
    package var taskUUID: String?
    /// Always `runware:106@1`.
    package var model: String
    /// What to produce, 2–3000 characters.
    package var positivePrompt: String
    /// What to avoid, 2–3000 characters.
    package var negativePrompt: String?
    /// 0–2 images to edit (UUID, URL, data URI or base64), whichever way the request gave them.
    package var referenceImages: [String]
    /// Output size, one of `ImageSize.kontextSizes`; nil lets Runware choose.
    package var size: ImageSize?
    /// 0…2^63.
    package var seed: UInt64?
    /// Denoising steps, 1–50.
    package var steps: Int?
    /// Canonical spelling of a scheduler in `SchedulerCatalog.known`.
    package var scheduler: String?
    /// Guidance scale, 0–20 (wire name `CFGScale`).
    package var cfgScale: Double?
    /// True classifier-free guidance scale, any finite number.
    package var trueCFGScale: Double?
    /// Images to generate, 1–20.
    package var numberResults: Int
    /// How each image comes back.
    package var outputType: OutputType
    /// The image file format.
    package var outputFormat: OutputFormat
    /// Compression quality, 20–99.
    package var outputQuality: Int?
    /// Absolute http(s) URL Runware PUTs each image to.
    package var uploadEndpoint: String?
    /// Absolute http(s) URL results are POSTed to; only ever set for origin `.runware`.
    package var webhookURL: String?
    /// `sync` or `async`, lowercase (a client may only say `async`).
    package var deliveryMethod: String?
    /// Content safety checking.
    package var safety: Safety?
    /// Lifetime of result URLs in seconds, ≥ 60; only with `outputType` URL.
    package var ttl: Int?
    /// Whether Runware reports the cost of each result.
    package var includeCost: Bool?
    /// Step-caching acceleration.
    package var acceleratorOptions: AcceleratorOptions?
    /// LoRA adapters; empty when none.
    package var lora: [LoraSpec]
    /// IP-Adapters; empty when none.
    package var ipAdapters: [IPAdapterSpec]
    /// Face refinement.
    package var ultralytics: UltralyticsOptions?
    /// Things that are allowed but probably unintended, such as caching with a stochastic scheduler.
    package var warnings: [String]

    /// Makes a task from typed values; the values are taken as given (validation is `TaskValidator`'s job).
    package init(
        taskUUID: String? = nil, model: String = ImageInferenceTask.kontextDevModel, positivePrompt: String,
        negativePrompt: String? = nil, referenceImages: [String] = [], size: ImageSize? = nil, seed: UInt64? = nil,
        steps: Int? = nil, scheduler: String? = nil, cfgScale: Double? = nil, trueCFGScale: Double? = nil,
        numberResults: Int = 1, outputType: OutputType = .url, outputFormat: OutputFormat = .jpg,
        outputQuality: Int? = nil, uploadEndpoint: String? = nil, webhookURL: String? = nil,
        deliveryMethod: String? = nil, safety: Safety? = nil, ttl: Int? = nil, includeCost: Bool? = nil,
        acceleratorOptions: AcceleratorOptions? = nil, lora: [LoraSpec] = [], ipAdapters: [IPAdapterSpec] = [],
        ultralytics: UltralyticsOptions? = nil, warnings: [String] = []
    ) {
        self.taskUUID = taskUUID
        self.model = model
        self.positivePrompt = positivePrompt
        self.negativePrompt = negativePrompt
        self.referenceImages = referenceImages
        self.size = size
        self.seed = seed
        self.steps = steps
        self.scheduler = scheduler
        self.cfgScale = cfgScale
        self.trueCFGScale = trueCFGScale
        self.numberResults = numberResults
        self.outputType = outputType
        self.outputFormat = outputFormat
        self.outputQuality = outputQuality
        self.uploadEndpoint = uploadEndpoint
        self.webhookURL = webhookURL
        self.deliveryMethod = deliveryMethod
        self.safety = safety
        self.ttl = ttl
        self.includeCost = includeCost
        self.acceleratorOptions = acceleratorOptions
        self.lora = lora
        self.ipAdapters = ipAdapters
        self.ultralytics = ultralytics
        self.warnings = warnings
    }
}
