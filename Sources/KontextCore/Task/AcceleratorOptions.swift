/// Step-caching acceleration for a task (`acceleratorOptions`); every member optional, as on the wire.
package struct AcceleratorOptions: Sendable, Hashable {
    /// Absolute step at which caching ends (≥ 1, > `cacheStartStep`, ≤ `steps`).
    package var cacheEndStep: Int?
    /// Percentage of steps at which caching ends (1–100, > `cacheStartStepPercentage`).
    package var cacheEndStepPercentage: Int?
    /// Most consecutive steps served from cache before a fresh computation (1–5).
    package var cacheMaxConsecutiveSteps: Int?
    /// Absolute step at which caching starts (≥ 0).
    package var cacheStartStep: Int?
    /// Percentage of steps at which caching starts (0–99).
    package var cacheStartStepPercentage: Int?
    /// First Block Cache on/off.
    package var fbCache: Bool?
    /// First Block Cache reuse threshold (0–1).
    package var fbCacheThreshold: Double?
    /// TeaCache on/off.
    package var teaCache: Bool?
    /// TeaCache aggressiveness (0–1).
    package var teaCacheDistance: Double?
    /// DB Cache (CacheDiT) on/off.
    package var dbCache: Bool?
    /// DB Cache reuse threshold (0–1).
    package var dbCacheThreshold: Double?
    /// Steps skipped between DB Cache refreshes (≥ 1).
    package var dbCacheSkipInterval: Int?

    /// Makes the options from typed values, taken as given (`TaskValidator` enforces the ranges).
    package init(
        cacheEndStep: Int? = nil, cacheEndStepPercentage: Int? = nil, cacheMaxConsecutiveSteps: Int? = nil,
        cacheStartStep: Int? = nil, cacheStartStepPercentage: Int? = nil,
        fbCache: Bool? = nil, fbCacheThreshold: Double? = nil,
        teaCache: Bool? = nil, teaCacheDistance: Double? = nil,
        dbCache: Bool? = nil, dbCacheThreshold: Double? = nil, dbCacheSkipInterval: Int? = nil
    ) {
        self.cacheEndStep = cacheEndStep
        self.cacheEndStepPercentage = cacheEndStepPercentage
        self.cacheMaxConsecutiveSteps = cacheMaxConsecutiveSteps
        self.cacheStartStep = cacheStartStep
        self.cacheStartStepPercentage = cacheStartStepPercentage
        self.fbCache = fbCache
        self.fbCacheThreshold = fbCacheThreshold
        self.teaCache = teaCache
        self.teaCacheDistance = teaCacheDistance
        self.dbCache = dbCache
        self.dbCacheThreshold = dbCacheThreshold
        self.dbCacheSkipInterval = dbCacheSkipInterval
    }

    /// True when these options turn some step caching on: a cache is enabled or a caching window is given.
    package var requestsCaching: Bool {
        fbCache == true || teaCache == true || dbCache == true
            || cacheStartStep != nil || cacheEndStep != nil
            || cacheStartStepPercentage != nil || cacheEndStepPercentage != nil
    }

    /// The wire object with only the members that are set.
    var jsonValue: JSONValue {
        var object = JSONObjectBuilder()
        object.set("cacheEndStep", cacheEndStep)
        object.set("cacheEndStepPercentage", cacheEndStepPercentage)
        object.set("cacheMaxConsecutiveSteps", cacheMaxConsecutiveSteps)
        object.set("cacheStartStep", cacheStartStep)
        object.set("cacheStartStepPercentage", cacheStartStepPercentage)
        object.set("fbCache", fbCache)
        object.set("fbCacheThreshold", fbCacheThreshold)
        object.set("teaCache", teaCache)
        object.set("teaCacheDistance", teaCacheDistance)
        object.set("dbCache", dbCache)
        object.set("dbCacheThreshold", dbCacheThreshold)
        object.set("dbCacheSkipInterval", dbCacheSkipInterval)
        return object.value
    }
}
