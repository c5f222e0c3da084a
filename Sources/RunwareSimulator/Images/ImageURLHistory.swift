import KontextCore

/// Every URL issued for one image: version 0 is the URL in the result itself
/// (`/image/ws/2/ii/<imageUUID>.<ext>`), each fresh one from `getResponse` adds `?v=<n>`. A
/// version answers while it is live; an expired one keeps answering 404 forever.
struct ImageURLHistory: Sendable {
    let imageUUID: String
    let format: OutputFormat
    /// When each version was issued, by version number.
    private(set) var issuedAt: [ContinuousClock.Instant]
    /// Version 0 was dead from the start (the `expireImageURLRate` fault).
    let firstExpiredFromStart: Bool

    init(imageUUID: String, format: OutputFormat, issuedAt: ContinuousClock.Instant, firstExpiredFromStart: Bool) {
        self.imageUUID = imageUUID
        self.format = format
        self.issuedAt = [issuedAt]
        self.firstExpiredFromStart = firstExpiredFromStart
    }

    /// The newest version number.
    var latestVersion: Int { issuedAt.count - 1 }

    /// Whether `version` still serves the image at `now`, given the plan's URL lifetime.
    func isLive(version: Int, at now: ContinuousClock.Instant, lifetime: Double?) -> Bool {
        guard issuedAt.indices.contains(version) else { return false }
        if version == 0 && firstExpiredFromStart { return false }
        guard let lifetime else { return true }
        return now < issuedAt[version] + .milliseconds(Int64((lifetime * 1000).rounded()))
    }

    /// Issues the next version; returns its number.
    mutating func issue(at now: ContinuousClock.Instant) -> Int {
        issuedAt.append(now)
        return latestVersion
    }

    /// The URL of `version` under `base`.
    func url(base: String, version: Int) -> String {
        let plain = ResultPayload.imageURL(base: base, imageUUID: imageUUID, format: format)
        return version == 0 ? plain : plain + "?v=\(version)"
    }
}
