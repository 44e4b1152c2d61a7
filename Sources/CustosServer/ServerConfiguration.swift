/// How `custos serve` listens and what it accepts.
public struct ServerConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// The base URL clients reach the server at, for the AuthZEN metadata (never guessed from
    /// a request's Host header).
    public var publicURL: String
    /// Request bodies above this many bytes are refused with 413.
    public var maximumBody: Int
    /// Requests in one batch call (native or AuthZEN).
    public var maximumBatch: Int

    public init(host: String = "127.0.0.1", port: Int = 8700, publicURL: String? = nil, maximumBody: Int = 1 << 20, maximumBatch: Int = 1000) {
        self.host = host
        self.port = port
        self.publicURL = publicURL ?? "http://\(host.contains(":") ? "[\(host)]" : host):\(port)"
        self.maximumBody = maximumBody
        self.maximumBatch = maximumBatch
    }

    /// Plain HTTP is for loopback only (DESIGN §10).
    public var isLoopback: Bool {
        host == "127.0.0.1" || host == "::1" || host == "localhost" || host.hasPrefix("127.")
    }
}
