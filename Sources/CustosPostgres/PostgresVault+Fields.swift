import Foundation
import PostgresNIO
import CustosStore
import CustosPolicy
import CustosCrypto

/// Sealed field values on PostgreSQL: sealed in this process (no key or plaintext crosses into
/// a database task or a statement), then written with their provenance and blind-index digest,
/// as `Vault.storeField` does on SQLite.
extension PostgresVault {
    /// One field's value sealed under its subject's key, with the row it is written as.
    func sealedRow(field: String, value: String, subject: String, key: SecretKey, keyVersion: UInt32, source: String, collectedAt: Instant,
                   collectedFor: [String]?) throws -> FieldRow {
        guard let id = policy.fields.id(field) else { throw StoreError.unknownField(field) }
        let definition = policy.policy.fields[id]
        return FieldRow(field: field, ciphertext: Data(try keyring.seal(value, subject: subject, field: field, key: key, keyVersion: keyVersion)),
                        source: source, collectedAt: collectedAt.millisecondsSinceEpoch, providedBySubject: definition.providedBySubject,
                        derived: definition.derived, collectedFor: collectedFor?.joined(separator: "\n"),
                        blind: definition.blindIndex.map { ($0.rawValue, Data(keyring.blindDigest(value, kind: $0))) })
    }

    /// Writes a field, replacing its value, provenance and blind-index digest where it had one.
    /// A rectification replaces the value and its source but keeps when and for what the
    /// field was collected (its retention still counts from then).
    static func write(_ row: FieldRow, of subject: String, on connection: PostgresConnection, logger: Logger, rectification: Bool = false) async throws {
        if rectification {
            try await connection.query("""
                INSERT INTO fields (subject_id, field, ciphertext, source, collected_at, provided_by_subject, derived, collected_for)
                VALUES (\(subject), \(row.field), \(row.ciphertext), \(row.source), \(row.collectedAt), \(row.providedBySubject), \(row.derived), \(row.collectedFor))
                ON CONFLICT (subject_id, field) DO UPDATE SET ciphertext = excluded.ciphertext, source = excluded.source
                """, logger: logger)
        } else {
            try await connection.query("""
                INSERT INTO fields (subject_id, field, ciphertext, source, collected_at, provided_by_subject, derived, collected_for)
                VALUES (\(subject), \(row.field), \(row.ciphertext), \(row.source), \(row.collectedAt), \(row.providedBySubject), \(row.derived), \(row.collectedFor))
                ON CONFLICT (subject_id, field) DO UPDATE SET ciphertext = excluded.ciphertext, source = excluded.source,
                  collected_at = excluded.collected_at, collected_for = excluded.collected_for
                """, logger: logger)
        }
        if let (kind, digest) = row.blind {
            try await connection.query("DELETE FROM blind_index WHERE subject_id = \(subject) AND field = \(row.field)", logger: logger)
            try await connection.query("""
                INSERT INTO blind_index (kind, digest, subject_id, field) VALUES (\(kind), \(digest), \(subject), \(row.field)) ON CONFLICT DO NOTHING
                """, logger: logger)
        }
    }
}

extension HeldTransaction {
    func storeFields(_ values: [String: String], of subject: String, source: String, collectedFor: [String],
                     collectedAt: Instant, now: Instant) throws -> [String] {
        let policy = vault.policy
        try LabelText.check(source, LibraryWords("what.valueSource", "a value's source (where it came from)"))
        try FieldValueRules.check(values, policy: policy, today: policy.localDate(of: now))
        let (key, version) = try vault.keyring.subjectKey(subject)
        let rows = try values.sorted { $0.key < $1.key }.map { field, value in
            try vault.sealedRow(field: field, value: value, subject: subject, key: key, keyVersion: version, source: source, collectedAt: collectedAt,
                                collectedFor: collectedFor)
        }
        return try wait { connection, logger in
            var existing: Set<String> = []
            for try await field in try await connection.query("SELECT field FROM fields WHERE subject_id = \(subject)", logger: logger).decode(String.self) {
                existing.insert(field)
            }
            for row in rows { try await PostgresVault.write(row, of: subject, on: connection, logger: logger) }
            return rows.map(\.field).filter(existing.contains).sorted()
        }
    }
}

/// A sealed field as it is written.
struct FieldRow: Sendable {
    let field: String
    let ciphertext: Data
    let source: String
    let collectedAt: Int64
    let providedBySubject: Bool
    let derived: Bool
    let collectedFor: String?
    let blind: (String, Data)?
}
