import Foundation
internal import GRDB
public import CustosPolicy

/// A disclosure recorded with the decision that permitted it.
public struct DisclosureEntry: Sendable, Hashable, Codable {
    public var recipient: String
    /// The actual recipient, for a recipient the policy names by kind.
    public var recipientName: String?
    public var purpose: String
    public var fields: [String]
    public var at: Instant
    public var destination: String?
    public var mechanism: String?
    public var procedure: String?
    public var decisionSeq: Int64
}

extension Vault {
    /// Every disclosure of a subject's data, oldest first: the source of Art. 15(1)(c) actual
    /// recipients and of Art. 19 notifications.
    package func disclosures(of subject: String) throws -> [DisclosureEntry] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM disclosures WHERE subject_id = ? ORDER BY id", arguments: [subject]).map { row in
                DisclosureEntry(recipient: row["recipient"], recipientName: row["recipient_name"], purpose: row["purpose"],
                                fields: (row["fields"] as String).split(separator: "\n").map(String.init),
                                at: Instant(millisecondsSinceEpoch: row["at"]), destination: row["destination"], mechanism: row["mechanism"],
                                procedure: row["procedure"], decisionSeq: row["decision_seq"])
            }
        }
    }

    /// Every stored value of a subject, decrypted, for an access or portability package.
    package func allFields(of subject: String) throws -> (values: [String: String], unreadable: Set<String>) {
        let names = try pool.read { db in try String.fetchAll(db, sql: "SELECT field FROM fields WHERE subject_id = ? ORDER BY field", arguments: [subject]) }
        return openFields(names, of: subject)
    }
}
