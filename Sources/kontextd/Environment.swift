import Foundation

/// Reads the process environment (one place, so defaults documented in `--help` stay honest).
enum Environment {
    static func value(_ name: String) -> String? {
        ProcessInfo.processInfo.environment[name].flatMap { $0.isEmpty ? nil : $0 }
    }
}
