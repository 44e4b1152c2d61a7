import Foundation
import Dispatch
import Synchronization
import Testing
@testable import CustosPostgres
@testable import CustosStore
@testable import Custos
import CustosCrypto
import CustosPolicy
import CustosDecision

/// The vault's decision path on PostgreSQL against SQLite and across processes: the same
/// subjects and consent events give the same facts and the same decisions through the same
/// gate; a withdrawal committed by one process denies the next read of another; the Art. 49
/// occasional limit holds when two processes share to one recipient at once.
@Suite(.serialized) struct PostgresVaultTests {
    final class Clock: Sendable {
        let now = Mutex(Instant(iso8601: "2025-06-02T10:00:00+02:00")!)
        func set(_ text: String) { let instant = Instant(iso8601: text)!; now.withLock { $0 = instant } }
        var read: @Sendable () -> Instant { { [self] in now.withLock { $0 } } }
    }

    static let policies = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("policies/invorderingsbedrijf").path

    /// A SQLite engine (the reference), and `processes` PostgreSQL vaults on one fresh database
    /// sharing one keyring, each with its own pool, as separate `custos serve` processes have.
    struct World {
        let address: PostgresAddress
        let folder: URL
        let keyring: KeyringFile
        let keyFile: String
        let engine: PrivacyEngine
        let vaults: [PostgresVault]
        let gates: [GatedAccess]
        let clock: Clock
    }

    static func withWorld(processes: Int = 1, _ body: @escaping @Sendable (World) throws -> Void) async throws {
        try await PostgresDecisionLogTests.withDatabase { address in
            try await KeyringStorageTests.offThePool {
                let folder = FileManager.default.temporaryDirectory.appendingPathComponent("custos-pgvault-\(UUID().uuidString)")
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                defer { try? FileManager.default.removeItem(at: folder) }
                let clock = Clock()
                let engine = try PrivacyEngine.initialise(vault: folder.appendingPathComponent("custos.db").path, masterKey: .file(folder.appendingPathComponent("custos.key").path),
                                                          policies: policies, clock: clock.read)
                let master = try MasterKeyFile.create(at: folder.appendingPathComponent("pg.key").path)
                let place = KeyringFile(path: folder.appendingPathComponent("pg.keys.db").path)
                _ = try Keyring.create(in: place.create(), master: master, source: "file", salt: nil, now: clock.read())
                let vaults = try (0..<processes).map { _ in
                    try PostgresVault.open(address, keyring: Keyring.open(place.open(), source: .file(folder.appendingPathComponent("pg.key").path)),
                                           policy: engine.policy)
                }
                let gates = vaults.map { GatedAccess(policy: engine.policy, evaluator: Evaluator(policy: engine.policy), store: $0, clock: clock.read) }
                try body(World(address: address, folder: folder, keyring: place, keyFile: folder.appendingPathComponent("pg.key").path,
                               engine: engine, vaults: vaults, gates: gates, clock: clock))
            }
        }
    }

    static func debtor(_ id: String, marker: String) -> NewSubject {
        NewSubject(id: id, category: "debtor", values: ["email": "\(marker)@example.nl", "bank_account": "NL91ABNA04171643\(marker.suffix(2))",
                                                        "person_name": "Name \(marker)"],
                   source: "client", events: [LifecycleEventFact(event: "file-opened", date: LocalDate(parsing: "2025-01-10")!)])
    }

    /// Adds subjects to both, gives what the SQLite engine records to PostgreSQL as well.
    static func add(_ subjects: [NewSubject], to world: World) throws {
        try world.engine.addSubjects(subjects, by: "test")
        try world.vaults[0].importSubjects(subjects, at: world.clock.read(), by: "test")
    }

    /// Copies the consent events the SQLite engine recorded since `count` to PostgreSQL through
    /// vault `process`.
    static func copyConsents(of subject: String, in world: World, after count: Int, through process: Int = 0) throws -> Int {
        let history = try world.engine.store.vault.consentHistory(of: subject)
        try world.vaults[process].appendConsentEvents(Array(history.dropFirst(count)))
        return history.count
    }

