import Foundation
internal import GRDB
package import CustosPolicy
package import CustosDecision

/// A disclosure recorded with the decision that permitted it.
package struct DisclosureEntry: Sendable, Hashable, Codable {
    package var recipient: String
    /// The actual recipient, for a recipient the policy names by kind.
    package var recipientName: String?
    package var purpose: String
    package var fields: [String]
    package var at: Instant
    package var destination: String?
    package var mechanism: String?
    package var procedure: String?
    package var decisionSeq: Int64

    package init(recipient: String, recipientName: String?, purpose: String, fields: [String], at: Instant, destination: String?,
                 mechanism: String?, procedure: String?, decisionSeq: Int64) {
        self.recipient = recipient
        self.recipientName = recipientName
        self.purpose = purpose
        self.fields = fields
        self.at = at
        self.destination = destination
        self.mechanism = mechanism
        self.procedure = procedure
        self.decisionSeq = decisionSeq
    }
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
        return try openFields(names, of: subject)
    }
}

extension VaultTransaction {
    /// Every Art. 49(1)(e) transfer to a recipient, whoever it was about: the occasional limit
    /// counts the procedures a recipient received transfers for (gdpr.md §12), not one
    /// person's. Read inside the share's write transaction, so no other share can change the
    /// count between the check and the record.
    package func derogationTransfers(to recipient: String) throws -> [TransferRecord] {
        try Row.fetchAll(db.cachedStatement(sql: """
            SELECT recipient, destination, procedure, at FROM disclosures WHERE recipient = ? AND mechanism = 'art-49-1-e' ORDER BY id
            """), arguments: [recipient]).map { row in
            TransferRecord(recipient: row[0], destination: row[1], procedure: row[2], at: Instant(millisecondsSinceEpoch: row[3]))
        }
    }
}
