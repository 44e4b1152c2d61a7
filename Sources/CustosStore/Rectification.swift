import Foundation
internal import GRDB
package import CustosPolicy

extension Vault {
    /// Replaces (or, for incomplete data, adds) values of a subject under its key, records the
    /// Art. 19 tasks and closes the request in the same transaction (`RequestClosing`), then
    /// truncates the WAL so the old ciphertext is gone from the files (`secure_delete` zeroes
    /// the freed cells). Returns the fields that already had a value.
    package func rectify(subject: String, values: [String: String], source: String, tasks: [RecipientTask], closing: RequestClosing,
                         at now: Instant) throws -> [String] {
        for field in values.keys where policy.fields.id(field) == nil { throw StoreError.unknownField(field) }
        let (key, version) = try keyring.subjectKey(subject)
        let replaced = try pool.write { db -> [String] in
            let existing = Set(try String.fetchAll(db, sql: "SELECT field FROM fields WHERE subject_id = ?", arguments: [subject]))
            for (field, value) in values.sorted(by: { $0.key < $1.key }) {
                try storeField(db, subject: subject, field: field, value: value, key: key, keyVersion: version, source: source,
                               collectedFor: nil, at: now, rectification: true)
            }
            try Self.insertTasks(db, tasks)
            try closeFulfilled(db, closing, at: now)
            return values.keys.filter(existing.contains).sorted()
        }
        try pool.writeWithoutTransaction { db in _ = try db.checkpoint(.truncate) }
        return replaced
    }
}
