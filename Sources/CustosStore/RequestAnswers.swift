package import Foundation
internal import GRDB
internal import CustosCrypto
package import CustosPolicy

/// Status links and stored answers of rights requests opened through the privacy centre. A
/// link's token is kept only as a keyed hash; an answer is sealed under its subject's key, so
/// it is shredded with the subject and dropped when any of the subject's fields is erased.
extension Vault {
    /// A new status link's token for a request (shown once, in the page and the e-mail).
    package func createStatusLink(request: String, at now: Instant) throws -> String {
        let token = RandomToken.make()
        try pool.write { db in
            try db.execute(sql: "INSERT INTO status_links (token_hash, request_id, created_at) VALUES (?, ?, ?)",
                           arguments: [keyring.keyedDigest("status-link", token), request, now.millisecondsSinceEpoch])
        }
        return token
    }

    /// The request a status link's token leads to, or nil.
    package func request(forStatusToken token: String) throws -> String? {
        guard token.utf8.count <= 64 else { return nil }
        return try pool.read { db in
            try String.fetchOne(db, sql: "SELECT request_id FROM status_links WHERE token_hash = ?", arguments: [keyring.keyedDigest("status-link", token)])
        }
    }

    /// Keeps a request's answer (HTML and JSON), sealed under the subject's key; one held for
    /// review is for the officer only.
    package func storeAnswer(request: String, subject: String, html: String, json: Data, heldForReview: Bool = false, at now: Instant) throws {
        let (key, version) = try keyring.subjectKey(subject)
        let sealedHTML = try FieldCiphertext.seal(Array(html.utf8), subject: subject, field: "answer:\(request):html", key: key, keyVersion: version)
        let sealedJSON = try FieldCiphertext.seal([UInt8](json), subject: subject, field: "answer:\(request):json", key: key, keyVersion: version)
        try pool.write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO request_answers (request_id, subject_id, html, json, held_for_review, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                           arguments: [request, subject, Data(sealedHTML), Data(sealedJSON), heldForReview, now.millisecondsSinceEpoch])
        }
    }

    /// A request's stored answer, or nil when there is none or it can no longer be opened
    /// (the subject or a field of theirs was erased since).
    package func answer(request: String, includingHeld: Bool = false) throws -> (html: String, json: Data)? {
        let held = includingHeld ? "" : " AND held_for_review = 0"
        guard let row = try pool.read({ db in try Row.fetchOne(db, sql: "SELECT subject_id, html, json FROM request_answers WHERE request_id = ?\(held)", arguments: [request]) }) else {
            return nil
        }
        let subject: String = row["subject_id"]
        guard let (key, _) = try? keyring.subjectKey(subject),
              let html = try? FieldCiphertext.open([UInt8](row["html"] as Data), subject: subject, field: "answer:\(request):html", key: key),
              let json = try? FieldCiphertext.open([UInt8](row["json"] as Data), subject: subject, field: "answer:\(request):json", key: key) else { return nil }
        return (String(decoding: html, as: UTF8.self), Data(json))
    }
}