    @Test func theSameSubjectsAndConsentsGiveTheSameFactsAndDecisions() async throws {
        try await Self.withWorld { world in
            let prospect = NewSubject(id: "PR-1", category: "prospect", otherCategories: ["client"], values: ["email": "els@example.nl"],
                                      source: "web-form")
            try Self.add([Self.debtor("D-1", marker: "pg01"), Self.debtor("D-2", marker: "pg02"), prospect], to: world)
            _ = try world.engine.giveConsent(ConsentGrant(subject: "PR-1", purposes: ["P-NEWSLETTER-EMAIL"], method: .checkboxTicked, channel: "web-form",
                                                          ageAtConsent: 41), by: "test")
            _ = try Self.copyConsents(of: "PR-1", in: world, after: 0)
            for subject in ["D-1", "D-2", "PR-1", "NOBODY"] {
                let sqlite = try world.engine.store.vault.facts(of: subject)
                let postgres = try world.vaults[0].factsAndCiphertexts(of: subject, fields: []).facts
                #expect(sqlite == postgres, "facts of \(subject)")
            }
            let requests = [
                DecisionRequest(actor: "collections-service", action: .read, subject: "D-1", purpose: "P-DEBT-COLLECT", fields: ["email", "bank_account"]),
                DecisionRequest(actor: "marketing-service", action: .read, subject: "D-1", purpose: "P-DEBT-COLLECT", fields: ["email"]),
                DecisionRequest(actor: "newsletter", action: .read, subject: "PR-1", purpose: "P-NEWSLETTER-EMAIL", fields: ["email"]),
                DecisionRequest(actor: "newsletter", action: .read, subject: "D-2", purpose: "P-NEWSLETTER-EMAIL", fields: ["email"]),
                DecisionRequest(actor: "collections-service", action: .read, subject: "NOBODY", purpose: "P-DEBT-COLLECT", fields: ["email"]),
            ]
            for request in requests {
                let sqlite = world.engine.gatedAccess.gate(request)
                let postgres = world.gates[0].gate(request)
                #expect(sqlite.decision == postgres.decision, "\(request.subject) \(request.purpose) by \(request.actor)")
                #expect(sqlite.values == postgres.values)
                #expect(postgres.logSequence != nil)
            }
            #expect(world.gates[0].gate(requests[0]).values["email"] == "pg01@example.nl", "a value sealed on PostgreSQL opens")
            #expect(try world.vaults[0].findSubjects("PG01@example.nl", kind: .email) == ["D-1"], "the blind index finds a normalised address")
            let log = world.vaults[0].log
            let verification = try BlockingBridge.wait { try await log.verify() }
            #expect(verification.isIntact && verification.entries == 6)
        }
    }

    @Test func aWithdrawalInOneProcessDeniesTheNextReadInAnother() async throws {
        try await Self.withWorld(processes: 2) { world in
            try Self.add([NewSubject(id: "PR-1", category: "prospect", values: ["email": "els@example.nl"], source: "web-form")], to: world)
            _ = try world.engine.giveConsent(ConsentGrant(subject: "PR-1", purposes: ["P-NEWSLETTER-EMAIL"], method: .checkboxTicked, channel: "web-form",
                                                          ageAtConsent: 41), by: "test")
            var recorded = try Self.copyConsents(of: "PR-1", in: world, after: 0, through: 0)
            let read = DecisionRequest(actor: "newsletter", action: .read, subject: "PR-1", purpose: "P-NEWSLETTER-EMAIL", fields: ["email"])
            #expect(world.gates[1].gate(read).decision.outcome == .permit)
            world.clock.set("2025-06-02T10:05:00+02:00")
            try world.engine.withdrawConsent(subject: "PR-1", purposes: ["P-NEWSLETTER-EMAIL"], channel: "e-mail", by: "test")
            recorded = try Self.copyConsents(of: "PR-1", in: world, after: recorded, through: 0)
            let after = world.gates[1].gate(read)
            #expect(after.decision.outcome == .deny && after.decision.codes.contains(.consentWithdrawn))
            #expect(after.values.isEmpty)
        }
    }

