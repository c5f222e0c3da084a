/// A validated FLUX.1 Kontext [dev] `imageInference` task with every field typed.
///
/// Values come from `TaskValidator.validate`, which guarantees every field is within its rule;
/// enumerations are held in canonical spelling (scheduler, safety mode, LoRA transformer,
/// delivery method) and `taskUUID` is lowercased.
public struct ImageInferenceTask: Sendable, Hashable {
    /// The only model this daemon drives: FLUX.1 Kontext [dev].
    public static let kontextDevModel = "runware:106@1"
    /// The most reference images Kontext takes.
    public static let maximumReferenceImages = 2

    /// Lowercased UUID v4 when given (required from Runware's side, an idempotency key from a client).
    public var taskUUID: String?
    /// Always `runware:106@1`.
    public var model: String
    /// What to produce, 2–3000 characters.
    public var positivePrompt: String
    /// What to avoid, 2–3000 characters.
    public var negativePrompt: String?
    /// 0–2 images to edit (UUID, URL, data URI or base64), whichever way the request gave them.
    public var referenceImages: [String]
    /// Output size, one of `ImageSize.kontextSizes`; nil lets Runware choose.
    public var size: ImageSize?
    /// 0…2^63.
    public var seed: UInt64?
    /// Denoising steps, 1–50.
    public var steps: Int?
    /// Canonical spelling of a scheduler in `SchedulerCatalog.known`.
    public var scheduler: String?
    /// Guidance scale, 0–20 (wire name `CFGScale`).
    public var cfgScale: Double?
    /// True classifier-free guidance scale, any finite number.
    public var trueCFGScale: Double?
    /// Images to generate, 1–20.
    public var numberResults: Int
    /// How each image comes back.
    public var outputType: OutputType
    /// The image file format.
    public var outputFormat: OutputFormat
    /// Compression quality, 20–99.
    public var outputQuality: Int?
    /// Absolute http(s) URL Runware PUTs each image to.
    public var uploadEndpoint: String?
    /// Absolute http(s) URL results are POSTed to; only ever set for origin `.runware`.
    public var webhookURL: String?
    /// `sync` or `async`, lowercase (a client may only say `async`).
    public var deliveryMethod: String?
    /// Content safety checking.
    public var safety: Safety?
    /// Lifetime of result URLs in seconds, ≥ 60; only with `outputType` URL.
    public var ttl: Int?
    /// Whether Runware reports the cost of each result.
    public var includeCost: Bool?
    /// Step-caching acceleration.
    public var acceleratorOptions: AcceleratorOptions?
    /// LoRA adapters; empty when none.
    public var lora: [LoraSpec]
    /// IP-Adapters; empty when none.
    public var ipAdapters: [IPAdapterSpec]
    /// Face refinement.
    public var ultralytics: UltralyticsOptions?
    /// Things that are allowed but probably unintended, such as caching with a stochastic scheduler.
    public var warnings: [String]

    /// Makes a task from typed values; the values are taken as given (validation is `TaskValidator`'s job).
    public init(
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
