package import Foundation

/// Writes files that may hold personal data (answers, receipts, reports, checkpoints): mode
/// 0600 from the first byte, whole or not at all (a temporary file in the same folder, synced,
/// then renamed over the target), and every failure thrown with the path and the system's
/// reason, never swallowed.
package enum PrivateFile {
    /// Writes `data` to `path`, synced before it is renamed into place.
    package static func write(_ data: Data, to path: String) throws {
        try write(data, to: path, synced: true)
    }

    /// Writes `data` to `path` whole or not at all, as `write(_:to:)` does, but leaves it to
    /// the caller to make it durable with `syncFileSystem(containing:)`: a run that writes
    /// thousands of files (the letters of a breach of the whole vault) pays one sync of the
    /// file system instead of one `fsync` a file (about 0.4 ms each here). Until that sync
    /// returns, a crash may leave such a file empty, so nothing may claim the file before it.
    ///
    /// ```swift
    /// for (name, text) in letters { try PrivateFile.writeUnsynced(Data(text.utf8), to: "letters/\(name)") }
    /// try PrivateFile.syncFileSystem(containing: "letters")   // then record them
    /// ```
    package static func writeUnsynced(_ data: Data, to path: String) throws {
        try write(data, to: path, synced: false)
    }

    /// Makes every file written to the file system that holds `path` durable, its names
    /// included (`syncfs`, which reports a failed write-back of any of them since Linux 5.8).
    package static func syncFileSystem(containing path: String) throws {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw PrivateFileError(path: path, reason: String(cString: strerror(errno))) }
        defer { close(descriptor) }
        guard linuxSyncfs(descriptor) == 0 else { throw PrivateFileError(path: path, reason: String(cString: strerror(errno))) }
    }

    private static func write(_ data: Data, to path: String, synced: Bool) throws {
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        let temporary = folder + "/.\(url.lastPathComponent).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw PrivateFileError(path: path, reason: String(cString: strerror(errno))) }
        var closed = false
        defer {
            if !closed { close(descriptor) }
        }
        do {
            try data.withUnsafeBytes { raw in try writeAll(descriptor, raw, path: path) }
            guard !synced || fsync(descriptor) == 0 else { throw PrivateFileError(path: path, reason: String(cString: strerror(errno))) }
            closed = true
            guard close(descriptor) == 0 else { throw PrivateFileError(path: path, reason: String(cString: strerror(errno))) }
            guard rename(temporary, path) == 0 else { throw PrivateFileError(path: path, reason: String(cString: strerror(errno))) }
        } catch {
            unlink(temporary)
            throw error
        }
    }

    /// Writes every byte to a descriptor, retrying after interruptions and short writes.
    package static func writeAll(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws {
        var offset = 0
        while offset < bytes.count {
            let written = Foundation.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw PrivateFileError(path: path, reason: String(cString: strerror(errno)))
            }
            offset += written
        }
    }
}

/// A file or stream that could not be written, with the system's reason.
package struct PrivateFileError: Error, CustomStringConvertible {
    package let path: String
    package let reason: String
    package var description: String { "cannot write \(path): \(reason)" }
}

/// glibc's `syncfs(2)`, which Swift's Glibc module leaves out (it is declared only under
/// `_GNU_SOURCE`); the symbol itself is in every glibc since 2.14.
@_silgen_name("syncfs")
private func linuxSyncfs(_ descriptor: Int32) -> Int32
