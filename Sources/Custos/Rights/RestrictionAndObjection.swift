import Foundation
import CustosDecision
import CustosPolicy
package import CustosStore

/// The grounds on which a subject may have processing restricted (Art. 18(1)).
package enum RestrictionGround: String, Sendable, CaseIterable, Codable {
    /// (a) the subject contests accuracy, for the time needed to verify it.
    case accuracyContested = "accuracy-contested"
    /// (b) processing is unlawful and the subject prefers restriction to erasure.
    case unlawfulProcessing = "unlawful-processing"
    /// (c) the controller no longer needs the data but the subject needs it for legal claims.
    case neededByTheSubjectForClaims = "needed-by-the-subject-for-claims"
    /// (d) the subject objected and the assessment of compelling grounds is pending.
    case objectionPending = "objection-pending"

    package var article: String {
        switch self {
        case .accuracyContested: "Art. 18(1)(a)"
        case .unlawfulProcessing: "Art. 18(1)(b)"
        case .neededByTheSubjectForClaims: "Art. 18(1)(c)"
        case .objectionPending: "Art. 18(1)(d)"
        }
    }
}

/// The answer to a restriction or objection request.
package struct RightsOutcome: Sendable, Codable {
    package var request: String
    /// In English, as recorded on the request.
    package var outcome: String
    package var notifications: [RecipientTask]
    /// The objection an objection request completed, as recorded (its kind, assessment and
    /// when it took effect), for saying the outcome in another language.
    package var objection: StoredObjection? = nil
}

extension RightsDesk {
    /// Fulfils a verified restriction request (Art. 18): the restriction is recorded (the
    /// evaluator then allows only storage, consent-based processing and legal claims), the
    /// recipients of the restricted fields get Art. 19 tasks, and the request is completed. It
    /// can be lifted only after the subject is told (`liftRestriction`).
    ///
    /// ```swift
    /// let outcome = try engine.fulfilRestriction(request: "RQ-2025-0004", fields: ["postal_address"],
    ///                                            ground: .accuracyContested, by: "officer")
    /// ```
    package func fulfilRestriction(request id: String, fields: [String]?, ground: RestrictionGround, by actor: String) throws -> RightsOutcome {
        let request = try actionableRequest(id, of: .restriction)
        guard let facts = try facts(of: request.subject) else { throw StoreError.subjectUnknown(request.subject) }
        for field in fields ?? [] where policy.policy.field(field) == nil { throw StoreError.unknownField(field) }
        let now = clock()
        let affected = Set(fields ?? facts.fields.map(\.field))
        let tasks = try notifications(subject: request.subject, request: id, fields: affected, action: "restrict", at: now)
        let article = ground.article, recipients = tasks.count
        let outcome: @Sendable (Int64) -> LibraryWords = { restriction in
            let values = ["id": "\(restriction)", "article": article, "recipients": "\(recipients)"]
            return if let fields {
                LibraryWords("outcome.restricted", "restriction #{id} on {fields} ({article}); lifted only after the subject is told; {recipients} recipients to notify",
                             values.merging(["fields": fields.joined(separator: ", ")]) { $1 }, fieldLists: ["fields"])
            } else {
                LibraryWords("outcome.restrictedAll", "restriction #{id} on all fields ({article}); lifted only after the subject is told; {recipients} recipients to notify", values)
            }
        }
        // The restriction, its tasks and the request's closing commit together (`RequestClosing`).
        let restriction = try store.restrict(subject: request.subject, fields: fields, ground: "\(ground.rawValue) (\(ground.article)), request \(id)", tasks: tasks,
                                             request: id, by: actor, outcome: outcome, since: now)
        return RightsOutcome(request: id, outcome: outcome(restriction).description, notifications: tasks)
    }

    /// Completes an objection request. The objection itself took effect when the request was
    /// opened: direct marketing stopped at once (Art. 21(3)); a general objection stopped the
    /// purpose until the officer recorded an assessment (`assessObjection`), so it is refused
    /// while the assessment is missing; an Art. 22 objection puts every automated decision
    /// under the purpose before a human.
    package func fulfilObjection(request id: String, by actor: String) throws -> RightsOutcome {
        guard let request = try store.request(id) else { throw StoreError.io("no request \(id)") }
        let kind: ObjectionKind
        switch request.type {
        case .objection: kind = .general
        case .objectionDirectMarketing: kind = .directMarketing
        case .objectionAutomatedDecision: kind = .automatedDecision
        default: throw RequestRefusal(code: .dsarDeadline, LibraryWords("request.notObjection", "request {id} is a {type} request, not an objection", ["id": id],
                                                                 phrases: ["type": .requestType(request.type)]))
        }
        try requests.requireActionable(request)
        let recorded = try store.objections(of: request.subject).filter { $0.objection.kind == kind && $0.objection.purpose == request.purpose }
        guard let objection = recorded.last else { throw StoreError.io("the objection of request \(id) is not on record") }
        // A purpose is an id, the same in every language: a phrase of its own, so that a page
        // does not take it for English left untranslated.
        let scope = request.purpose.map { LibraryWords("outcome.purpose", "'{purpose}'", ["purpose": $0]) }
            ?? LibraryWords("outcome.everyPurpose", "every purpose it applies to")
        let number = "\(objection.id)", since = "\(objection.objection.at)"
        let outcome: LibraryWords
        switch kind {
        case .directMarketing:
            outcome = LibraryWords("outcome.directMarketingStopped", "direct marketing stopped on {since} (Art. 21(3)); a suppression entry is kept to honour it", ["since": since])
        case .automatedDecision:
            outcome = LibraryWords("outcome.automatedDecisionsHuman", "automated decisions under {scope} now need a human who can change them (Art. 22(3))", phrases: ["scope": scope])
        case .general:
            switch objection.objection.assessment {
            case .overridden?:
                outcome = LibraryWords("outcome.objectionOverridden", "objection #{id} to {scope} assessed: compelling legitimate grounds override it ({reference})",
                                       ["id": number, "reference": objection.objection.assessmentReference ?? "-"], phrases: ["scope": scope])
            case .upheld?:
                outcome = LibraryWords("outcome.objectionUpheld", "objection #{id} upheld: processing under {scope} stopped on {since}", ["id": number, "since": since],
                                       phrases: ["scope": scope])
            case .pending?, nil:
                throw RequestRefusal(code: .objectionNoCompellingGrounds,
                                     LibraryWords("objection.notAssessed", "objection #{id} has no assessment yet; processing stays stopped. Record it with 'custos objection assess --id {id}'",
                                                  ["id": number]))
            }
        }
        try complete(id, at: clock(), by: actor, outcome: outcome)
        return RightsOutcome(request: id, outcome: outcome.description, notifications: [], objection: objection)
    }
}
