internal import CSodium

/// Ed25519 signatures for audit checkpoints and consent receipts. The signing key is a
/// 32-byte seed kept like any other secret key; the public key is derived from it.
///
/// ```swift
/// let seed = try SecretKey.random()
/// let signature = Ed25519.sign(Array("head".utf8), seed: seed)
/// Ed25519.verify(signature, of: Array("head".utf8), publicKey: Ed25519.publicKey(seed: seed))   // true
/// ```
package enum Ed25519 {
    package static let signatureByteCount = Int(crypto_sign_BYTES)
    package static let publicKeyByteCount = Int(crypto_sign_PUBLICKEYBYTES)

    /// Runs `body` with the expanded secret key in a wiped stack buffer.
    private static func withKeyPair<R>(seed: SecretKey, _ body: (UnsafePointer<UInt8>, UnsafePointer<UInt8>) -> R) -> R {
        Sodium.ensureReady()
        var publicKey = [UInt8](repeating: 0, count: publicKeyByteCount)
        var secretKey = [UInt8](repeating: 0, count: Int(crypto_sign_SECRETKEYBYTES))
        defer { wipe(&secretKey) }
        seed.withBytes { _ = crypto_sign_seed_keypair(&publicKey, &secretKey, $0) }
        return body(publicKey, secretKey)
    }

    package static func publicKey(seed: SecretKey) -> [UInt8] {
        withKeyPair(seed: seed) { publicKey, _ in Array(UnsafeBufferPointer(start: publicKey, count: publicKeyByteCount)) }
    }

    package static func sign(_ message: [UInt8], seed: SecretKey) -> [UInt8] {
        withKeyPair(seed: seed) { _, secretKey in
            var signature = [UInt8](repeating: 0, count: signatureByteCount)
            _ = crypto_sign_detached(&signature, nil, message, UInt64(message.count), secretKey)
            return signature
        }
    }

    package static func verify(_ signature: [UInt8], of message: [UInt8], publicKey: [UInt8]) -> Bool {
        Sodium.ensureReady()
        guard signature.count == signatureByteCount, publicKey.count == publicKeyByteCount else { return false }
        return crypto_sign_verify_detached(signature, message, UInt64(message.count), publicKey) == 0
    }
}
