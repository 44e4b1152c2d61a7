import Custos
import CustosDecision
@testable import CustosStore
import Foundation
import GRDB
import Testing

/// A gated read takes the facts of a subject without rows in the rarer tables from a read
/// connection of the vault's own (`SQLiteReadConnections`), and any other subject's from a
/// snapshot of GRDB's pool: both must give the facts the pool's own path gives.
struct FactsReadPathTests {
    static func throughThePool(_ engine: PrivacyEngine, _ subject: String, fields: [String]) throws -> (Facts?, [String: Data]) {
        try engine.store.vault.pool.read { db in
            var ciphertexts: [String: Data] = [:]
            let facts = try engine.store.vault.loadFacts(db, subject: subject, ciphertextsOf: fields, into: &ciphertexts)
            return (facts, ciphertexts)
        }
    }

    @Test func bothPathsGiveTheSameFactsAndCiphertexts() throws {
        let fixture = try VaultFixture()
        let engine = fixture.engine
        _ = try fixture.addDebtor("D-1", marker: "fp01")
        _ = try fixture.addDebtor("D-2", marker: "fp02")
        try engine.recordEvent(subject: "D-1", event: "file-closed", effective: LocalDate(year: 2025, month: 3, day: 10)!, by: "test")
        _ = try engine.recordObjection(subject: "D-2", purpose: nil, kind: .directMarketing)
        let fields = ["email", "bank_account", "not_stored"]
        for subject in ["D-1", "D-2", "D-404"] {
            let quick = try engine.store.vault.factsAndCiphertexts(of: subject, fields: fields)
            let pool = try Self.throughThePool(engine, subject, fields: fields)
            #expect(quick.facts == pool.0, "\(subject)")
            #expect(quick.ciphertexts == pool.1, "\(subject)")
            #expect(try engine.store.vault.facts(of: subject) == pool.0, "\(subject)")
        }
        // The paths were both taken: D-1 has only common facts, D-2 an objection, D-404 is absent.
        #expect(try engine.store.vault.facts(of: "D-1")?.events.map(\.event) == ["file-opened", "file-closed"])
        #expect(try engine.store.vault.facts(of: "D-2")?.objections.count == 1)
        #expect(try engine.store.vault.factsAndCiphertexts(of: "D-1", fields: fields).ciphertexts.keys.sorted() == ["bank_account", "email"])
        #expect(try engine.store.vault.facts(of: "D-404") == nil)
    }

    @Test func aWriteIsSeenByTheNextReadOnTheReadConnections() throws {
        let fixture = try VaultFixture()
        let engine = fixture.engine
        _ = try fixture.addDebtor("D-1", marker: "fp03")
        #expect(try engine.store.vault.facts(of: "D-1")?.events.map(\.event) == ["file-opened"])
        try engine.recordEvent(subject: "D-1", event: "file-closed", effective: LocalDate(year: 2025, month: 3, day: 10)!, by: "test")
        #expect(try engine.store.vault.facts(of: "D-1")?.events.map(\.event) == ["file-opened", "file-closed"])
        try engine.store.shred(subject: "D-1", at: Instant.now)
        #expect(try engine.store.vault.facts(of: "D-1") == nil)
    }
}
