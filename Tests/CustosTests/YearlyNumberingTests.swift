import Custos
import CustosStore
import Foundation
import GRDB
import Testing

/// Request numbers (`RQ-2025-0001`) run on past 9,999 in a year: four digits and no more had
/// wrapped round to `RQ-2025-0000`, then to `RQ-2025-0001` again, and the next request of the
/// year was refused as a duplicate key. The next number is one past the year's highest, so a
/// gap never makes a duplicate either.
struct YearlyNumberingTests {
    @Test func numbersHaveFourDigitsAtLeastAndNoCeiling() {
        let numbering = YearlyNumbering(kind: "RQ", year: 2025)
        #expect(numbering.id(after: nil) == "RQ-2025-0001")
        #expect(numbering.id(after: 41) == "RQ-2025-0042")
        #expect(numbering.id(after: 9_998) == "RQ-2025-9999")
        #expect(numbering.id(after: 9_999) == "RQ-2025-10000")
        #expect(numbering.id(after: 123_456) == "RQ-2025-123457")
        #expect(numbering.prefix < "RQ-2025-0001" && "RQ-2025-99999" < numbering.end && "RQ-2025-" + "\u{7f}" < numbering.end)
        #expect(numbering.end < "RQ-2026-0001" && !("RQ-2024-9999" >= numbering.prefix))
        #expect(numbering.numberStart == 9)
    }

    /// 9,998 requests of 2025 already in the book (written straight into the vault, as many
    /// years of use would leave them), one of 2024 numbered higher: the next three are 9999,
    /// 10000 and 10001, each stored.
    @Test func theTenThousandthRequestOfAYearIsFiled() throws {
        let fixture = try VaultFixture()
        _ = try fixture.addDebtor("D-1", marker: "a1")
        let vault = try DatabaseQueue(path: fixture.vaultPath)
        try vault.write { db in
            let insert = try db.makeStatement(sql: """
                INSERT INTO requests (id, subject_id, type, channel, received_at, received_on, requester, identity, status, due_on)
                VALUES (?, 'D-1', 'access', 'letter', 0, ?, 'subject', 'verified', 'completed', ?)
                """)
            for number in 1...9_998 { try insert.execute(arguments: [String(format: "RQ-2025-%04d", number), "2025-01-02", "2025-02-03"]) }
            try insert.execute(arguments: ["RQ-2024-12345", "2024-12-30", "2025-01-30"])
        }
        let ids = try (0..<3).map { _ in try fixture.engine.openRequest(subject: "D-1", type: .access, channel: "letter", by: "officer").id }
        #expect(ids == ["RQ-2025-9999", "RQ-2025-10000", "RQ-2025-10001"])
        for id in ids { #expect(try fixture.engine.request(id)?.subject == "D-1") }
    }
}
