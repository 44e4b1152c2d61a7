import Custos
@testable import CustosStore
import CustosDecision
import CustosPolicy
import CustosCrypto
import CustosTestSupport
import Foundation
import GRDB
import Testing

struct DecisionLogTests {
    /// A vault with ten logged decisions.
    static func loggedVault() throws -> VaultFixture {
        let fixture = try VaultFixture()
        try fixture.addDebtor("D-1", marker: "lg01")
        for index in 0..<10 {
            _ = fixture.engine.read(subject: "D-1", fields: index % 2 == 0 ? ["email"] : ["bank_account", "health_note"],
                                    purpose: "P-DEBT-COLLECT", actor: "collections-service")
        }
        let verification = try fixture.engine.verifyLog()
        #expect(verification.isIntact && verification.entries == 10 && verification.headSeq == 10)
        return fixture
    }

    func tamper(_ fixture: VaultFixture, _ sql: String) throws {
        let queue = try DatabaseQueue(path: fixture.vaultPath)
        try queue.write { db in try db.execute(sql: sql) }
    }

    @Test func theLogHoldsNoValues() throws {
        let fixture = try Self.loggedVault()
        for entry in try fixture.engine.store.log.entries() {
            #expect(!entry.fields.joined().contains("lg01"))
            #expect(entry.subject == "D-1" && entry.policyDigest == fixture.engine.policy.digest)
        }
    }

    @Test(arguments: [
        ("UPDATE decision_log SET outcome = 'permit' WHERE seq = 4", Int64(4)),
        ("UPDATE decision_log SET actor = 'someone-else' WHERE seq = 7", Int64(7)),
        ("UPDATE decision_log SET at = at + 1 WHERE seq = 1", Int64(1)),
        ("DELETE FROM decision_log WHERE seq = 5", Int64(5)),
    ])
    func anEditedOrDeletedEntryBreaksTheChainThere(_ sql: String, _ broken: Int64) throws {
        let fixture = try Self.loggedVault()
        try tamper(fixture, sql)
        let verification = try fixture.reopen().verifyLog()
        #expect(verification.firstBroken == broken, "\(verification)")
        #expect(!verification.isIntact)
    }

    @Test func reorderedEntriesBreakTheChain() throws {
        let fixture = try Self.loggedVault()
        // Swap the contents of entries 3 and 6, keeping their sequence numbers and hashes.
        try tamper(fixture, """
        UPDATE decision_log SET fields = CASE seq WHEN 3 THEN (SELECT fields FROM decision_log WHERE seq = 6)
                                                  WHEN 6 THEN (SELECT fields FROM decision_log WHERE seq = 3) END,
                                 codes = CASE seq WHEN 3 THEN (SELECT codes FROM decision_log WHERE seq = 6)
                                                  WHEN 6 THEN (SELECT codes FROM decision_log WHERE seq = 3) END,
                                 outcome = CASE seq WHEN 3 THEN (SELECT outcome FROM decision_log WHERE seq = 6)
                                                  WHEN 6 THEN (SELECT outcome FROM decision_log WHERE seq = 3) END
        WHERE seq IN (3, 6)
        """)
        #expect(try fixture.reopen().verifyLog().firstBroken == 3)
    }

    @Test func deletingTheNewestEntriesIsCaughtWithACheckpoint() throws {
        let fixture = try Self.loggedVault()
        let checkpoint = try fixture.engine.checkpoint()
        #expect(checkpoint.seq == 10)
        #expect(try fixture.engine.verify(checkpoint) == .holds)
        _ = fixture.engine.read(subject: "D-1", fields: ["email"], purpose: "P-DEBT-COLLECT", actor: "collections-service")
        #expect(try fixture.engine.verify(checkpoint) == .holds, "a longer log still holds the checkpoint")
        try tamper(fixture, "DELETE FROM decision_log WHERE seq >= 9")
        let engine = try fixture.reopen()
        #expect(try engine.verifyLog().isIntact, "without a checkpoint a truncated chain looks whole")
        #expect(try engine.verify(checkpoint) == .entriesMissing(logHead: 8, checkpoint: 10))
    }

    @Test func aForgedOrAlteredCheckpointIsRejected() throws {
        let fixture = try Self.loggedVault()
        var checkpoint = try fixture.engine.checkpoint()
        checkpoint.seq = 5
        #expect(try fixture.engine.verify(checkpoint) == .signatureInvalid)
        let other = try VaultFixture()
        #expect(try other.engine.verify(try fixture.engine.checkpoint()) == .signatureInvalid, "another vault's key did not sign it")
    }