    @Test func theOccasionalLimitHoldsWhenTwoProcessesShareAtOnce() async throws {
        try await Self.withWorld(processes: 2) { world in
            let subjects = (1...8).map { Self.debtor("D-\($0)", marker: "pa0\($0)") }
            try world.vaults[0].importSubjects(subjects, at: world.clock.read(), by: "test")
            // Eight procedures to one recipient, four from each process at once: the policy
            // allows three per twelve months, so exactly three may pass, whoever asks first.
            let outcomes = Mutex<[Decision]>([])
            DispatchQueue.concurrentPerform(iterations: 8) { index in
                let decision = world.gates[index % 2].gate(DecisionRequest(
                    actor: "collections-service", action: .share, subject: "D-\(index + 1)", purpose: "P-DEBT-COLLECT", fields: ["person_name"],
                    recipient: "R-FOREIGN-LAWYER", recipientName: "Avukatlık Bürosu Demir", destination: "TR", procedure: "Procedure \(index + 1)")).decision
                outcomes.withLock { $0.append(decision) }
            }
            let decisions = outcomes.withLock { $0 }
            #expect(decisions.filter { $0.outcome == .permit }.count == 3)
            #expect(decisions.filter { $0.codes.contains(.transferDerogationNotOccasional) }.count == 5)
            #expect(!decisions.contains { $0.codes.contains(.engineError) })
            let log = world.vaults[1].log
            let verification = try BlockingBridge.wait { try await log.verify() }
            #expect(verification.isIntact && verification.entries == 8)
        }
    }

