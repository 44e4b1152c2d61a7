import Foundation
package import CustosCrypto

/// Where the master key comes from: a key file (32 random bytes, mode 0600) or a passphrase
/// run through Argon2id with a salt kept in the keyring.
public enum MasterKeySource: Sendable {
    case file(String)
    case passphrase([UInt8])
}

/// Reading and creating master key files. The key only ever wraps other keys.
package enum MasterKeyFile {
    /// Creates a key file of 32 random bytes, mode 0600, synced, and returns its key; refuses
    /// to overwrite a file. The file appears at `path` whole or not at all: the bytes are
    /// written and synced under a side name of this call's own (`path.partial-` and random
    /// hex), then linked into place (a link, unlike a rename, never replaces a file already
    /// there) and the folder synced. A kill between opening and writing once left an empty
    /// file at `path`, which neither `keys rotate --resume` (not a key) nor a new rotation (the
    /// file exists) could get past; now a kill leaves at most a side file, which nothing reads.
    /// `beforeNaming` runs once the side file is written and synced, before it is linked into
    /// place: the tests stop a create there, where a kill leaves the side file only.
    ///
    /// ```swift
    /// let key = try MasterKeyFile.create(at: "/etc/custos/custos.key")
    /// ```
    package static func create(at path: String, beforeNaming: () throws -> Void = {}) throws -> SecretKey {
        guard !FileManager.default.fileExists(atPath: path) else { throw StoreError.alreadyInitialised(path) }
        var bytes = SecureRandom.bytes(SecretKey.byteCount)
        defer { wipe(&bytes) }
        // A name of this call's own: two creates of one path at once must never link each
        // other's file (the loser would return a key the file does not hold).
        let partial = path + ".partial-" + Hex.encode(SecureRandom.bytes(8))
        let descriptor = Foundation.open(partial, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard descriptor >= 0 else { throw StoreError.io("cannot create \(partial)") }
        let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        let synced = written == bytes.count && fsync(descriptor) == 0
        close(descriptor)
        guard synced else {
            unlink(partial)
            throw StoreError.io("cannot write \(partial)")
        }
        do { try beforeNaming() } catch {
            unlink(partial)
            throw error
        }
        if link(partial, path) != 0 {
            let failure = errno
            unlink(partial)
            if failure == EEXIST { throw StoreError.alreadyInitialised(path) }
            // A file system without hard links (FAT, some network and FUSE mounts): the key is
            // written in place as before, with the old window between creating and writing.
            try createInPlace(at: path, bytes)
        } else {
            unlink(partial)
        }
        try syncFolder(of: path)
        return try SecretKey.consuming(&bytes)
    }

    private static func createInPlace(at path: String, _ bytes: [UInt8]) throws {
        let descriptor = Foundation.open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard descriptor >= 0 else { throw StoreError.io("cannot create \(path)") }
        defer { close(descriptor) }
        let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        guard written == bytes.count, fsync(descriptor) == 0 else { throw StoreError.io("cannot write \(path)") }
    }

    /// Makes the new name durable: without it a crash could lose the key file after the
    /// keyring was rewrapped under it.
    private static func syncFolder(of path: String) throws {
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        let descriptor = Foundation.open(folder, O_RDONLY | O_DIRECTORY)
        guard descriptor >= 0 else { throw StoreError.io("cannot open \(folder)") }
        defer { close(descriptor) }
        // A file system that cannot sync a folder says EINVAL: nothing more can be done there.
        guard fsync(descriptor) == 0 || errno == EINVAL else { throw StoreError.io("cannot sync \(folder)") }
    }

    /// Warnings about where a key file lies: a folder that others may write lets them replace
    /// or remove the key.
    package static func placementWarnings(for path: String) -> [String] {
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        var status = stat()
        guard stat(folder, &status) == 0 else { return [] }
        let sticky = status.st_mode & 0o1000 != 0
        guard status.st_mode & 0o002 != 0 || (status.st_mode & 0o020 != 0 && status.st_gid != getegid()) else { return [] }
        return ["the master key file \(path) lies in \(folder), which others may write\(sticky ? " (sticky, so they cannot replace it, but they can fill the folder)" : ""); keep it in a folder only you can write"]
    }

    /// Loads a key file, refusing one that group or others can read or another user owns.
    package static func load(from path: String) throws -> SecretKey {
        var status = stat()
        guard stat(path, &status) == 0 else { throw StoreError.keyFileMissing(path) }
        let mode = status.st_mode & 0o777
        guard mode & 0o077 == 0 else { throw StoreError.keyFileTooOpen(path: path, mode: String(mode, radix: 8)) }
        // Another user's key file could have been planted (or be read by them): only the user
        // running Custos, or root, may own it.
        guard status.st_uid == geteuid() || status.st_uid == 0 else { throw StoreError.keyFileNotOwned(path: path, owner: Int(status.st_uid)) }
        guard var bytes = FileManager.default.contents(atPath: path).map({ [UInt8]($0) }) else { throw StoreError.io("cannot read \(path)") }
        defer { wipe(&bytes) }
        guard bytes.count == SecretKey.byteCount else { throw StoreError.keyFileMalformed(path) }
        return try SecretKey.consuming(&bytes)
    }
}

extension MasterKeySource {
    /// The master key a new keyring is made with: the key file's (created, mode 0600, when it
    /// does not exist yet, and named in `created`), or one derived from the passphrase with a
    /// fresh salt. Returns the key, how it was obtained and the salt to store.
    package func materialise(created: inout [String]) throws -> (key: SecretKey, source: String, salt: [UInt8]?) {
        switch self {
        case let .file(keyPath):
            if FileManager.default.fileExists(atPath: keyPath) { return (try MasterKeyFile.load(from: keyPath), "file", nil) }
            let key = try MasterKeyFile.create(at: keyPath)
            created.append(keyPath)
            return (key, "file", nil)
        case let .passphrase(bytes):
            var copy = bytes
            let fresh = SecureRandom.bytes(PassphraseKey.saltByteCount)
            return (try PassphraseKey.derive(passphrase: &copy, salt: fresh), "argon2id", fresh)
        }
    }
}
