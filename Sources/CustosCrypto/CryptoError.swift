/// Failures of the crypto layer. None of them carries key material or plaintext.
package enum CryptoError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A ciphertext failed authentication: tampered, truncated, wrong key or wrong associated data.
    case authenticationFailed
    /// Input too short to be a ciphertext of this format.
    case malformedCiphertext
    /// A key of the wrong length was supplied.
    case invalidKeyLength(expected: Int, actual: Int)
    /// libsodium could not allocate guarded memory for a key.
    case keyAllocationFailed
    /// Password hashing could not get the memory its limits ask for.
    case passwordHashingFailed

    package var description: String {
        switch self {
        case .authenticationFailed: "ciphertext failed authentication"
        case .malformedCiphertext: "ciphertext is malformed"
        case let .invalidKeyLength(expected, actual): "key has \(actual) bytes, expected \(expected)"
        case .keyAllocationFailed: "could not allocate protected memory for a key"
        case .passwordHashingFailed: "password hashing (Argon2id) could not get its memory"
        }
    }
}