    /// Runs one of PostgreSQL's client programs (pg_dump, pg_restore) on `address`.
    static func postgresTool(_ name: String, _ arguments: [String], address: PostgresAddress) throws {
        let bin = try FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql").sorted { $0.compare($1, options: .numeric) == .orderedAscending }.last ?? ""
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/lib/postgresql/\(bin)/bin/\(name)")
        process.arguments = arguments + ["--dbname=postgresql://\(address.user)@\(address.host):\(address.port)/\(address.database)"]
        process.environment = ["PGPASSWORD": address.password ?? ""]
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw StoreError.io("\(name) exited with \(process.terminationStatus)") }
    }

    /// Two erasures at once on a vault several servers share: the first stops after its ledger
    /// entry and before its vault write, a second completes on another process. The ledger is
    /// not marked as applied, so the next open finishes the first.
    @Test func anErasureStoppedBeforeItsVaultWriteIsFinishedAtOpenWhateverFinishedAfterIt() async throws {
        try await Self.withWorld(processes: 2) { world in
            try Self.add([Self.debtor("D-1", marker: "if01"), Self.debtor("D-2", marker: "if02")], to: world)
            _ = try world.vaults[0].keyring.recordErasures([ErasureRecord(subject: "D-1", wholeSubject: true)], at: world.clock.read())
            let now = world.clock.read(), today = world.engine.policy.localDate(of: world.clock.read())
            let request = try world.vaults[1].openRequest(
                RightsRequest(id: "", subject: "D-2", type: .erasure, purpose: nil, channel: "e-mail", receivedAt: now, receivedOn: today, requester: "subject",
                              mandate: nil, identity: .verified, identityMethod: "test", status: .inProgress, dueOn: today, extensionNoticeOn: nil,
                              extensionReasons: nil, closedAt: nil, outcome: nil, events: []),
                objection: nil, opening: .none, at: now, by: "test")
            try world.vaults[1].applyErasure(ErasureApplication(subject: "D-2", destroy: ["bank_account"], keep: [:], wholeSubject: false, tasks: [],
                                                                closing: RequestClosing(request: request, outcome: LibraryWords("outcome.erased", "erased"), actor: "test")),
                                             at: now)
            #expect(try world.vaults[0].request(request)?.status == .completed, "the request closes with the erasure")
            let reopened = try PostgresVault.open(world.address, keyring: Keyring.open(world.keyring.open(), source: .file(world.keyFile)), policy: world.engine.policy)
            #expect(reopened.ledgerReplay == LedgerReplay(subjectsShredded: 1))
            #expect(try reopened.existingSubjects(["D-1", "D-2"]) == ["D-2"])
            #expect(try reopened.keyringAgreement().holds)
            let again = try PostgresVault.open(world.address, keyring: Keyring.open(world.keyring.open(), source: .file(world.keyFile)), policy: world.engine.policy)
            #expect(again.ledgerReplay == LedgerReplay(), "replayed once")
        }
    }

    /// A shred after a `pg_dump`, then the dump restored into a fresh database: opening it with
    /// the same keyring shreds the subject again before anything is served, leaving its consent
    /// proof once, and leaves the other subjects alone.
    @Test func aRestoredDumpMeetsTheKeyringsErasures() async throws {
        try await Self.withWorld { world in
            let prospect = NewSubject(id: "PR-1", category: "prospect", values: ["email": "els@example.nl"], source: "web-form")
            try Self.add([Self.debtor("D-1", marker: "rs01"), prospect], to: world)
            _ = try world.engine.giveConsent(ConsentGrant(subject: "PR-1", purposes: ["P-NEWSLETTER-EMAIL"], method: .checkboxTicked, channel: "web-form",
                                                          ageAtConsent: 41), by: "test")
            _ = try Self.copyConsents(of: "PR-1", in: world, after: 0)
            let longest: Int64 = 30 * 86_400_000
            let staying = try world.vaults[0].startWebSession(.console, holder: ["anna"], longest: longest, at: world.clock.read())
            let leaving = try world.vaults[0].startWebSession(.console, holder: ["ben"], longest: longest, at: world.clock.read())
            let dump = world.folder.appendingPathComponent("vault.dump").path
            try Self.postgresTool("pg_dump", ["--format=custom", "--file=\(dump)"], address: world.address)
            try world.vaults[0].endWebSession(.console, cookie: leaving)
            world.clock.set("2025-06-03T10:00:00+02:00")
            try world.vaults[0].shred(subjects: ["PR-1"], at: world.clock.read())
            #expect(try world.vaults[0].factsAndCiphertexts(of: "PR-1", fields: []).facts == nil)
            #expect(try world.vaults[0].consentProofs(ofErased: "PR-1").map(\.purpose) == ["P-NEWSLETTER-EMAIL"])

            let restoredName = world.address.database + "_restored"
            let admin = world.address.database("postgres")
            try BlockingBridge.wait { try await PostgresDecisionLogTests.adminQuery(admin, "CREATE DATABASE \(restoredName)") }
            defer { try? BlockingBridge.wait { try await PostgresDecisionLogTests.adminQuery(admin, "DROP DATABASE \(restoredName) WITH (FORCE)") } }
            let restored = world.address.database(restoredName)
            try Self.postgresTool("pg_restore", ["--no-owner", dump], address: restored)
            let vault = try PostgresVault.open(restored, keyring: Keyring.open(world.keyring.open(), source: .file(world.keyFile)), policy: world.engine.policy)
            #expect(vault.ledgerReplay == LedgerReplay(subjectsShredded: 1))
            #expect(try vault.factsAndCiphertexts(of: "PR-1", fields: []).facts == nil, "the restored backup lost the shredded subject again")
            #expect(try vault.consentProofs(ofErased: "PR-1").map(\.purpose) == ["P-NEWSLETTER-EMAIL"], "its consent proof is kept once")
            let gate = GatedAccess(policy: world.engine.policy, evaluator: Evaluator(policy: world.engine.policy), store: vault, clock: world.clock.read)
            #expect(gate.gate(DecisionRequest(actor: "collections-service", action: .read, subject: "D-1", purpose: "P-DEBT-COLLECT",
                                              fields: ["email"])).values["email"] == "rs01@example.nl", "the other subject is untouched")
            let reopened = try PostgresVault.open(restored, keyring: Keyring.open(world.keyring.open(), source: .file(world.keyFile)), policy: world.engine.policy)
            #expect(reopened.ledgerReplay == LedgerReplay(), "replayed once")
            // Nor does it bring back a web session signed out after the dump: it ends them all.
            let now = world.clock.read()
            #expect(try reopened.webSession(.console, cookie: leaving, idle: nil, at: now) == nil, "signed out after the dump: stays out")
            #expect(try reopened.webSession(.console, cookie: staying, idle: nil, at: now) == nil, "the restored vault ends every session")
            let live = try PostgresVault.open(world.address, keyring: Keyring.open(world.keyring.open(), source: .file(world.keyFile)), policy: world.engine.policy)
            #expect(try live.webSession(.console, cookie: staying, idle: nil, at: now)?.holder == ["anna"], "the live vault, opened again, keeps its sessions")
        }
    }
}
