internal import CSodium

/// Officer passwords as Argon2id strings (libsodium's `crypto_pwhash_str`), with libsodium's
/// *interactive* limits (2 passes, 64 MiB): a login costs tens of milliseconds, a stolen
/// keyring costs an attacker 64 MiB per guess. The string carries its own parameters and
/// salt, so the limits can grow later without invalidating stored hashes.
///
/// ```swift
/// let stored = try PasswordHash.hash("correct horse battery staple")
/// PasswordHash.verify("correct horse battery staple", against: stored)   // true
/// ```
package enum PasswordHash {
    package static func hash(_ password: String) throws(CryptoError) -> String {
        Sodium.ensureReady()
        var out = [CChar](repeating: 0, count: Int(crypto_pwhash_STRBYTES))
        // With its terminating NUL, so even an empty password has an address; the length
        // passed leaves the NUL out.
        let chars = Array(password.utf8CString)
        let status = crypto_pwhash_str(&out, chars, UInt64(chars.count - 1),
                                       UInt64(crypto_pwhash_OPSLIMIT_INTERACTIVE), Int(crypto_pwhash_MEMLIMIT_INTERACTIVE))
        guard status == 0 else { throw .passwordHashingFailed }
        return String(decoding: out.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Whether `password` matches the stored Argon2id string; a malformed string never matches.
    package static func verify(_ password: String, against stored: String) -> Bool {
        Sodium.ensureReady()
        var hash = Array(stored.utf8CString)
        guard hash.count <= Int(crypto_pwhash_STRBYTES) else { return false }
        let chars = Array(password.utf8CString)
        return crypto_pwhash_str_verify(&hash, chars, UInt64(chars.count - 1)) == 0
    }
}
