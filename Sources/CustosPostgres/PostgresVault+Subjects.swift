import Foundation
import PostgresNIO
package import CustosStore
package import CustosPolicy
import CustosDecision
import CustosCrypto

/// The officer's view of a subject and its categories on PostgreSQL, as on SQLite.
extension PostgresVault {
    /// Records that a subject is also another kind of subject; adding one it has changes nothing.
    package func addCategory(_ category: String, to subject: String, at now: Instant, by actor: String) throws {
        guard policy.subjects.id(category) != nil else { throw StoreError.unknownCategory(category) }
        try transaction { connection, logger in
            var primary: String?
            for try await found in try await connection.query("SELECT category FROM subjects WHERE id = \(subject) FOR UPDATE", logger: logger)
                .decode(String.self) { primary = found }
            guard let primary else { throw StoreError.subjectUnknown(subject) }
            guard primary != category else { return }
            try await connection.query("""
                INSERT INTO subject_categories (subject_id, category, added_at, added_by) VALUES (\(subject), \(category), \(now.millisecondsSinceEpoch), \(actor))
                ON CONFLICT DO NOTHING
                """, logger: logger)
        }
    }

    /// Which fields exist and where they came from, never values (`subject show`).
    package func metadata(of subject: String) throws -> SubjectMetadata {
        let policy = policy
        return try transaction { connection, logger in
            try await connection.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY", logger: logger)
            guard let facts = try await Self.facts(of: subject, on: connection, policy: policy), let facet = facts.subject else {
                throw StoreError.subjectUnknown(subject)
            }
            var fields: [SubjectMetadata.Field] = []
            for try await (field, source, collected, ciphertext) in try await connection.query(
                "SELECT field, source, collected_at, ciphertext FROM fields WHERE subject_id = \(subject) ORDER BY field COLLATE \"C\"", logger: logger)
                .decode((String, String, Int64, Data).self) {
                fields.append(SubjectMetadata.Field(field: field, source: source, collectedAt: Instant(millisecondsSinceEpoch: collected),
                                                    keyVersion: (try? FieldCiphertext.keyVersion(of: [UInt8](ciphertext))) ?? 0))
            }
            return SubjectMetadata(id: subject, category: facet.categories.first ?? "", categories: facet.categories, kind: facet.kind, fields: fields,
                                   events: facts.events, erasedFields: facts.erasedFields)
        }
    }
}
