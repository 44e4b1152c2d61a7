package import Foundation
internal import GRDB
internal import CustosCrypto
internal import CustosPolicy

/// A data subject's own words with a rectification request (Art. 16: what is wrong and what it
/// should say, or a supplementary statement for incomplete data), kept for the officer who
/// fulfils it. Sealed under the subject's key, as a stored answer is: shredded with the subject
/// (and its row deleted with them), and deleted whenever any of the subject's fields is
/// destroyed, since it may hold a value of that field.
package struct SealedStatement: Sendable {
    package var subject: String
    package var sealed: Data

    package init(subject: String, sealed: Data) {
        (self.subject, self.sealed) = (subject, sealed)
    }
}

extension Keyring {
    /// Seals a statement under its subject's key, bound to the request.
    ///
    /// ```swift
    /// let sealed = try keyring.sealStatement("My address is Kade 1, 1011 AB Amsterdam", request: "RQ-2025-0007", subject: "D-1")
    /// let text = keyring.openStatement(sealed, request: "RQ-2025-0007")   // nil once D-1 is shredded
    /// ```
    package func sealStatement(_ text: String, request: String, subject: String) throws -> SealedStatement {
        let (key, version) = try subjectKey(subject)
        let sealed = try FieldCiphertext.seal(Array(text.utf8), subject: subject, field: "statement:\(request)", key: key, keyVersion: version)
        return SealedStatement(subject: subject, sealed: Data(sealed))
    }

    /// Opens a sealed statement, or nil when its subject's key is gone or it does not open.
    package func openStatement(_ statement: SealedStatement, request: String) -> String? {
        guard let (key, _) = try? subjectKey(statement.subject),
              let text = try? FieldCiphertext.open([UInt8](statement.sealed), subject: statement.subject, field: "statement:\(request)", key: key) else { return nil }
        return String(decoding: text, as: UTF8.self)
    }
}

extension Vault {
    /// Keeps the statement and writes the request's change (its history line) in one
    /// transaction, so no kill leaves words without the line that says who kept them.
    func storeStatement(_ statement: SealedStatement, request: String, at now: Instant, by actor: String,
                        _ change: (RightsRequest) throws -> (RightsRequest, event: RequestEvent, detail: LibraryWords?)) throws -> RightsRequest {
        try pool.write { db in
            let updated = try updateRequest(db, request, at: now, by: actor, change)
            try Self.keepStatement(statement, request: request, at: now, db)
            return updated
        }
    }

    /// Writes a request's sealed statement (replacing an earlier one) in the caller's transaction.
    static func keepStatement(_ statement: SealedStatement, request: String, at now: Instant, _ db: Database) throws {
        try db.execute(sql: "INSERT OR REPLACE INTO request_statements (request_id, subject_id, sealed, created_at) VALUES (?, ?, ?, ?)",
                       arguments: [request, statement.subject, statement.sealed, now.millisecondsSinceEpoch])
    }

    func sealedStatement(request: String) throws -> SealedStatement? {
        try pool.read { db in
            try Row.fetchOne(db, sql: "SELECT subject_id, sealed FROM request_statements WHERE request_id = ?", arguments: [request])
        }.map { SealedStatement(subject: $0["subject_id"], sealed: $0["sealed"]) }
    }
}
