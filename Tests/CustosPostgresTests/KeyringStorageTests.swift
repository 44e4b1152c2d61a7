import Foundation
import Testing
@testable import CustosPostgres
@testable import CustosStore
import CustosCrypto
import CustosPolicy
import Custos
import CustosTestSupport
import GRDB
import Synchronization

/// The keyring's storage role on both backends, one suite: every rule lives in `Keyring` above
/// the storage, so the same calls must give the same answers on a SQLite file and on a
/// PostgreSQL database. The PostgreSQL half needs `make postgres-check` (see
/// `PostgresDecisionLogTests`).
@Suite(.serialized) struct KeyringStorageTests {
    enum Backend: String, CustomTestStringConvertible, CaseIterable {
        case sqlite, postgres
        var testDescription: String { rawValue }
    }

    /// A fresh, empty keyring place on `backend`, and a folder for key files and vaults.
    static func withPlace<T>(_ backend: Backend, _ body: @escaping @Sendable (any KeyringPlace, URL) throws -> T) async throws -> T {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("custos-keyring-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        switch backend {
        case .sqlite:
            let place = KeyringFile(path: folder.appendingPathComponent("custos.keys.db").path)
            return try await offThePool { try body(place, folder) }
        case .postgres:
            return try await PostgresDecisionLogTests.withDatabase { address in
                try await offThePool { try body(PostgresKeyringPlace(address: address), folder) }
            }
        }
    }

