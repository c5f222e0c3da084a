/// Levenshtein distance between names, used to suggest the name a typo was meant to be.
public enum EditDistance {
    /// The number of single-character insertions, deletions and substitutions turning `a` into `b`.
    public static func levenshtein(_ a: String, _ b: String) -> Int {
        let source = Array(a), target = Array(b)
        if source.isEmpty { return target.count }
        if target.isEmpty { return source.count }
        var previous = Array(0...target.count)
        var current = [Int](repeating: 0, count: target.count + 1)
        for i in 1...source.count {
            current[0] = i
            for j in 1...target.count {
                let substitution = previous[j - 1] + (source[i - 1] == target[j - 1] ? 0 : 1)
                current[j] = min(previous[j] + 1, current[j - 1] + 1, substitution)
            }
            swap(&previous, &current)
        }
        return previous[target.count]
    }

    /// The candidate closest to `name` ignoring letter case (first one on ties), with its distance;
    /// nil only when there are no candidates.
    public static func closest(to name: String, in candidates: some Sequence<String>) -> (name: String, distance: Int)? {
        let lowered = name.lowercased()
        var best: (name: String, distance: Int)?
        for candidate in candidates {
            let distance = levenshtein(lowered, candidate.lowercased())
            if best == nil || distance < best!.distance { best = (candidate, distance) }
        }
        return best
    }

    /// The candidate closest to `name` ignoring letter case, or nil when even the closest differs
    /// in more than half of its characters, which would be no help as a "did you mean".
    public static func nearest(to name: String, in candidates: some Sequence<String>) -> String? {
        guard let best = closest(to: name, in: candidates),
            best.distance <= max(2, max(name.count, best.name.count) / 2)
        else { return nil }
        return best.name
    }
}