    @Test func concurrentReadersShareCommitsAndLoseNothing() throws {
        let fixture = try VaultFixture()
        try fixture.addDebtor("D-1", marker: "cc01")
        let engine = fixture.engine
        let sequences = onThreads(8) { _ in
            (0..<50).compactMap { _ in engine.read(subject: "D-1", fields: ["email"], purpose: "P-DEBT-COLLECT", actor: "collections-service").logSequence }
        }.flatMap { $0 }
        #expect(sequences.count == 400)
        #expect(Set(sequences) == Set(1...400))
        #expect(try engine.verifyLog().entries == 400)
    }
}

/// Entry hashes chain every log ever written: the canonical form must never change.
struct CanonicalEntryTests {
    /// The form as first written, by joining interpolated strings.
    static func joined(_ entry: LogEntry) -> [UInt8] {
        let parts = [String(entry.seq), String(entry.at.millisecondsSinceEpoch), entry.actor, entry.action, entry.purpose, entry.subject,
                     entry.recipient ?? "", entry.fields.joined(separator: "\n"), entry.outcome, entry.codes.joined(separator: "\n"), entry.policyDigest]
        return Array(parts.map { "\($0.utf8.count):\($0)" }.joined(separator: "|").utf8)
    }

    @Test func theCanonicalFormIsTheOneTheChainWasBuiltOn() {
        var random = SplitMix64(seed: 0x10_6E)
        let words = ["", "a", "é", "P-DEBT-COLLECT", "email=permit", "x|y", "line\nbreak", "12:34", "😀"]
        for seq in 0..<2_000 {
            func word() -> String { words[Int.random(in: 0..<words.count, using: &random)] }
            func list() -> [String] { (0..<Int.random(in: 0...3, using: &random)).map { _ in word() } }
            let decision = Decision(outcome: .partial, action: .share, subject: word(), purpose: word(), actor: word(), recipient: Bool.random(using: &random) ? word() : nil,
                                    fields: list().map { FieldOutcome(field: $0, outcome: .permit, reasons: []) }, basis: nil,
                                    reasons: list().compactMap { _ in Reason(code: .allowLegalBasis, explanation: "") }, obligations: [], policyDigest: word(), hypothetical: false)
            var entry = LogEntry(decision, at: Instant(millisecondsSinceEpoch: Int64.random(in: -1_000...2_000_000_000_000, using: &random)))
            entry.seq = Int64(seq)
            #expect(entry.canonicalBytes == Self.joined(entry))
            // The link: BLAKE2b over the domain, the previous hash and that form.
            let previous = (0..<32).map { _ in UInt8.random(in: 0...255, using: &random) }
            #expect(entry.hash(previous: previous) == Blake2b.hash(Array("custos-log/v1".utf8) + previous + Self.joined(entry)))
        }
    }

    /// The commit reads a draft's columns back by their lengths; a tail cut short or with a
    /// bad length stops the walk (the insert then fails the group) instead of reading past it.
    @Test func aMalformedTailStopsTheColumnWalk() {
        for text in ["", "|", "|12", "|3:ab", "|x:", "|1:a", "|99999999999999999999999:", "|0:|0:|0:|0:|0:|0:|0:|0:|0:|5"] {
            var columns = 0
            Array(text.utf8).withUnsafeBufferPointer { tail in LogRowDraft.columns(in: tail) { _, _ in columns += 1 } }
            #expect(columns < 9, "\(text)")
        }
        var complete = 0
        Array("|1:0|0:|0:|0:|0:|0:|0:|0:|0:|0:".utf8).withUnsafeBufferPointer { tail in LogRowDraft.columns(in: tail) { _, _ in complete += 1 } }
        #expect(complete == 9)
    }

