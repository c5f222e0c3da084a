/// Levenshtein distance between names, used to suggest the name a typo was meant to be.
///
/// The cost is the product of the two lengths, so names longer than `maximumComparedLength` get
/// no suggestion at all: a hostile member name of a megabyte must not cost seconds of CPU per
/// request (no real typo of a field or scheduler name is that long).
package enum EditDistance {
    /// Longest name (in characters) compared; longer names are never anyone's typo of a known name.
    package static let maximumComparedLength = 64

    /// The number of single-character insertions, deletions and substitutions turning `a` into `b`.
    package static func levenshtein(_ a: String, _ b: String) -> Int {
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
    /// Nil as well when `name` is longer than `maximumComparedLength`.
    package static func closest(to name: String, in candidates: some Sequence<String>) -> (name: String, distance: Int)? {
        // utf8.count first: O(1) for native strings, and never shorter than the character count.
        guard name.utf8.count <= maximumComparedLength || name.count <= maximumComparedLength else { return nil }
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
    package static func nearest(to name: String, in candidates: some Sequence<String>) -> String? {
        guard let best = closest(to: name, in: candidates),
            best.distance <= max(2, max(name.count, best.name.count) / 2)
        else { return nil }
        return best.name
    }
}
