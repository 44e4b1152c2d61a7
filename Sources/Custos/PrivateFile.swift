package import Foundation

/// Writes files that may hold personal data (answers, receipts, reports, checkpoints): mode
/// 0600 from the first byte, whole or not at all (a temporary file in the same folder, synced,
/// then renamed over the target), and every failure thrown with the path and the system's
/// reason, never swallowed.
package enum PrivateFile {
    package static func write(_ data: Data, to path: String) throws {
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
            guard fsync(descriptor) == 0 else { throw PrivateFileError(path: path, reason: String(cString: strerror(errno))) }
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
