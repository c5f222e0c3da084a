/// Where a sink puts an image: a template such as `{yyyy}/{mm}/{dd}/{taskUUID}/{imageUUID}.{ext}`,
/// checked once at start-up so a typo stops the daemon instead of scattering files.
///
/// Placeholders: `{yyyy}` `{mm}` `{dd}` `{HH}` (UTC, of the time the image was stored),
/// `{taskUUID}` `{imageUUID}` `{sha256}` `{ext}` (`jpg`/`png`/`webp`) `{format}` (`JPG`/…) `{seed}`.
/// Literal text may be letters, digits and `/ - _ . = +`; the result never starts with `/`, never
/// holds `..` or an empty segment, so it cannot escape the sink's directory or prefix.
package struct ObjectKeyTemplate: Sendable, Hashable {
    /// The default: one directory per day and task.
    package static let defaultTemplate = "{yyyy}/{mm}/{dd}/{taskUUID}/{imageUUID}.{ext}"
    /// Every placeholder a template may use.
    package static let placeholders = ["yyyy", "mm", "dd", "HH", "taskUUID", "imageUUID", "sha256", "ext", "format", "seed"]

    enum Piece: Sendable, Hashable {
        case literal(String)
        case placeholder(String)
    }

    /// The template as written.
    package let text: String
    let pieces: [Piece]

    /// Parses `text`; the error names the rule broken and the offending part.
    package init(_ text: String) throws(ObjectKeyTemplateError) {
        self.text = text
        var pieces: [Piece] = []
        var literal = ""
        var rest = Substring(text)
        while let first = rest.first {
            if first == "{" {
                guard let close = rest.firstIndex(of: "}") else {
                    throw ObjectKeyTemplateError(rule: "has a \"{\" without its \"}\"", part: String(rest))
                }
                let name = String(rest[rest.index(after: rest.startIndex)..<close])
                guard Self.placeholders.contains(name) else {
                    throw ObjectKeyTemplateError(
                        rule: "uses an unknown placeholder (known: \(Self.placeholders.map { "{\($0)}" }.joined(separator: " ")))",
                        part: "{\(name)}")
                }
                if !literal.isEmpty { pieces.append(.literal(literal)) }
                literal = ""
                pieces.append(.placeholder(name))
                rest = rest[rest.index(after: close)...]
            } else {
                guard first.isASCII, first.isLetter || first.isNumber || "/-_.=+".contains(first) else {
                    throw ObjectKeyTemplateError(
                        rule: "may hold only letters, digits, / - _ . = + and placeholders", part: String(first))
                }
                literal.append(first)
                rest = rest.dropFirst()
            }
        }
        if !literal.isEmpty { pieces.append(.literal(literal)) }
        guard pieces.contains(.placeholder("imageUUID")) || pieces.contains(.placeholder("sha256")) else {
            throw ObjectKeyTemplateError(rule: "must contain {imageUUID} or {sha256} so every image gets its own key", part: text)
        }
        if text.hasPrefix("/") { throw ObjectKeyTemplateError(rule: "must not start with /", part: text) }
        let segments = text.split(separator: "/", omittingEmptySubsequences: false)
        if segments.contains(where: { $0.isEmpty || $0 == "." || $0 == ".." }) {
            throw ObjectKeyTemplateError(rule: "must not hold an empty, \".\" or \"..\" path segment", part: text)
        }
        self.pieces = pieces
    }

    /// The values the placeholders stand for, for one image.
    package struct Values: Sendable, Hashable {
        package var taskUUID: String
        package var imageUUID: String
        package var sha256: String
        package var format: OutputFormat
        package var seed: UInt64?
        package var storedAt: Double

        package init(taskUUID: String, imageUUID: String, sha256: String, format: OutputFormat, seed: UInt64?, storedAt: Double) {
            self.taskUUID = taskUUID
            self.imageUUID = imageUUID
            self.sha256 = sha256
            self.format = format
            self.seed = seed
            self.storedAt = storedAt
        }
    }

    /// The key for one image. Values that are not plain tokens (a UUID with a slash in it, say)
    /// have every character outside `[A-Za-z0-9-_.]` replaced by `_`, so they cannot add segments.
    package func render(_ values: Values) -> String {
        let time = UTCTime(secondsSince1970: values.storedAt)
        var key = ""
        for piece in pieces {
            switch piece {
            case .literal(let text): key += text
            case .placeholder(let name):
                let value: String = switch name {
                case "yyyy": UTCTime.pad(time.year, 4)
                case "mm": UTCTime.pad(time.month, 2)
                case "dd": UTCTime.pad(time.day, 2)
                case "HH": UTCTime.pad(time.hour, 2)
                case "taskUUID": values.taskUUID
                case "imageUUID": values.imageUUID
                case "sha256": values.sha256
                case "ext": values.format.fileExtension
                case "format": values.format.rawValue
                default: values.seed.map { String($0) } ?? "none"
                }
                key += Self.token(value)
            }
        }
        return key
    }

    private static func token(_ value: String) -> String {
        let safe = String(value.map { $0.isASCII && ($0.isLetter || $0.isNumber || "-_".contains($0)) ? $0 : "_" })
        return safe.isEmpty ? "_" : safe
    }
}

/// A key template that cannot be used: which rule it breaks and where.
package struct ObjectKeyTemplateError: Error, Sendable, Hashable, CustomStringConvertible {
    package let rule: String
    package let part: String

    package var description: String { "\(rule) (\"\(part)\")" }
}
