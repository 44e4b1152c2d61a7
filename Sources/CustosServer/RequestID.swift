import CustosCrypto

/// The id of a request that came without an `X-Request-ID`: it names the request in the
/// access log and the answer's `X-Request-ID`.
enum RequestID {
    /// A random version-4 UUID in lowercase. Foundation's `UUID()` opens and closes
    /// /dev/urandom on every call on Linux (about 5 % of a `/healthz` under load); libsodium's
    /// generator does not.
    static func random() -> String {
        var bytes = SecureRandom.bytes(16)
        bytes[6] = bytes[6] & 0x0F | 0x40  // version 4
        bytes[8] = bytes[8] & 0x3F | 0x80  // the RFC 9562 variant, 10xx
        let hex = Hex.encode(bytes)
        var id = ""
        id.reserveCapacity(36)
        for (index, digit) in hex.enumerated() {
            if index == 8 || index == 12 || index == 16 || index == 20 { id.append("-") }
            id.append(digit)
        }
        return id
    }
}
