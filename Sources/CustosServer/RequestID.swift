/// The id of a request that came without an `X-Request-ID`: it names the request in the
/// access log and the answer's `X-Request-ID`.
enum RequestID {
    /// A random version-4 UUID in lowercase. Foundation's `UUID()` opens and closes
    /// /dev/urandom on every call on Linux (about 5 % of a `/healthz` under load); the system
    /// generator is one `getrandom`.
    static func random() -> String {
        var generator = SystemRandomNumberGenerator()
        // Version 4 in the 13th hex digit, the RFC 9562 variant (10xx) in the 17th.
        let high = (generator.next() as UInt64) & 0xFFFF_FFFF_FFFF_0FFF | 0x0000_0000_0000_4000
        let low = (generator.next() as UInt64) & 0x3FFF_FFFF_FFFF_FFFF | 0x8000_0000_0000_0000
        let digits = Array("0123456789abcdef".utf8)
        return String(unsafeUninitializedCapacity: 36) { buffer in
            var at = 0
            for (word, range) in [(high, 0..<16), (low, 16..<32)] {
                for index in range {
                    if index == 8 || index == 12 || index == 16 || index == 20 { buffer[at] = UInt8(ascii: "-"); at += 1 }
                    buffer[at] = digits[Int(word >> (60 - 4 * UInt64(index % 16)) & 0xF)]
                    at += 1
                }
            }
            return at
        }
    }
}
