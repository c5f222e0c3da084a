import Configuration
import Foundation
import KontextCore
import Synchronization
import Yams

/// Records every configuration key the loader reads, so the keys a file holds that nothing read
/// can be reported as mistakes — without a central list of known keys anybody has to maintain.
///
/// A loader that reads `sync.sink.<name>.url` for each sink named in the file records those keys
/// like any other: whatever code reads is known, whatever it does not is unknown.
package final class ConfigurationKeyLedger: AccessReporter {
    private let keys = Mutex(Set<String>())

    package init() {}

    package func report(_ event: AccessEvent) {
        let key = event.metadata.key.components.joined(separator: ".")
        _ = keys.withLock { $0.insert(key) }
    }

    /// Every key read so far, dotted (`webhook.port`).
    package var readKeys: Set<String> {
        keys.withLock { $0 }
    }
}

/// The keys a YAML configuration file sets, dotted (`webhook.port`), as swift-configuration's
/// YAML provider flattens them: nested mappings join with ".", scalars and lists are leaves.
package struct ConfigurationFileKeys: Sendable {
    /// Every leaf key in the file.
    package let keys: Set<String>
    /// Mapping keys whose value is empty (`webhook:` with every child commented out): they set
    /// nothing, and are only a mistake when no known key lives under them.
    let emptySections: Set<String>

    /// Parses `text`; throws when it is not YAML or its root is not a mapping.
    package init(yaml text: String, path: String) throws {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw ConfigurationError(key: path, rule: "must be valid YAML", value: "\(error)")
        }
        var keys = Set<String>()
        var empty = Set<String>()
        guard let root else {
            self.keys = []
            self.emptySections = []
            return
        }
        guard let mapping = root.mapping else {
            throw ConfigurationError(key: path, rule: "must hold a YAML mapping of keys at its top level", value: "\(root.tag)")
        }
        var pending: [(prefix: [String], mapping: Node.Mapping)] = [([], mapping)]
        while let (prefix, mapping) = pending.popLast() {
            for (keyNode, value) in mapping {
                let key = prefix + [keyNode.string ?? "\(keyNode)"]
                if let child = value.mapping {
                    pending.append((key, child))
                } else if value.null != nil {
                    empty.insert(key.joined(separator: "."))
                } else {
                    keys.insert(key.joined(separator: "."))
                }
            }
        }
        self.keys = keys
        self.emptySections = empty
    }

    /// The distinct names one level below `prefix`: for `sync.sink` with keys
    /// `sync.sink.archive.path` and `sync.sink.s3.bucket`, `["archive", "s3"]`. This is how a loader
    /// finds dynamically named sections (whose keys it then reads, and so makes known).
    package func names(under prefix: String) -> [String] {
        let start = prefix + "."
        var names = Set<String>()
        for key in keys where key.hasPrefix(start) {
            let rest = key.dropFirst(start.count)
            if let name = rest.split(separator: ".", maxSplits: 1).first { names.insert(String(name)) }
        }
        return names.sorted()
    }

    /// The keys the file sets that are not in `readKeys`, each with the nearest read key when one
    /// is close enough to be the key that was meant.
    package func unknown(given readKeys: Set<String>) -> [UnknownConfigurationKey] {
        var found: [UnknownConfigurationKey] = []
        for key in keys.sorted() where !readKeys.contains(key) {
            found.append(UnknownConfigurationKey(key: key, nearest: Self.nearest(to: key, in: readKeys)))
        }
        for section in emptySections.sorted() {
            let prefix = section + "."
            if readKeys.contains(section) || readKeys.contains(where: { $0.hasPrefix(prefix) }) { continue }
            found.append(UnknownConfigurationKey(key: section, nearest: Self.nearest(to: section, in: readKeys)))
        }
        return found
    }

    /// The nearest known key: the whole dotted key compared first (`webhok.port` → `webhook.port`),
    /// then, for a misspelt section, the key's sections alone (`imags` → `images`).
    private static func nearest(to key: String, in readKeys: Set<String>) -> String? {
        if let whole = EditDistance.nearest(to: key, in: readKeys.sorted()) { return whole }
        let sections = Set(readKeys.compactMap { $0.split(separator: ".").first.map(String.init) })
        let head = key.split(separator: ".").first.map(String.init) ?? key
        return EditDistance.nearest(to: head, in: sections.sorted())
    }
}

/// A key set in the configuration file that the daemon never reads: a typo, or a key from
/// another version.
package struct UnknownConfigurationKey: Sendable, Equatable, CustomStringConvertible {
    /// The key as the file spells it, dotted.
    package let key: String
    /// The known key it most likely meant, when one is close.
    package let nearest: String?

    package init(key: String, nearest: String?) {
        self.key = key
        self.nearest = nearest
    }

    package var description: String {
        nearest.map { "\(key) (did you mean \($0)?)" } ?? key
    }
}
