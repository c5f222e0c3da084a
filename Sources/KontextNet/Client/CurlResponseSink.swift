import CCurl

/// Collects one transfer's response headers and body from curl's callbacks, enforcing the size cap.
///
/// Lives on the worker thread that performs the transfer and is only touched by curl callbacks on
/// that thread, so it needs no synchronisation.
final class CurlResponseSink {
    /// The header fields of the latest response (reset at every status line, so only the last counts).
    private(set) var headers: [HTTPHeader] = []
    /// The body bytes received so far.
    private(set) var body: [UInt8] = []
    /// Set when the body (or its announced length) exceeded `maxBytes` and the transfer was refused.
    private(set) var exceededLimit = false
    private let maxBytes: Int
    /// Read by the progress callback to abort a transfer whose awaiting task was cancelled.
    let cancellation: CancellationFlag
    /// The request's connect-address check, run by the open-socket callback.
    let addressCheck: (@Sendable ([UInt8]) -> String?)?
    /// Why the check refused an address, when it did (the transfer then fails to connect).
    private(set) var addressRefusal: String?

    init(maxBytes: Int, cancellation: CancellationFlag, addressCheck: (@Sendable ([UInt8]) -> String?)? = nil) {
        self.maxBytes = max(0, maxBytes)
        self.cancellation = cancellation
        self.addressCheck = addressCheck
    }

    /// Runs the address check on `address`; false (and the reason kept) when it refuses.
    func mayConnect(to address: [UInt8]) -> Bool {
        guard let addressCheck, let refusal = addressCheck(address) else { return true }
        addressRefusal = refusal
        return false
    }

    /// Appends body bytes; returns false (abort) when they would pass the cap.
    func receiveBody(_ bytes: UnsafeRawBufferPointer) -> Bool {
        if body.count + bytes.count > maxBytes {
            exceededLimit = true
            return false
        }
        body.append(contentsOf: bytes)
        return true
    }

    /// Records one raw header line; returns false (abort) when Content-Length announces too large a body.
    func receiveHeaderLine(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let line = String(decoding: bytes, as: UTF8.self)
        if line.hasPrefix("HTTP/") {
            // A new status line starts a new response (100 Continue, redirects): keep only the last.
            headers.removeAll()
            body.removeAll()
            return true
        }
        guard let colon = line.firstIndex(of: ":") else { return true }  // The blank line ending the block.
        let name = line[..<colon].trimmingASCIIWhitespace().lowercased()
        let value = String(line[line.index(after: colon)...].trimmingASCIIWhitespace())
        headers.append(HTTPHeader(name: name, value: value))
        if name == "content-length", let announced = Int(value), announced > maxBytes {
            exceededLimit = true
            return false
        }
        return true
    }
}

extension Substring {
    /// The substring without leading and trailing spaces, tabs, CR and LF.
    func trimmingASCIIWhitespace() -> Substring {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" || $0 == "\r\n" }
        guard let start = firstIndex(where: { !isSpace($0) }), let end = lastIndex(where: { !isSpace($0) }) else {
            return self[endIndex...]
        }
        return self[start...end]
    }
}
