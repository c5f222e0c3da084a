import Foundation

/// Writes command output unbuffered (stdout is fully buffered when not a terminal).
enum FileHandleOutput {
    static func standardOutput(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    static func standardError(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
