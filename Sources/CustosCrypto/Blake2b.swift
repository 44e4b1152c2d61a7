internal import CSodium

/// BLAKE2b (libsodium `crypto_generichash`), plain or keyed. Plain hashes give the policy
/// digest and notice content hashes; keyed hashes give blind indexes.
///
/// ```swift
/// let digest = Blake2b.hash(Array("policy".utf8))        // 32 bytes
/// print(Blake2b.hex(digest))
/// ```
package enum Blake2b {
    package static let defaultByteCount = 32

    /// Unkeyed BLAKE2b of `input`, `byteCount` long (16...64).
    package static func hash(_ input: [UInt8], byteCount: Int = defaultByteCount) -> [UInt8] {
        Sodium.ensureReady()
        precondition((16...64).contains(byteCount), "BLAKE2b output length out of range")
        var out = [UInt8](repeating: 0, count: byteCount)
        _ = crypto_generichash(&out, byteCount, input, UInt64(input.count), nil, 0)
        return out
    }

    /// BLAKE2b of `input` keyed with `key`; without the key the output reveals nothing about
    /// a low-entropy input such as an e-mail address.
    package static func keyedHash(_ input: [UInt8], key: SecretKey, byteCount: Int = defaultByteCount) -> [UInt8] {
        Sodium.ensureReady()
        precondition((16...64).contains(byteCount), "BLAKE2b output length out of range")
        var out = [UInt8](repeating: 0, count: byteCount)
        key.withBytes { keyBytes in
            _ = crypto_generichash(&out, byteCount, input, UInt64(input.count), keyBytes, SecretKey.byteCount)
        }
        return out
    }

    /// Lower-case hexadecimal rendering of a digest.
    package static func hex(_ bytes: [UInt8]) -> String { Hex.encode(bytes) }
}
