/// Why the bench could not produce a figure: what it was doing and what went wrong.
struct BenchError: Error, CustomStringConvertible {
    /// The explanation, naming the step and the value that was wrong.
    let description: String

    init(_ description: String) {
        self.description = description
    }
}
