internal import CSodium

/// Authenticated encryption with associated data: XChaCha20-Poly1305 (IETF) with a random
/// 24-byte nonce. The sealed form is `nonce ‖ ciphertext ‖ tag`; the associated data is not
/// stored but must be presented again to open, which binds a ciphertext to its context
/// (subject, field, key version) so it cannot be moved elsewhere.
///
/// ```swift
/// let key = try SecretKey.random()
/// let sealed = try XChaCha20Poly1305.seal(Array("NL91ABNA0417164300".utf8), key: key,
///                                         associatedData: Array("S-1/bank_account/v1".utf8))
/// let plain = try XChaCha20Poly1305.open(sealed, key: key,
///                                        associatedData: Array("S-1/bank_account/v1".utf8))
/// ```
package enum XChaCha20Poly1305 {
    package static let nonceByteCount = Int(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES)
    package static let tagByteCount = Int(crypto_aead_xchacha20poly1305_ietf_ABYTES)

    /// Seals `plaintext` under `key` with a fresh random nonce.
    package static func seal(_ plaintext: [UInt8], key: SecretKey, associatedData: [UInt8]) throws(CryptoError) -> [UInt8] {
        try seal(plaintext, key: key, associatedData: associatedData, nonce: SecureRandom.bytes(nonceByteCount))
    }

    /// Seals with a caller-chosen nonce. Only for known-answer tests: reusing a nonce under
    /// the same key destroys confidentiality.
    package static func seal(
        _ plaintext: [UInt8], key: SecretKey, associatedData: [UInt8], nonce: [UInt8]
    ) throws(CryptoError) -> [UInt8] {
        Sodium.ensureReady()
        guard nonce.count == nonceByteCount else { throw .malformedCiphertext }
        var output = [UInt8](repeating: 0, count: nonceByteCount + plaintext.count + tagByteCount)
        output.replaceSubrange(0..<nonceByteCount, with: nonce)
        var written: UInt64 = 0
        let status = key.withBytes { keyBytes in
            output.withUnsafeMutableBufferPointer { out in
                crypto_aead_xchacha20poly1305_ietf_encrypt(
                    out.baseAddress! + nonceByteCount, &written,
                    plaintext, UInt64(plaintext.count),
                    associatedData, UInt64(associatedData.count),
                    nil, nonce, keyBytes)
            }
        }
        guard status == 0, Int(written) == plaintext.count + tagByteCount else { throw .authenticationFailed }
        return output
    }

    /// Opens the sealed value `sealed` (`nonce ‖ ciphertext ‖ tag`) into `plaintext`, which
    /// must hold at least `sealed.count - nonceByteCount - tagByteCount` bytes, and returns how
    /// many it wrote; nil on any tampering or wrong context (what was written is then zeroed).
    /// For callers that open many values into one buffer they wipe once.
    static func open(_ sealed: UnsafeRawBufferPointer, into plaintext: UnsafeMutableBufferPointer<UInt8>, key: SecretKey,
                     associatedData: UnsafeBufferPointer<UInt8>) -> Int? {
        Sodium.ensureReady()
        guard sealed.count >= nonceByteCount + tagByteCount, let input = sealed.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return nil }
        let count = sealed.count - nonceByteCount - tagByteCount
        guard plaintext.count >= count else { return nil }
        var written: UInt64 = 0
        let status = key.withBytes { keyBytes in
            crypto_aead_xchacha20poly1305_ietf_decrypt(
                plaintext.baseAddress, &written, nil,
                input + nonceByteCount, UInt64(sealed.count - nonceByteCount),
                associatedData.baseAddress, UInt64(associatedData.count),
                input, keyBytes)
        }
        guard status == 0, Int(written) == count else {
            UnsafeMutableBufferPointer(rebasing: plaintext[..<count]).update(repeating: 0)
            return nil
        }
        return count
    }

    /// Opens a sealed value; throws `authenticationFailed` on any tampering or wrong context.
    package static func open(_ sealed: [UInt8], key: SecretKey, associatedData: [UInt8]) throws(CryptoError) -> [UInt8] {
        try open(sealed, from: 0, key: key, associatedData: associatedData)
    }

    /// Opens the sealed value that starts at `offset` of `bytes` (after a header), without
    /// copying it out first.
    package static func open(_ bytes: [UInt8], from offset: Int, key: SecretKey, associatedData: [UInt8]) throws(CryptoError) -> [UInt8] {
        Sodium.ensureReady()
        guard offset >= 0, bytes.count - offset >= nonceByteCount + tagByteCount else { throw .malformedCiphertext }
        var plaintext = [UInt8](repeating: 0, count: bytes.count - offset - nonceByteCount - tagByteCount)
        var written: UInt64 = 0
        let status = key.withBytes { keyBytes in
            bytes.withUnsafeBufferPointer { whole in
                let input = whole.baseAddress! + offset
                return plaintext.withUnsafeMutableBufferPointer { out in
                    crypto_aead_xchacha20poly1305_ietf_decrypt(
                        out.baseAddress, &written, nil,
                        input + nonceByteCount, UInt64(whole.count - offset - nonceByteCount),
                        associatedData, UInt64(associatedData.count),
                        input, keyBytes)
                }
            }
        }
        guard status == 0 else {
            wipe(&plaintext)
            throw .authenticationFailed
        }
        return plaintext
    }
}
