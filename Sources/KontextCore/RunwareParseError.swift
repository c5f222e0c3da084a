/// Why a Runware body (submit response, `getResponse` answer or webhook) could not be understood.
///
/// The message names what was wrong and where: not JSON, `"data"` not an array, `data[2]` with an
/// `imageUUID` but no image field, and so on; it is meant to be logged and shown as is.
public struct RunwareParseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What was wrong, naming the item (`data[2]`, `errors[0]`, `body`) and the rule it broke.
    public let message: String

    /// Creates an error carrying `message`.
    public init(message: String) { self.message = message }

    public var description: String { "unreadable Runware body: \(message)" }
}
