package import Foundation
package import CustosPolicy

/// Where a keyring keeps its rows: the one role of the store a second backend can take today.
/// `Keyring` above it holds every rule (what is wrapped under what, check values, token and
/// ledger hashes, the sign-in lockout); an implementation only stores and fetches rows, each
/// method in one transaction of its own. SQLite (`SQLiteKeyringStorage`, the default: a file
/// beside the vault) and PostgreSQL (`PostgresKeyringStorage` in CustosPostgres) implement it,
/// and one test suite runs on both.
///
/// Calls are synchronous: the engine calls them off the event loops and the cooperative pool
/// (the server's engine thread pool, or the CLI's main thread).
package protocol KeyringStorage: Sendable {
    /// Names the keyring in messages: a path, or an address without its password.
    var location: String { get }

    /// Throws when the keyring cannot be read now (for readiness checks).
    func check() throws

    /// Writes the first master version, the service keys and the erasure-ledger salt into an
    /// empty keyring.
    func initialise(master: MasterKeyRecord, serviceKeys: [ServiceKeyRecord], ledgerSalt: String) throws

    // MARK: master and service keys

    /// Master versions not retired, in version order.
    func activeMasterKeys() throws -> [MasterKeyRecord]
    func serviceKey(named name: String) throws -> ServiceKeyRecord?
    func ledgerSalt() throws -> String?

    // MARK: subject keys

    func subjectKey(of subject: String) throws -> SubjectKeyRecord?
    /// Stores keys as pending in one transaction, replacing a pending key of the same subject;
    /// throws `StoreError.keyringDisagrees` when a subject already has an adopted key.
    func storePending(_ keys: [SubjectKeyRecord]) throws
    func adopt(_ subjects: [String]) throws
    func deletePending(_ subjects: [String]) throws
    func pendingSubjects() throws -> [String]
    /// A page of adopted keys' subject ids after `after` (from the first when nil), in the
    /// storage's own order of ids.
    func adoptedSubjects(after: String?, limit: Int) throws -> [String]
    /// The ids among `subjects` that have an adopted key.
    func adoptedAmong(_ subjects: [String]) throws -> Set<String>
    func keysPerMasterVersion() throws -> [Int: Int]

    /// Adds `master` and, in the same transaction, rewraps every subject and service key with
    /// `rewrap`, then retires every older version no key uses any more.
    func rotate(to master: MasterKeyRecord, at now: Instant,
                rewrapSubjectKey: @escaping (SubjectKeyRecord) throws -> [UInt8], rewrapServiceKey: @escaping (ServiceKeyRecord) throws -> [UInt8]) throws
    func highestMasterVersion() throws -> Int

    // MARK: erasure ledger

    /// Appends ledger entries and deletes the keys of `destroyingKeysOf`, in one transaction;
    /// returns the ledger's new size. Appends are one at a time (SQLite's one writer; a lock
    /// of the table on PostgreSQL), so the entries before this one's number exactly the new
    /// size less its own (`LedgerAppend`). The storage then makes sure no copy of a deleted key
    /// stays in its own files (SQLite's write-ahead log; PostgreSQL's dead row versions).
    func recordErasures(_ entries: [LedgerEntry], destroyingKeysOf subjects: [String]) throws -> Int64
    /// The ledger's size: a number that grows with every entry appended (a vault compares it
    /// with the size it last replayed). SQLite gives its newest entry's number, which is the
    /// count for an append-only ledger without reading every row.
    func ledgerCount() throws -> Int64
    /// The entries after the first `position` (every entry from 0), in the order recorded.
    func ledgerEntries(after position: Int64) throws -> [LedgerEntry]

    // MARK: web sign-outs

    /// How many web sessions have ended by signing out since the keyring was made. A vault
    /// remembers the count its own sign-outs reached; one that remembers another count was
    /// restored from a backup (or its last sign-out was cut short), and it ends every session
    /// it holds when it opens, so a session signed out after the backup does not come back.
    func signOuts() throws -> Int64
    /// Counts one more sign-out, durably, and returns the new count.
    func countSignOut() throws -> Int64

    // MARK: service accounts

    /// Throws `StoreError.invalidInput` when the name is taken.
    func insertServiceAccount(_ account: ServiceAccount, tokenHash: Data) throws
    func serviceAccounts() throws -> [ServiceAccount]
    /// Whether an active account of that name was revoked.
    func revokeServiceAccount(named name: String, at now: Instant) throws -> Bool
    /// Whether an active account of that name was given the limit (nil: none of its own).
    func limitServiceAccount(named name: String, requestsPerSecond: Int?) throws -> Bool
    /// Whether an active account of that name now has the token with this hash; its current
    /// token becomes its previous one until `previousUntil` (nil: it stops at once), and any
    /// earlier previous token is dropped.
    func rotateServiceToken(named name: String, tokenHash: Data, previousUntil: Instant?) throws -> Bool
    /// Whether an active account of that name no longer has a previous token.
    func endPreviousToken(named name: String) throws -> Bool
    /// The active account whose current or previous token has this keyed hash (the previous
    /// one with the instant it stops working; the caller compares it with the time).
    func serviceAccount(tokenHash: Data) throws -> ServiceTokenHolder?
    /// The holder of a token `serviceAccount(tokenHash:)` found, when the storage can tell
    /// without reading that nothing was committed since; else nil (look it up). It never
    /// blocks: the server calls it where it handles the request.
    func knownServiceAccount(tokenHash: Data) -> ServiceTokenHolder?

    // MARK: console accounts

    /// Throws `StoreError.invalidInput` when an active account has the name; a removed
    /// account's row is replaced.
    func insertOfficer(_ officer: OfficerRecord) throws
    /// Accounts not removed, by name.
    func officerRecords() throws -> [OfficerRecord]
    /// Whether an active account of that name was removed.
    func removeOfficer(named name: String, at now: Instant) throws -> Bool
    /// Reads an active account's row and writes back what `body` returns, in one transaction
    /// that holds the row, so two servers cannot both accept the same TOTP code.
    func updateOfficer<T>(named name: String, _ body: @escaping (OfficerRecord?) throws -> (OfficerUpdate?, T)) throws -> T
}