    /// The keyring's calls block their thread (as the engine's do); a test runs them on a
    /// thread of its own, never on the cooperative pool the PostgreSQL work needs, and in its
    /// own task, so that an expectation failing inside names its test (`onAThreadOfItsOwn`).
    static func offThePool<T>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        let handed = BlockingBridge.Handed(body)
        return try await onAThreadOfItsOwn { BlockingBridge.Handed(try handed.value()) }.value
    }

    static let now = Instant(millisecondsSinceEpoch: 1_764_000_000_000)

    /// A keyring made with a key file of its own; returns it and the file.
    static func makeKeyring(_ place: any KeyringPlace, _ folder: URL, name: String = "master.key") throws -> (Keyring, String) {
        let path = folder.appendingPathComponent(name).path
        let master = try MasterKeyFile.create(at: path)
        return (try Keyring.create(in: place.create(), master: master, source: "file", salt: nil, now: now), path)
    }

    @Test(arguments: Backend.allCases) func opensWithItsMasterKeyOnlyAndIsMadeOnce(_ backend: Backend) async throws {
        try await Self.withPlace(backend) { place, folder in
            #expect(try place.exists() == false)
            let (made, keyFile) = try Self.makeKeyring(place, folder)
            #expect(try place.exists())
            let opened = try Keyring.open(place.open(), source: .file(keyFile))
            #expect(opened.signingPublicKey == made.signingPublicKey && opened.ledgerSalt == made.ledgerSalt)
            #expect(opened.keyedDigest("email", "a@b.nl") == made.keyedDigest("email", "a@b.nl"), "the blind-index key round-trips")
            let otherKey = folder.appendingPathComponent("other.key").path
            _ = try MasterKeyFile.create(at: otherKey)
            #expect(throws: StoreError.wrongMasterKey) { try Keyring.open(place.open(), source: .file(otherKey)) }
            #expect(throws: StoreError.keyringExists(place.location)) { try place.create() }
        }
    }

    @Test(arguments: Backend.allCases) func subjectKeysArePendingUntilAdoptedAndNeverOverwritten(_ backend: Backend) async throws {
        try await Self.withPlace(backend) { place, folder in
            let (keyring, _) = try Self.makeKeyring(place, folder)
            let first = try keyring.freshSubjectKeys(["S-1", "S-2", "S-3"])
            try keyring.storePending(first)
            #expect(try keyring.pendingSubjects() == ["S-1", "S-2", "S-3"])
            try keyring.adopt(["S-1"])
            #expect(try keyring.adoptedSubjects(after: nil, limit: 10) == ["S-1"])
            #expect(try keyring.adoptedAmong(["S-1", "S-2", "S-9"]) == ["S-1"], "a pending key is not adopted")
            #expect(try keyring.subjectKey("S-1").key.isEqual(to: first["S-1"]!.key))
            #expect(throws: StoreError.self, "an adopted key is never overwritten") { try keyring.storePending(keyring.freshSubjectKeys(["S-1"])) }
            #expect(try keyring.subjectKey("S-1").key.isEqual(to: first["S-1"]!.key))
            let again = try keyring.freshSubjectKeys(["S-3"])
            try keyring.storePending(again)
            #expect(try keyring.subjectKey("S-3").key.isEqual(to: again["S-3"]!.key), "a pending key from an interrupted import is replaced")
            try keyring.deletePending(["S-2", "S-3"])
            #expect(try keyring.pendingSubjects().isEmpty)
            #expect(throws: StoreError.keyMissing("S-2")) { try keyring.subjectKey("S-2") }
        }
    }

    /// The adopted keys are read a page at a time in one order, and looked up by id in slices
    /// (SQLite binds at most 500 ids a statement), for the vault/keyring agreement check.
    @Test(arguments: Backend.allCases) func adoptedKeysArePagedAndLookedUpById(_ backend: Backend) async throws {
        try await Self.withPlace(backend) { place, folder in
            let (keyring, _) = try Self.makeKeyring(place, folder)
            #expect(try keyring.holdsNothingYet())
            let ids = (0..<1_203).map { "S-\(String(format: "%04d", $0))" }
            try keyring.storePending(keyring.freshSubjectKeys(ids + ["S-PENDING"]))
            try keyring.adopt(ids)
            for size in [1, 7, 1_203, 1_204] {
                var paged: [String] = []
                var after: String?
                while true {
                    let page = try keyring.adoptedSubjects(after: after, limit: size)
                    #expect(page.count <= size)
                    paged += page
                    guard page.count == size else { break }
                    after = page.last
                }
                #expect(paged == ids, "\(backend), pages of \(size)")
            }
            let asked = ids.filter { $0.hasSuffix("3") } + ["S-PENDING", "S-NONE"]
            #expect(try keyring.adoptedAmong(asked) == Set(ids.filter { $0.hasSuffix("3") }))
            #expect(try keyring.adoptedAmong([]).isEmpty)
            #expect(try keyring.holdsNothingYet() == false)
        }
    }

    @Test(arguments: Backend.allCases) func rotationRewrapsEveryKeyAndRetiresTheOldVersion(_ backend: Backend) async throws {
        try await Self.withPlace(backend) { place, folder in
            let (keyring, oldFile) = try Self.makeKeyring(place, folder)
            let keys = try keyring.freshSubjectKeys(["S-1", "S-2"])
            try keyring.storePending(keys)
            try keyring.adopt(["S-1", "S-2"])
            let newFile = folder.appendingPathComponent("new.key").path
            #expect(try keyring.rotate(to: MasterKeyFile.create(at: newFile), source: "file", salt: nil, now: Self.now) == 2)
            #expect(try keyring.keysPerMasterVersion() == [2: 2])
            #expect(throws: StoreError.wrongMasterKey, "version 1 is retired") { try Keyring.open(place.open(), source: .file(oldFile)) }
            let rotated = try Keyring.open(place.open(), source: .file(newFile))
            #expect(rotated.currentVersion == 2 && rotated.signingPublicKey == keyring.signingPublicKey)
            #expect(try rotated.subjectKey("S-2").key.isEqual(to: keys["S-2"]!.key))
        }
    }

    @Test(arguments: Backend.allCases) func erasuresAreLedgeredInOrderAndDestroyWholeSubjectsKeys(_ backend: Backend) async throws {
        try await Self.withPlace(backend) { place, folder in
            let (keyring, _) = try Self.makeKeyring(place, folder)
            try keyring.storePending(keyring.freshSubjectKeys(["S-1", "S-2"]))
            try keyring.adopt(["S-1", "S-2"])
            let size = try keyring.recordErasures([
                ErasureRecord(subject: "S-1", wholeSubject: true),
                ErasureRecord(subject: "S-2", wholeSubject: false, destroyed: ["email"], kept: ["claim_details": ["P-LEGAL-OBLIGATION"]]),
            ], at: Self.now)
            #expect(size == LedgerAppend(before: 0, after: 3))
            #expect(try keyring.ledgerCount() == 3)
            #expect(throws: StoreError.keyMissing("S-1")) { try keyring.subjectKey("S-1") }
            _ = try keyring.subjectKey("S-2")
            let entries = try keyring.ledgerEntries()
            #expect(entries[keyring.ledgerHash("S-1")]?.map(\.field) == [nil])
            #expect(entries[keyring.ledgerHash("S-2")]?.map(\.field) == ["email", "claim_details"])
            #expect(entries[keyring.ledgerHash("S-2")]?.last?.keptFor == ["P-LEGAL-OBLIGATION"])
            // A replay reads only what a vault's mark has not reached: the entries after it.
            let later = try keyring.ledgerEntries(after: 1)
            #expect(later[keyring.ledgerHash("S-1")] == nil && later[keyring.ledgerHash("S-2")]?.map(\.field) == ["email", "claim_details"])
            #expect(try keyring.ledgerEntries(after: 2)[keyring.ledgerHash("S-2")]?.map(\.field) == ["claim_details"])
            #expect(try keyring.ledgerEntries(after: 3).isEmpty)
        }
    }

    /// Erasures appended at once from many threads each get a range of the ledger of their own:
    /// sorted, the ranges tile it without gap or overlap, so a vault's mark of what it applied
    /// never passes another erasure's entries (`LedgerAppend`).
    @Test(arguments: Backend.allCases) func erasuresAppendedAtOnceEachGetARangeOfTheirOwn(_ backend: Backend) async throws {
        try await Self.withPlace(backend) { place, folder in
            let (keyring, _) = try Self.makeKeyring(place, folder)
            let ranges = Mutex<[LedgerAppend]>([])
            DispatchQueue.concurrentPerform(iterations: 8) { thread in
                for round in 0..<5 {
                    let fields = (0...((thread + round) % 3)).map { "field-\($0)" }
                    let record = ErasureRecord(subject: "S-\(thread)-\(round)", wholeSubject: false, destroyed: fields)
                    do {
                        let appended = try keyring.recordErasures([record], at: Self.now)
                        ranges.withLock { $0.append(appended) }
                    } catch {
                        Issue.record("\(backend): \(error)")
                    }
                }
            }
            let sorted = ranges.withLock { $0 }.sorted { $0.before < $1.before }
            #expect(sorted.count == 40)
            #expect(sorted.first?.before == 0)
            #expect(zip(sorted, sorted.dropFirst()).allSatisfy { $0.after == $1.before }, "\(backend): \(sorted.map { "\($0.before)-\($0.after)" })")
            #expect(try keyring.ledgerCount() == sorted.last?.after)
            // The entries after a range's start are the ledger's rest, counted by position.
            let total = try #require(sorted.last?.after)
            for range in sorted {
                let rest = try keyring.ledgerEntries(after: range.before).values.reduce(0) { $0 + $1.count }
                #expect(Int64(rest) == total - range.before, "\(backend) after \(range.before)")
            }
        }
    }

    /// Sign-outs counted at once from many threads each count once, and each caller gets a
    /// count of its own: a vault compares the count it saw with this one when it opens.
    @Test(arguments: Backend.allCases) func signOutsCountedAtOnceEachCountOnce(_ backend: Backend) async throws {
        try await Self.withPlace(backend) { place, folder in
            let (keyring, _) = try Self.makeKeyring(place, folder)
            #expect(try keyring.signOuts() == 0, "\(backend): a new keyring has counted none")
            let counts = Mutex<[Int64]>([])
            DispatchQueue.concurrentPerform(iterations: 6) { _ in
                for _ in 0..<5 {
                    do {
                        let count = try keyring.countSignOut()
                        counts.withLock { $0.append(count) }
                    } catch {
                        Issue.record("\(backend): \(error)")
                    }
                }
            }
            #expect(counts.withLock { $0 }.sorted() == Array(1...30), "\(backend)")
            #expect(try keyring.signOuts() == 30)
        }
    }

    @Test(arguments: Backend.allCases) func serviceTokensResolveUntilRevoked(_ backend: Backend) async throws {
        try await Self.withPlace(backend) { place, folder in
            let (keyring, _) = try Self.makeKeyring(place, folder)
            let token = try keyring.addServiceAccount(name: "crm-prod", actor: "collections-service", at: Self.now)
            #expect(throws: StoreError.self) { try keyring.addServiceAccount(name: "crm-prod", actor: "marketing-service", at: Self.now) }
            #expect(try keyring.serviceAccount(forToken: token)?.actor == "collections-service")
            #expect(try keyring.serviceAccount(forToken: token + "x") == nil)
            try keyring.revokeServiceAccount(name: "crm-prod", at: Self.now)
            #expect(try keyring.serviceAccount(forToken: token) == nil)
            #expect(throws: StoreError.self) { try keyring.revokeServiceAccount(name: "crm-prod", at: Self.now) }
            #expect(try keyring.serviceAccounts().map(\.revokedAt) == [Self.now])
        }
    }

    @Test(arguments: Backend.allCases) func aRotatedTokenWorksThroughItsOverlapThenOnlyTheNewOne(_ backend: Backend) async throws {
        try await Self.withPlace(backend) { place, folder in
            let (keyring, _) = try Self.makeKeyring(place, folder)
            let first = try keyring.addServiceAccount(name: "crm-prod", actor: "collections-service", requestsPerSecond: 40, at: Self.now)
            let day = Instant(millisecondsSinceEpoch: Self.now.millisecondsSinceEpoch + 86_400_000)
            let second = try keyring.rotateServiceToken(name: "crm-prod", overlapSeconds: 86_400, at: Self.now)
            #expect(second != first)
            for token in [first, second] {
                let account = try #require(try keyring.serviceAccount(forToken: token, at: Self.now), "both work during the overlap")
                #expect(account.actor == "collections-service" && account.requestsPerSecond == 40, "the account keeps its actor and limit")
            }
            let justBefore = Instant(millisecondsSinceEpoch: day.millisecondsSinceEpoch - 1)
            #expect(try keyring.serviceAccount(forToken: first, at: justBefore) != nil)
            // On SQLite the server answers a known token from memory: time alone must end it
            // there too, as no commit will empty that memory when the overlap runs out.
            #expect((keyring.knownServiceAccount(forToken: first, at: justBefore) != nil) == (backend == .sqlite))
            #expect(keyring.knownServiceAccount(forToken: first, at: day) == nil)
            #expect(try keyring.serviceAccount(forToken: first, at: day) == nil, "the old token ends at the overlap's end")
            #expect(try keyring.serviceAccount(forToken: second, at: day) != nil, "the new one goes on")
            #expect(try keyring.serviceAccounts().map(\.previousTokenUntil) == [day])
            #expect(try keyring.serviceAccounts()[0].previousTokenWorks(at: Self.now))
            #expect(try !keyring.serviceAccounts()[0].previousTokenWorks(at: day))

            #expect(try keyring.serviceAccount(forToken: first, at: Self.now)?.viaPreviousToken == true, "a request with the old token is told apart")
            #expect(try keyring.serviceAccount(forToken: second, at: Self.now)?.viaPreviousToken == false)

            // Rotating again inside the overlap: the first token stops at once, the second
            // becomes the old one; an account never has three.
            let third = try keyring.rotateServiceToken(name: "crm-prod", overlapSeconds: 3_600, at: Self.now)
            #expect(try keyring.serviceAccount(forToken: first, at: Self.now) == nil)
            #expect(try keyring.serviceAccount(forToken: second, at: Self.now) != nil)
            #expect(try keyring.serviceAccount(forToken: third, at: Self.now) != nil)

            // No overlap: the old token stops at once.
            let fourth = try keyring.rotateServiceToken(name: "crm-prod", overlapSeconds: 0, at: Self.now)
            #expect(try keyring.serviceAccount(forToken: third, at: Self.now) == nil)
            #expect(try keyring.serviceAccount(forToken: second, at: Self.now) == nil)
            #expect(try keyring.serviceAccount(forToken: fourth, at: Self.now) != nil)
            #expect(try keyring.serviceAccounts().map(\.previousTokenUntil) == [nil])

            #expect(throws: StoreError.self, "no old token to end") { try keyring.endPreviousToken(name: "crm-prod", at: Self.now) }

            // An old token ended before its overlap runs out: the current one goes on.
            let beforeEnd = try keyring.rotateServiceToken(name: "crm-prod", overlapSeconds: 86_400, at: Self.now)
            #expect(try keyring.serviceAccount(forToken: fourth, at: Self.now) != nil)
            try keyring.endPreviousToken(name: "crm-prod", at: Self.now)
            #expect(try keyring.serviceAccount(forToken: fourth, at: Self.now) == nil)
            #expect(try keyring.serviceAccount(forToken: beforeEnd, at: Self.now) != nil)
            #expect(throws: StoreError.self) { try keyring.endPreviousToken(name: "nobody", at: Self.now) }

            for refused in [-1, ServiceAccount.maximumTokenOverlapSeconds + 1] {
                #expect(throws: StoreError.self) { try keyring.rotateServiceToken(name: "crm-prod", overlapSeconds: refused, at: Self.now) }
            }
            #expect(throws: StoreError.self) { try keyring.rotateServiceToken(name: "nobody", overlapSeconds: 60, at: Self.now) }
            #expect(try keyring.serviceAccount(forToken: beforeEnd, at: Self.now) != nil, "a refused rotation changes nothing")

            // A revocation ends both tokens, the old one in its overlap too, and a revoked
            // account cannot be rotated back to life.
            let fifth = try keyring.rotateServiceToken(name: "crm-prod", overlapSeconds: 86_400, at: Self.now)
            try keyring.revokeServiceAccount(name: "crm-prod", at: Self.now)
            #expect(try keyring.serviceAccount(forToken: beforeEnd, at: Self.now) == nil)
            #expect(try keyring.serviceAccount(forToken: fifth, at: Self.now) == nil)
            #expect(throws: StoreError.self) { try keyring.rotateServiceToken(name: "crm-prod", overlapSeconds: 60, at: Self.now) }
            #expect(try !keyring.serviceAccounts()[0].previousTokenWorks(at: Self.now), "a revoked account's old token does not work")
        }
    }

    @Test(arguments: Backend.allCases) func aServiceAccountKeepsItsOwnRateLimitUntilChanged(_ backend: Backend) async throws {
        try await Self.withPlace(backend) { place, folder in
            let (keyring, _) = try Self.makeKeyring(place, folder)
            let limited = try keyring.addServiceAccount(name: "mailer", actor: "marketing-service", requestsPerSecond: 50, at: Self.now)
            let unlimited = try keyring.addServiceAccount(name: "crm-prod", actor: "collections-service", at: Self.now)
            #expect(try keyring.serviceAccount(forToken: limited)?.requestsPerSecond == 50)
            #expect(try keyring.serviceAccount(forToken: unlimited)?.requestsPerSecond == nil, "the server's limit applies")
            for refused in [0, -1, ServiceAccount.maximumRequestsPerSecond + 1] {
                #expect(throws: StoreError.self) { try keyring.addServiceAccount(name: "x\(refused)", actor: "marketing-service", requestsPerSecond: refused, at: Self.now) }
                #expect(throws: StoreError.self) { try keyring.limitServiceAccount(name: "mailer", requestsPerSecond: refused) }
            }
            try keyring.limitServiceAccount(name: "crm-prod", requestsPerSecond: 200)
            try keyring.limitServiceAccount(name: "mailer", requestsPerSecond: nil)
            #expect(try keyring.serviceAccount(forToken: unlimited)?.requestsPerSecond == 200)
            #expect(try keyring.serviceAccount(forToken: limited)?.requestsPerSecond == nil)
            #expect(try keyring.serviceAccounts().map(\.requestsPerSecond) == [200, nil], "listed by name: crm-prod, mailer")
            try keyring.revokeServiceAccount(name: "mailer", at: Self.now)
            #expect(throws: StoreError.self, "a revoked account takes no limit") { try keyring.limitServiceAccount(name: "mailer", requestsPerSecond: 5) }
            #expect(throws: StoreError.self) { try keyring.limitServiceAccount(name: "nobody", requestsPerSecond: 5) }
        }
    }

    @Test(arguments: Backend.allCases) func signInLocksAfterFiveFailuresAndTakesACodeOnce(_ backend: Backend) async throws {
        try await Self.withPlace(backend) { place, folder in
            let (keyring, _) = try Self.makeKeyring(place, folder)
            let secret = SecureRandom.bytes(20)
            try keyring.addOfficer(name: "anna", role: .officer, passwordHash: "right", totpSecret: secret, at: Self.now)
            #expect(throws: StoreError.self) { try keyring.addOfficer(name: "anna", role: .auditor, passwordHash: "x", totpSecret: nil, at: Self.now) }
            let check: (String) -> Bool = { $0 == "right" }
            let code = TOTP(secret: secret).code(atStep: TOTP.step(at: Self.now.millisecondsSinceEpoch / 1000))
            #expect(try keyring.signIn(name: "anna", at: Self.now, checkPassword: check, code: code) == .success(
                OfficerAccount(name: "anna", role: .officer, secondFactor: true, createdAt: Self.now, lockedUntil: nil)))
            #expect(try keyring.signIn(name: "anna", at: Self.now, checkPassword: check, code: code) == .failure(.codeReused))
            for _ in 0..<3 { #expect(try keyring.signIn(name: "anna", at: Self.now, checkPassword: { _ in false }, code: code) == .failure(.unknownOrWrong)) }
            let until = Instant(millisecondsSinceEpoch: Self.now.millisecondsSinceEpoch + Keyring.lockoutMilliseconds)
            #expect(try keyring.signIn(name: "anna", at: Self.now, checkPassword: { _ in false }, code: code) == .failure(.locked(until: until)))
            #expect(try keyring.officers().first?.lockedUntil == until)
            #expect(try keyring.signIn(name: "nobody", at: Self.now, checkPassword: check, code: nil) == .failure(.unknownOrWrong))
            try keyring.removeOfficer(name: "anna", at: Self.now)
            #expect(try keyring.officers().isEmpty)
            try keyring.addOfficer(name: "anna", role: .auditor, passwordHash: "right", totpSecret: nil, at: Self.now)
            #expect(try keyring.officers().map(\.role) == [.auditor], "a removed account's name can be used again")
        }
    }

    /// The engine on a keyring of either backend: a subject is stored and read, shredded, and
    /// a vault backup restored from before the shred loses the subject again at the next open.
    @Test(arguments: Backend.allCases) func aRestoredVaultBackupMeetsTheKeyringsErasures(_ backend: Backend) async throws {
        try await Self.withPlace(backend) { place, folder in
            let vault = folder.appendingPathComponent("custos.db").path
            let keyFile = folder.appendingPathComponent("custos.key").path
            let policies = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("policies/invorderingsbedrijf").path
            let engine = try PrivacyEngine.initialise(vault: vault, keyring: place, masterKey: .file(keyFile), policies: policies)
            try engine.addSubject(NewSubject(id: "D-1", category: "debtor", values: ["email": "jan@example.nl"]), by: "test")
            #expect(engine.read(subject: "D-1", fields: ["email"], purpose: "P-DEBT-COLLECT", actor: "collections-service").values["email"] == "jan@example.nl")
            let backup = folder.appendingPathComponent("backup.db").path
            try engine.store.pool.backup(to: DatabaseQueue(path: backup))
            try engine.shred(subject: "D-1")
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: vault + suffix) }
            try FileManager.default.copyItem(atPath: backup, toPath: vault)
            let restored = try PrivacyEngine.open(vault: vault, keyring: place, masterKey: .file(keyFile))
            #expect(restored.store.ledgerReplay.subjectsShredded == 1)
            #expect(restored.read(subject: "D-1", fields: ["email"], purpose: "P-DEBT-COLLECT", actor: "collections-service").values.isEmpty)
            #expect(try restored.keyringAgreement().holds)
        }
    }

    @Test func aKeyringAndAVaultNeverShareADatabase() async throws {
        try await PostgresDecisionLogTests.withDatabase { address in
            let vault = try await PostgresDatabase.open(address)
            vault.close()
            await #expect(throws: PostgresStoreError.wrongDatabase("this database holds a Custos vault; the keyring must live in another database or on another server")) {
                try await Self.offThePool { _ = try PostgresKeyringPlace(address: address).create() }
            }
        }
        try await PostgresDecisionLogTests.withDatabase { address in
            _ = try await Self.offThePool { try PostgresKeyringPlace(address: address).create() }
            await #expect(throws: PostgresStoreError.wrongDatabase("this database holds a Custos keyring; the vault must live in another database")) {
                _ = try await PostgresDatabase.open(address)
            }
        }
    }

    @Test func aKeyringFromANewerCustosIsRefused() async throws {
        try await PostgresDecisionLogTests.withDatabase { address in
            _ = try await Self.offThePool { try PostgresKeyringPlace(address: address).create() }
            let latest = PostgresSchema.keyringMigrations.count
            try await PostgresDecisionLogTests.adminQuery(address, "INSERT INTO custos_keyring_schema (version) VALUES (\(latest + 1))")
            await #expect(throws: PostgresStoreError.newerSchema(found: latest + 1, supported: latest)) {
                try await Self.offThePool { _ = try PostgresKeyringPlace(address: address).open() }
            }
        }
    }
}
