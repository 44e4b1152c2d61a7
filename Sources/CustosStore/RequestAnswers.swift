package import Foundation
internal import GRDB
internal import CustosCrypto
import CustosPolicy

/// Stored answers of rights requests (the privacy centre's status page, the console): an answer
/// is sealed under its subject's key, so it is shredded with the subject and dropped when any
/// of the subject's fields is erased.
extension Vault {
    /// Keeps a request's sealed answer; one held for review is for the officer only.
    func storeAnswer(_ answer: SealedAnswer, request: String, heldForReview: Bool, at now: Instant) throws {
        try pool.write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO request_answers (request_id, subject_id, html, json, held_for_review, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                           arguments: [request, answer.subject, answer.html, answer.json, heldForReview, now.millisecondsSinceEpoch])
        }
    }

    /// A request's sealed answer, or nil; `includingHeld` also gives one held for review.
    func sealedAnswer(request: String, includingHeld: Bool) throws -> SealedAnswer? {
        let held = includingHeld ? "" : " AND held_for_review = 0"
        return try pool.read { db in
            try Row.fetchOne(db, sql: "SELECT subject_id, html, json FROM request_answers WHERE request_id = ?\(held)", arguments: [request])
        }.map { row in SealedAnswer(subject: row["subject_id"], html: row["html"], json: row["json"]) }
    }

    /// A request's stored answer, opened, or nil when there is none or it can no longer be
    /// opened (the subject or a field of theirs was erased since).
    package func answer(request: String, includingHeld: Bool = false) throws -> (html: String, json: Data)? {
        try sealedAnswer(request: request, includingHeld: includingHeld).flatMap { keyring.openAnswer($0, request: request) }
    }
}

/// A request's answer (the access package as HTML and JSON) sealed under its subject's key:
/// shredded with the subject, and dropped whenever a field of the subject is erased.
package struct SealedAnswer: Sendable {
    package var subject: String
    package var html: Data
    package var json: Data

    package init(subject: String, html: Data, json: Data) {
        (self.subject, self.html, self.json) = (subject, html, json)
    }
}

extension Keyring {
    /// Seals an answer under its subject's key, each part bound to the request.
    package func sealAnswer(request: String, subject: String, html: String, json: Data) throws -> SealedAnswer {
        let (key, version) = try subjectKey(subject)
        let sealedHTML = try FieldCiphertext.seal(Array(html.utf8), subject: subject, field: "answer:\(request):html", key: key, keyVersion: version)
        let sealedJSON = try FieldCiphertext.seal([UInt8](json), subject: subject, field: "answer:\(request):json", key: key, keyVersion: version)
        return SealedAnswer(subject: subject, html: Data(sealedHTML), json: Data(sealedJSON))
    }

    /// Opens a sealed answer, or nil when its subject's key is gone or it does not open.
    package func openAnswer(_ answer: SealedAnswer, request: String) -> (html: String, json: Data)? {
        guard let (key, _) = try? subjectKey(answer.subject),
              let html = try? FieldCiphertext.open([UInt8](answer.html), subject: answer.subject, field: "answer:\(request):html", key: key),
              let json = try? FieldCiphertext.open([UInt8](answer.json), subject: answer.subject, field: "answer:\(request):json", key: key) else { return nil }
        return (String(decoding: html, as: UTF8.self), Data(json))
    }
}