/// One master key version as the keyring stores it: a check value, never the key.
package struct MasterKeyRecord: Sendable, Equatable {
    package var version: Int
    package var source: String
    package var salt: [UInt8]?
    package var checkValue: [UInt8]
    package var createdAt: Instant

    package init(version: Int, source: String, salt: [UInt8]?, checkValue: [UInt8], createdAt: Instant) {
        self.version = version
        self.source = source
        self.salt = salt
        self.checkValue = checkValue
        self.createdAt = createdAt
    }
}

/// A long-lived key (blind index, signing), wrapped under a master version.
package struct ServiceKeyRecord: Sendable, Equatable {
    package var name: String
    package var masterVersion: Int
    package var wrapped: [UInt8]
    package var publicKey: [UInt8]?

    package init(name: String, masterVersion: Int, wrapped: [UInt8], publicKey: [UInt8]?) {
        self.name = name
        self.masterVersion = masterVersion
        self.wrapped = wrapped
        self.publicKey = publicKey
    }
}

/// A subject's data key, wrapped under a master version.
package struct SubjectKeyRecord: Sendable, Equatable {
    package var subject: String
    package var keyVersion: Int
    package var masterVersion: Int
    package var wrapped: [UInt8]

    package init(subject: String, keyVersion: Int, masterVersion: Int, wrapped: [UInt8]) {
        self.subject = subject
        self.keyVersion = keyVersion
        self.masterVersion = masterVersion
        self.wrapped = wrapped
    }
}

/// A console account's row, secrets included: it never leaves the keyring's code.
package struct OfficerRecord: Sendable, Equatable {
    package var name: String
    package var role: OfficerRole
    package var passwordHash: String
    package var totpSealed: Data?
    package var totpLastStep: Int64?
    package var failedLogins: Int
    package var lockedUntil: Instant?
    package var createdAt: Instant

    package init(name: String, role: OfficerRole, passwordHash: String, totpSealed: Data?, totpLastStep: Int64?, failedLogins: Int, lockedUntil: Instant?, createdAt: Instant) {
        self.name = name
        self.role = role
        self.passwordHash = passwordHash
        self.totpSealed = totpSealed
        self.totpLastStep = totpLastStep
        self.failedLogins = failedLogins
        self.lockedUntil = lockedUntil
        self.createdAt = createdAt
    }
}

/// What a sign-in writes back: the failure count, the lock, and the TOTP step accepted (nil
/// keeps the one stored).
package struct OfficerUpdate: Sendable, Equatable {
    package var failedLogins: Int
    package var lockedUntil: Instant?
    package var totpLastStep: Int64?

    package init(failedLogins: Int, lockedUntil: Instant?, totpLastStep: Int64?) {
        self.failedLogins = failedLogins
        self.lockedUntil = lockedUntil
        self.totpLastStep = totpLastStep
    }
}

/// Where a keyring lives, and how to make or open one there: a file (`KeyringFile`) or a
/// PostgreSQL database (`PostgresKeyringPlace` in CustosPostgres). The vault is opened with one.
package protocol KeyringPlace: Sendable {
    /// Names the place in messages: a path, or an address without its password.
    var location: String { get }
    func exists() throws -> Bool
    /// Makes an empty keyring; throws `StoreError.keyringExists` when one is there.
    func create() throws -> any KeyringStorage
    /// Opens the keyring; throws `StoreError.keyringMissing` when there is none.
    func open() throws -> any KeyringStorage
    /// Removes what a `create` made, after a later step of `custos init` failed.
    func discard()
}

/// The default: a SQLite file beside the vault.
package struct KeyringFile: KeyringPlace {
    package let path: String

    package init(path: String) { self.path = path }

    package var location: String { path }
    package func exists() throws -> Bool { FileManager.default.fileExists(atPath: path) }
    package func create() throws -> any KeyringStorage { try SQLiteKeyringStorage.create(path: path) }
    package func open() throws -> any KeyringStorage { try SQLiteKeyringStorage.open(path: path) }
    package func discard() {
        for file in [path, path + "-wal", path + "-shm"] { try? FileManager.default.removeItem(atPath: file) }
    }
}
