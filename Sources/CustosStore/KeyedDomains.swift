package import Foundation
internal import CustosCrypto

/// Keyed hashes and sealing keys for the public door (DESIGN §11), each under a domain of its
/// own and derived from the keyring's blind-index key: a stolen vault file yields no e-mail
/// address, code, status link or client address, and no key needs a keyring migration.
extension Keyring {
    /// A keyed BLAKE2b of `input` in `domain` (`"email"`, `"code"`, `"status-link"`, `"ip"`).
    package func keyedDigest(_ domain: String, _ input: String) -> Data {
        Data(Blake2b.keyedHash(Array("custos/\(domain)/v1\u{0}".utf8) + Array(input.utf8), key: blindIndexKey))
    }

    /// The key the outbox and challenges are sealed under.
    func sealingKey(_ domain: String) throws -> SecretKey {
        var bytes = Blake2b.keyedHash(Array("custos/sealing-key/\(domain)/v1\u{0}".utf8), key: blindIndexKey, byteCount: 32)
        return try SecretKey.consuming(&bytes)
    }

    func seal(_ plaintext: Data, domain: String) throws -> Data {
        Data(try XChaCha20Poly1305.seal([UInt8](plaintext), key: try sealingKey(domain), associatedData: Array(domain.utf8)))
    }

    func unseal(_ sealed: Data, domain: String) throws -> Data {
        Data(try XChaCha20Poly1305.open([UInt8](sealed), key: try sealingKey(domain), associatedData: Array(domain.utf8)))
    }
}

/// Random tokens for links and challenge ids: 256 bits, base64url without padding.
package enum RandomToken {
    package static func make(bytes count: Int = 32) -> String {
        Base64URL.encode(SecureRandom.bytes(count))
    }

    /// A six-digit code, uniform over 000000–999999.
    package static func sixDigits() -> String {
        var value: UInt32
        repeat {
            let bytes = SecureRandom.bytes(4)
            value = bytes.reduce(0) { $0 << 8 | UInt32($1) }
        } while value >= 4_294_000_000   // the largest multiple of 10^6 below 2^32: no modulo bias
        return String(format: "%06u", value % 1_000_000)
    }
}