    /// The group commit hashes and inserts drafts made before the entry had its number; the
    /// chain and the row must be exactly what the entry itself gives, NULL recipients and
    /// empty, multi-line and non-ASCII texts included.
    @Test func aDraftHashesAndStoresWhatItsEntryWould() throws {
        let database = try DatabaseQueue()
        try database.write { db in
            try db.execute(sql: """
            CREATE TABLE decision_log (seq INTEGER PRIMARY KEY, at INTEGER, actor TEXT, action TEXT, purpose TEXT, subject_id TEXT,
                                       recipient TEXT, fields TEXT, outcome TEXT, codes TEXT, policy_digest TEXT, prev_hash BLOB, hash BLOB)
            """)
        }
        var random = SplitMix64(seed: 0xD2AF7)
        let words = ["", "a", "é", "P-DEBT-COLLECT", "email=permit", "x|y", "line\nbreak", "12:34", "😀", "|3:abc"]
        var head: (seq: Int64, hash: [UInt8]) = (0, LogChain.genesis)
        var scratch: [UInt8] = []
        for _ in 0..<500 {
            func word() -> String { words[Int.random(in: 0..<words.count, using: &random)] }
            func list() -> [String] { (0..<Int.random(in: 0...3, using: &random)).map { _ in word() } }
            var entry = LogEntry(seq: 0, at: Instant(millisecondsSinceEpoch: Int64.random(in: -1_000...2_000_000_000_000, using: &random)),
                                 actor: word(), action: word(), purpose: word(), subject: word(), recipient: Bool.random(using: &random) ? word() : nil,
                                 fields: list(), outcome: word(), codes: list(), policyDigest: word())
            let previous = head
            head = try database.write { db in
                try DecisionLog.insert(LogRowDraft(entry), after: previous, statement: db.cachedStatement(sql: "INSERT INTO decision_log VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
                                       scratch: &scratch)
            }
            entry.seq = previous.seq + 1
            #expect(head.seq == entry.seq)
            #expect(head.hash == entry.hash(previous: previous.hash))
            let row = try #require(try database.read { db in try Row.fetchOne(db, sql: "SELECT * FROM decision_log WHERE seq = ?", arguments: [entry.seq]) })
            let texts: [String?] = [row["actor"], row["action"], row["purpose"], row["subject_id"], row["recipient"], row["fields"], row["outcome"], row["codes"], row["policy_digest"]]
            #expect(texts == [entry.actor, entry.action, entry.purpose, entry.subject, entry.recipient, entry.fields.joined(separator: "\n"), entry.outcome,
                              entry.codes.joined(separator: "\n"), entry.policyDigest])
            #expect(row["at"] == entry.at.millisecondsSinceEpoch)
            #expect([UInt8](row["prev_hash"] as Data) == previous.hash && [UInt8](row["hash"] as Data) == head.hash)
        }
    }

    /// Every logged decision's draft is written from the decision itself (no entry, no line
    /// strings); it must be byte for byte the draft of `LogEntry(decision, at:)`, with any
    /// number of fields and codes, no recipient, and non-ASCII or separator-like ids.
    @Test func aDraftFromADecisionIsTheDraftOfItsEntry() {
        var random = SplitMix64(seed: 0x10C5)
        let words = ["", "a", "é", "P-DEBT-COLLECT", "email", "x|y", "12:34", "😀", "|3:abc", "bank_account"]
        let codes = ReasonCode.allCases
        for _ in 0..<500 {
            func word() -> String { words[Int.random(in: 0..<words.count, using: &random)] }
            let fields = (0..<Int.random(in: 0...12, using: &random)).map { _ in
                FieldOutcome(field: word(), outcome: Bool.random(using: &random) ? .permit : .deny, reasons: [])
            }
            let reasons = (0..<Int.random(in: 0...4, using: &random)).map { _ in
                Reason(code: codes[Int.random(in: 0..<codes.count, using: &random)], explanation: word())
            }
            let decision = Decision(outcome: [.permit, .partial, .deny][Int.random(in: 0...2, using: &random)],
                                    action: Action.allCases[Int.random(in: 0..<Action.allCases.count, using: &random)],
                                    subject: word(), purpose: word(), actor: word(), recipient: Bool.random(using: &random) ? word() : nil,
                                    fields: fields, basis: nil, reasons: reasons, obligations: [], policyDigest: word(), hypothetical: false)
            let at = Instant(millisecondsSinceEpoch: Int64.random(in: -1_000...2_000_000_000_000, using: &random))
            let direct = LogRowDraft(decision, at: at)
            let viaEntry = LogRowDraft(LogEntry(decision, at: at))
            #expect(direct.tail == viaEntry.tail)
            #expect(direct.at == viaEntry.at && direct.recipientIsNull == viaEntry.recipientIsNull)
        }
    }
}
