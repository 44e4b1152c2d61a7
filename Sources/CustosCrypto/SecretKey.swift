internal import CSodium

/// A 32-byte secret key held in libsodium guarded memory (`sodium_malloc`), wiped and freed
/// when the last reference goes away. Its bytes never leave this module: callers hand the key
/// to the operations of `CustosCrypto`, never read it.
///
/// ```swift
/// let key = try SecretKey.random()
/// let box = try XChaCha20Poly1305.seal(Array("hello".utf8), key: key, associatedData: [])
/// ```
package final class SecretKey: @unchecked Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    // @unchecked: the buffer is written once in init and only read afterwards, so sharing
    // a SecretKey across threads never races.
    package static let byteCount = 32

    /// Where a key lives. Long-lived keys (master, blind-index, signing) go in guarded
    /// memory; `sodium_malloc` costs tens of microseconds and the memlock limit is small, so
    /// per-subject data keys live in ordinary memory that is wiped when the key goes away.
    package enum Storage: Sendable {
        case guarded, ordinary
    }

    let pointer: UnsafeMutableRawPointer
    let storage: Storage

    private init(storage: Storage) throws(CryptoError) {
        Sodium.ensureReady()
        switch storage {
        case .guarded:
            guard let memory = sodium_malloc(Self.byteCount) else { throw .keyAllocationFailed }
            pointer = memory
        case .ordinary:
            pointer = UnsafeMutableRawPointer.allocate(byteCount: Self.byteCount, alignment: 16)
        }
        self.storage = storage
    }

    /// A fresh random key.
    package static func random(storage: Storage = .guarded) throws(CryptoError) -> SecretKey {
        let key = try SecretKey(storage: storage)
        randombytes_buf(key.pointer, byteCount)
        return key
    }

    /// Takes ownership of key bytes read from elsewhere (a key file, a test vector) and wipes
    /// the caller's copy, so the only remaining copy lives in the key.
    package static func consuming(_ bytes: inout [UInt8], storage: Storage = .guarded) throws(CryptoError) -> SecretKey {
        defer { wipe(&bytes) }
        guard bytes.count == byteCount else {
            throw .invalidKeyLength(expected: byteCount, actual: bytes.count)
        }
        let key = try SecretKey(storage: storage)
        bytes.withUnsafeBytes { source in
            key.pointer.copyMemory(from: source.baseAddress!, byteCount: byteCount)
        }
        return key
    }

    deinit {
        switch storage {
        case .guarded:
            sodium_free(pointer)  // sodium_free zeroes the region before releasing it
        case .ordinary:
            sodium_memzero(pointer, Self.byteCount)
            pointer.deallocate()
        }
    }

    /// Constant-time comparison; keys are never compared with `==` on bytes.
    package func isEqual(to other: SecretKey) -> Bool {
        sodium_memcmp(pointer, other.pointer, Self.byteCount) == 0
    }

    func withBytes<R>(_ body: (UnsafePointer<UInt8>) throws -> R) rethrows -> R {
        try body(pointer.assumingMemoryBound(to: UInt8.self))
    }

    package var description: String { "SecretKey(redacted)" }
    package var debugDescription: String { description }
}

/// Overwrites a byte buffer with zeros in a way the optimiser cannot drop.
package func wipe(_ bytes: inout [UInt8]) {
    bytes.withUnsafeMutableBytes { buffer in
        if let base = buffer.baseAddress { sodium_memzero(base, buffer.count) }
    }
}
