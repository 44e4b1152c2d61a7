import Foundation
import Synchronization
internal import GRDBSQLite  // GRDB's own SQLite module (a product of GRDB.swift, see Package.swift)

/// Tells, with a few memory reads and no system call, lock or statement, whether any
/// connection in any process may have committed to a SQLite database in WAL mode since an
/// earlier moment. It is what lets the server keep a service token's account in memory and
/// still refuse a token revoked by `custos service revoke` on the very next request.
///
/// Every commit in WAL mode rewrites the wal-index header, the first 96 bytes of the `-shm`
/// file that every connection maps (two copies of a 48-byte header holding a change counter,
/// the last frame and the salts; https://sqlite.org/walformat.html §2.1). The watch keeps a
/// connection of its own open, so SQLite keeps that mapping, and reads the bytes through
/// SQLite's own mapping (`xShmMap` of the VFS, never a second `open` of the file: closing
/// another descriptor of it would drop SQLite's POSIX locks). Equal bytes at two moments mean
/// no commit in between; any other difference, a checkpoint's restart or a torn read while a
/// writer rewrites the header, only reads as a change, which costs a lookup, never a stale
/// answer.
///
/// ```swift
/// guard let watch = SQLiteCommitWatch(path: "custos.keys.db") else { return }  // not in WAL
/// let before = watch.mark()
/// let account = try lookUp()                 // a statement begun after the mark
/// if watch.mark() == before { /* nothing committed since: `account` still holds */ }
/// ```
final class SQLiteCommitWatch: @unchecked Sendable {
    /// The two copies of the wal-index header, as read at one moment.
    struct Mark: Equatable, Sendable {
        fileprivate var first: SIMD8<UInt64>
        fileprivate var second: SIMD4<UInt64>
    }

    /// Keeps SQLite's mapping of the `-shm` file alive; no statement runs on it after `init`.
    private let handle: OpaquePointer
    /// The start of the wal-index, inside SQLite's mapping: read-only here, written by commits.
    private let header: UnsafeRawPointer

    /// Nil when the database is not in WAL mode or its VFS maps no shared memory (then there is
    /// nothing to watch, and callers read the database every time).
    init?(path: String) {
        var opened: OpaquePointer?
        guard sqlite3_open_v2(path, &opened, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nil) == SQLITE_OK, let opened else {
            sqlite3_close_v2(opened)
            return nil
        }
        sqlite3_busy_timeout(opened, Int32(StoreDatabase.busyTimeout * 1000))
        guard let header = Self.mapWALIndex(opened) else {
            sqlite3_close_v2(opened)
            return nil
        }
        handle = opened
        self.header = header
    }

    deinit { sqlite3_close_v2(handle) }

    /// The header's bytes now. A later `mark()` equal to this one means no commit in between.
    func mark() -> Mark {
        let mark = Mark(first: header.loadUnaligned(as: SIMD8<UInt64>.self),
                        second: header.loadUnaligned(fromByteOffset: 64, as: SIMD4<UInt64>.self))
        // Whatever the caller reads after the mark (its own statement) is ordered after it.
        atomicMemoryFence(ordering: .acquiring)
        return mark
    }

    /// Reads the journal mode (which also opens the WAL and maps the wal-index, as any read
    /// does) and asks the VFS for the wal-index's first region, already mapped.
    private static func mapWALIndex(_ handle: OpaquePointer) -> UnsafeRawPointer? {
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(handle, "PRAGMA journal_mode", -1, &statement, nil) == SQLITE_OK, let statement else { return nil }
        defer { sqlite3_finalize(statement) }
        guard sqlite3_step(statement) == SQLITE_ROW, let mode = sqlite3_column_text(statement, 0), String(cString: mode) == "wal" else { return nil }
        // A read that touches the file, so this connection has the WAL open and the -shm mapped.
        var schema: OpaquePointer?
        guard sqlite3_prepare_v2(handle, "SELECT count(*) FROM sqlite_schema", -1, &schema, nil) == SQLITE_OK, let schema else { return nil }
        let stepped = sqlite3_step(schema)
        sqlite3_finalize(schema)
        guard stepped == SQLITE_ROW else { return nil }
        var file: UnsafeMutablePointer<sqlite3_file>?
        guard sqlite3_file_control(handle, "main", SQLITE_FCNTL_FILE_POINTER, &file) == SQLITE_OK, let file,
              let methods = file.pointee.pMethods, methods.pointee.iVersion >= 2, let map = methods.pointee.xShmMap else { return nil }
        var region: UnsafeMutableRawPointer?
        // Region 0 of 32 KiB (the wal-index's page size), not extended: it exists once a reader
        // has begun, and the VFS returns its mapping without a system call.
        guard map(file, 0, 32_768, 0, &region) == SQLITE_OK, let region else { return nil }
        return UnsafeRawPointer(region)
    }
}
