internal import CSodium

/// Wrapping one key under another (XChaCha20-Poly1305 over the key bytes, with a context
/// bound as associated data), so keys can rest in the keyring file without their bytes ever
/// leaving this module.
///
/// ```swift
/// let master = try SecretKey.random()
/// let subjectKey = try SecretKey.random(storage: .ordinary)
/// let wrapped = try KeyWrap.wrap(subjectKey, under: master, context: Array("subject:D-1/v1".utf8))
/// let again = try KeyWrap.unwrap(wrapped, under: master, context: Array("subject:D-1/v1".utf8), storage: .ordinary)
/// ```
package enum KeyWrap {
    package static func wrap(_ key: SecretKey, under wrappingKey: SecretKey, context: [UInt8]) throws(CryptoError) -> [UInt8] {
        var bytes = key.withBytes { Array(UnsafeBufferPointer(start: $0, count: SecretKey.byteCount)) }
        defer { wipe(&bytes) }
        return try XChaCha20Poly1305.seal(bytes, key: wrappingKey, associatedData: context)
    }

    package static func unwrap(_ wrapped: [UInt8], under wrappingKey: SecretKey, context: [UInt8], storage: SecretKey.Storage) throws(CryptoError) -> SecretKey {
        var bytes = try XChaCha20Poly1305.open(wrapped, key: wrappingKey, associatedData: context)
        defer { wipe(&bytes) }
        guard bytes.count == SecretKey.byteCount else { throw .malformedCiphertext }
        return try SecretKey.consuming(&bytes, storage: storage)
    }
}

/// Argon2id (libsodium `crypto_pwhash`) for a master key from a passphrase.
package enum PassphraseKey {
    package static let saltByteCount = Int(crypto_pwhash_SALTBYTES)

    /// Derives a 32-byte key; the passphrase buffer is wiped afterwards.
    package static func derive(passphrase: inout [UInt8], salt: [UInt8]) throws(CryptoError) -> SecretKey {
        defer { wipe(&passphrase) }
        Sodium.ensureReady()
        guard salt.count == saltByteCount, !passphrase.isEmpty else { throw .malformedCiphertext }
        var out = [UInt8](repeating: 0, count: SecretKey.byteCount)
        defer { wipe(&out) }
        let status = passphrase.withUnsafeBytes { pass in
            crypto_pwhash(&out, UInt64(out.count), pass.bindMemory(to: CChar.self).baseAddress!,
                          UInt64(pass.count), salt, UInt64(crypto_pwhash_OPSLIMIT_INTERACTIVE),
                          Int(crypto_pwhash_MEMLIMIT_INTERACTIVE), crypto_pwhash_ALG_ARGON2ID13)
        }
        guard status == 0 else { throw .keyAllocationFailed }
        return try SecretKey.consuming(&out)
    }
}
