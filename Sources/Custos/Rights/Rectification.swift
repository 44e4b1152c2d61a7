import Foundation
package import CustosPolicy
package import CustosStore

/// What a rectification changed (field names only) and whom it must be passed on to.
package struct RectificationResult: Sendable, Codable {
    package var request: String
    package var subject: String
    package var at: Instant
    /// Fields whose old value was replaced (its ciphertext destroyed).
    package var rectified: [String]
    /// Fields completed that had no value before (Art. 16, incomplete data).
    package var completed: [String]
    package var notifications: [RecipientTask]
}

extension RightsDesk {
    /// Fulfils a verified rectification request (Art. 16): the new values are sealed under the
    /// subject's key, the old ciphertexts destroyed, and every recipient that received a
    /// rectified field gets an Art. 19 task (processors an Art. 28(3) instruction). Refused for
    /// fields no purpose of the subject's category uses, for erased fields (that would collect
    /// them again) and for derived fields (rectify their inputs and recompute).
    ///
    /// ```swift
    /// let result = try engine.fulfilRectification(request: "RQ-2025-0003", values: ["postal_address": "Kerkstraat 1, Delft"], by: "officer")
    /// print(result.rectified, result.notifications.map(\.recipient))
    /// ```
    package func fulfilRectification(request id: String, values: [String: String], by actor: String) throws -> RectificationResult {
        let request = try actionableRequest(id, of: .rectification)
        guard !values.isEmpty else { throw RequestRefusal(code: .dsarDeadline, LibraryWords("rectification.noValues", "name the corrected values (field names and new values)")) }
        guard let facts = try facts(of: request.subject), let categories = facts.subject?.categories else { throw StoreError.subjectUnknown(request.subject) }
        let used = Set(policy.policy.purposes.filter { $0.coveredCategory(of: categories) != nil }.flatMap { $0.fields.map(\.id) })
        for field in values.keys.sorted() {
            guard let definition = policy.policy.field(field) else { throw StoreError.unknownField(field) }
            guard used.contains(field) else {
                throw RequestRefusal(code: .dataCategoryNotInPurpose, LibraryWords("rectification.notCollected", "no purpose for category '{categories}' uses '{field}'; it is not collected",
                                                                      ["categories": categories.joined(separator: "', '"), "field": field]))
            }
            guard !facts.erasedFields.contains(field) else {
                throw RequestRefusal(code: .fieldErased, LibraryWords("rectification.erased", "'{field}' was erased; storing a value would collect it again", ["field": field]))
            }
            guard !definition.derived else {
                throw RequestRefusal(code: .dataCategoryNotInPurpose, LibraryWords("rectification.derived", "'{field}' is derived; rectify the data it is computed from and compute it again", ["field": field]))
            }
        }
        let now = clock()
        let tasks = try notifications(subject: request.subject, request: id, fields: Set(values.keys), action: "rectify", at: now)
        // Which values replace one and which complete the data, as the facts just read say:
        // the outcome is recorded in the transaction that stores the values.
        let held = Set(facts.fields.map(\.field))
        let replaced = values.keys.filter(held.contains).sorted(), completed = values.keys.filter { !held.contains($0) }.sorted()
        let words = ["rectified": replaced.joined(separator: ", "), "completed": completed.joined(separator: ", "), "recipients": "\(tasks.count)"]
        let lists: Set = ["rectified", "completed"]
        let outcome = completed.isEmpty
            ? LibraryWords("outcome.rectified", "rectified {rectified}; {recipients} recipients to notify", words, fieldLists: lists)
            : replaced.isEmpty
            ? LibraryWords("outcome.completed", "completed {completed}; {recipients} recipients to notify", words, fieldLists: lists)
            : LibraryWords("outcome.rectifiedAndCompleted", "rectified {rectified}; completed {completed}; {recipients} recipients to notify", words,
                           fieldLists: lists)
        let stored = try store.rectify(subject: request.subject, values: values, source: "subject (rectification \(id))", tasks: tasks,
                                       closing: RequestClosing(request: id, outcome: outcome, actor: actor), at: now)
        return RectificationResult(request: id, subject: request.subject, at: now, rectified: stored, completed: values.keys.filter { !stored.contains($0) }.sorted(),
                                   notifications: tasks)
    }

    /// The request, if it is of `type` and may be acted on (requester and identity verified, open).
    package func actionableRequest(_ id: String, of type: RightsRequestType) throws -> RightsRequest {
        guard let request = try store.request(id) else { throw StoreError.io("no request \(id)") }
        guard request.type == type else {
            throw RequestRefusal(code: .dsarDeadline, LibraryWords("request.otherType", "request {id} is a {type} request, not {wanted}", ["id": id],
                                                                  phrases: ["type": .requestType(request.type), "wanted": .requestType(type)]))
        }
        try requests.requireActionable(request)
        return request
    }

    /// Marks a request completed with its outcome.
    package func complete(_ id: String, at now: Instant, by actor: String, outcome: LibraryWords) throws {
        _ = try store.updateRequest(id, at: now, by: actor) { current in
            var updated = current
            updated.close(as: .completed, at: now, outcome: outcome)
            return (updated, .fulfilled, outcome)
        }
    }
}
