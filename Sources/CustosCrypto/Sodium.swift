internal import CSodium

/// One-time libsodium initialisation. Every entry point of this module goes through
/// `Sodium.ready` first; `sodium_init` is itself idempotent and thread-safe, the lazy
/// global only saves the call.
enum Sodium {
    static let ready: Bool = {
        // sodium_init returns 0 on success, 1 if already initialised, -1 on failure.
        let status = sodium_init()
        precondition(status >= 0, "libsodium could not be initialised")
        return true
    }()

    static func ensureReady() { _ = ready }
}

/// Cryptographically secure random bytes from libsodium.
package enum SecureRandom {
    /// Returns `count` random bytes.
    ///
    /// ```swift
    /// let nonce = SecureRandom.bytes(24)
    /// ```
    package static func bytes(_ count: Int) -> [UInt8] {
        Sodium.ensureReady()
        var out = [UInt8](repeating: 0, count: count)
        out.withUnsafeMutableBytes { buffer in
            if let base = buffer.baseAddress { randombytes_buf(base, buffer.count) }
        }
        return out
    }
}

/// The libsodium version this build is linked against, for reports and `--version`.
package var sodiumVersion: String {
    Sodium.ensureReady()
    return String(cString: sodium_version_string())
}
