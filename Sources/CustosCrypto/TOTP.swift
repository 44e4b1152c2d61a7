import Foundation

/// Time-based one-time passwords (RFC 6238 over RFC 4226): HMAC-SHA-1, 30-second steps, six
/// digits, the parameters every authenticator app accepts from an `otpauth://` URI.
///
/// ```swift
/// let totp = TOTP(secret: SecureRandom.bytes(20))
/// let code = totp.code(atStep: TOTP.step(at: 1_700_000_000))   // "123456"-like
/// ```
package struct TOTP: Sendable {
    package static let period: Int64 = 30
    package let secret: [UInt8]
    package let digits: Int

    package init(secret: [UInt8], digits: Int = 6) {
        self.secret = secret
        self.digits = digits
    }

    /// The step a Unix time (seconds) falls in.
    package static func step(at unixSeconds: Int64) -> Int64 { unixSeconds / period }

    package func code(atStep step: Int64) -> String {
        let counter = (0..<8).map { UInt8(truncatingIfNeeded: UInt64(step) >> UInt64(56 - $0 * 8)) }
        let mac = HMACSHA1.mac(counter, key: secret)
        let offset = Int(mac[19] & 0x0f)
        let value = (UInt32(mac[offset] & 0x7f) << 24 | UInt32(mac[offset + 1]) << 16 | UInt32(mac[offset + 2]) << 8 | UInt32(mac[offset + 3]))
        var modulus: UInt32 = 1
        for _ in 0..<digits { modulus *= 10 }
        let text = String(value % modulus)
        return String(repeating: "0", count: digits - text.count) + text
    }

    /// The step within one step either side of `step` whose code is `code`, if any; compared
    /// in constant time per step.
    package func matchingStep(_ code: String, around step: Int64) -> Int64? {
        guard code.utf8.count == digits, code.utf8.allSatisfy({ (48...57).contains($0) }) else { return nil }
        var found: Int64?
        for candidate in [step - 1, step, step + 1] where Self.equal(Array(self.code(atStep: candidate).utf8), Array(code.utf8)) {
            found = found ?? candidate
        }
        return found
    }

    private static func equal(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        return zip(a, b).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }

    /// The `otpauth://` URI an authenticator app reads (as a QR code or pasted).
    package func uri(issuer: String, account: String) -> String {
        func escape(_ text: String) -> String {
            text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? text
        }
        return "otpauth://totp/\(escape(issuer)):\(escape(account))?secret=\(Base32.encode(secret))&issuer=\(escape(issuer))&algorithm=SHA1&digits=\(digits)&period=\(Self.period)"
    }
}

/// Base32 without padding (RFC 4648 §6), as `otpauth://` secrets are written.
package enum Base32 {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".utf8)

    package static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        var buffer: UInt32 = 0, bits = 0
        for byte in bytes {
            buffer = buffer << 8 | UInt32(byte)
            bits += 8
            while bits >= 5 {
                out.append(alphabet[Int(buffer >> UInt32(bits - 5) & 31)])
                bits -= 5
            }
        }
        if bits > 0 { out.append(alphabet[Int(buffer << UInt32(5 - bits) & 31)]) }
        return String(decoding: out, as: UTF8.self)
    }

    /// The bytes of a Base32 text (case-insensitive, spaces and padding ignored), or nil.
    package static func decode(_ text: String) -> [UInt8]? {
        var out: [UInt8] = []
        var buffer: UInt32 = 0, bits = 0
        for character in text.uppercased().utf8 where character != 32 && character != 61 {
            guard let value = alphabet.firstIndex(of: character) else { return nil }
            buffer = buffer << 5 | UInt32(value)
            bits += 5
            if bits >= 8 {
                out.append(UInt8(truncatingIfNeeded: buffer >> UInt32(bits - 8)))
                bits -= 8
            }
        }
        return out
    }
}
