package import Foundation
import CustosCrypto
package import CustosDecision
package import CustosPolicy
package import CustosStore

/// What an erasure destroyed and what it kept, and why (Art. 17(3)); signed with the vault's
/// key so the subject can be given proof.
package struct ErasureCertificate: Sendable, Codable {
    package struct Kept: Sendable, Codable {
        package var field: String
        package var purposes: [String]
        package var grounds: [Ground]
    }

    /// Why one purpose keeps one field: the code, the purpose's retention rule, and an
    /// explanation that names this field and the rule and law that keep it (Art. 17(3)(b), (e)).
    package struct Ground: Sendable, Codable {
        package var purpose: String
        package var code: ReasonCode
        package var rule: String?
        package var explanation: String
    }

    package var request: String
    package var subject: String
    package var at: Instant
    package var outcome: ReasonCode
    package var destroyed: [String]
    package var kept: [Kept]
    /// Nothing remained, so the subject's key was destroyed (crypto-shredding).
    package var subjectKeyDestroyed: Bool
    package var notifications: [RecipientTask]
    package var signature: String

    var signedBytes: [UInt8] {
        var copy = self
        copy.signature = ""
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(copy)).map { [UInt8]($0) } ?? []
    }

    /// The certificate as a file gives it (`custos request certificate`, the console's
    /// download): JSON with sorted keys, indented.
    package var fileBytes: Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return (try? encoder.encode(self)) ?? Data()
    }

    /// The unsigned certificate as the request keeps it until the erasure is done (JSON).
    var storedForm: String { String(decoding: signedBytes, as: UTF8.self) }
}

extension ErasureCertificate {
    /// The signed certificate of a completed erasure request, from the one it kept; nil for any
    /// other request (`RightsDesk.erasureCertificate`, the privacy centre's status link).
    static func issued(request id: String, store: any RightsStore, keyring: Keyring) throws -> ErasureCertificate? {
        guard let request = try store.request(id), request.type == .erasure, request.status == .completed,
              let stored = try store.erasureCertificate(of: id) else { return nil }
        var certificate = try ErasureCertificate(stored: stored, of: request)
        certificate.signature = Hex.encode(keyring.sign(certificate.signedBytes))
        return certificate
    }

    /// A certificate from its stored form; one that does not read, or names another request
    /// or subject, is an integrity error naming the request, never guessed at.
    init(stored: String, of request: RightsRequest) throws {
        do {
            self = try JSONDecoder().decode(ErasureCertificate.self, from: Data(stored.utf8))
        } catch {
            throw StoreError.integrity("the stored erasure certificate of request \(request.id) does not read")
        }
        guard self.request == request.id, subject == request.subject else {
            throw StoreError.integrity("the stored erasure certificate of request \(request.id) names another request or subject")
        }
    }
}

extension RightsDesk {
    /// Fulfils a verified erasure request, field by field: every purpose of the subject's
    /// category is asked (the evaluator's `erase` action, logged) whether it must keep each of
    /// its fields (a legal hold, a statutory minimum, a legal obligation, legal claims). A field
    /// no purpose keeps is destroyed; a kept field stays for the keeping purposes only. When
    /// nothing remains, the subject key is destroyed. Recipients of destroyed fields get Art. 19
    /// tasks, processors an Art. 28(3) instruction.
    ///
    /// The answers are logged with the (unsigned) certificate they make, before anything is
    /// destroyed; then the keyring's ledger, then the destruction, the tasks and the request's
    /// closing in one vault transaction (`RightsStore.applyErasure`). An erasure interrupted in
    /// between is finished, as decided, by fulfilling the request again.
    package func fulfilErasure(request id: String, by actor: String) throws -> ErasureCertificate {
        guard let request = try store.request(id) else { throw StoreError.io("no request \(id)") }
        guard request.type == .erasure else { throw RequestRefusal(code: .dsarDeadline, LibraryWords("request.notErasure", "request {id} is a {type} request, not erasure", ["id": id], phrases: ["type": .requestType(request.type)])) }
        try requests.requireActionable(request)
        var certificate = try store.erasureCertificate(of: id).map { try ErasureCertificate(stored: $0, of: request) } ?? decideErasure(request)
        let counts = ["code": certificate.outcome.rawValue, "destroyed": "\(certificate.destroyed.count)", "kept": "\(certificate.kept.count)"]
        let words = certificate.subjectKeyDestroyed
            ? LibraryWords("outcome.erasedWithKey", "{code}: destroyed {destroyed} fields, kept {kept}, subject key destroyed", counts)
            : LibraryWords("outcome.erased", "{code}: destroyed {destroyed} fields, kept {kept}", counts)
        try store.applyErasure(ErasureApplication(subject: request.subject, destroy: certificate.destroyed,
                                                  keep: Dictionary(certificate.kept.map { ($0.field, $0.purposes) }, uniquingKeysWith: +),
                                                  wholeSubject: certificate.subjectKeyDestroyed, tasks: certificate.notifications,
                                                  closing: RequestClosing(request: id, outcome: words, actor: actor)),
                               at: clock())
        certificate.signature = Hex.encode(keyring.sign(certificate.signedBytes))
        return certificate
    }

    /// The signed certificate of a completed erasure request, again: for the subject who lost
    /// it, the auditor, or a certificate file a kill kept from being written. Ed25519 signs
    /// deterministically, so it is the certificate given when the request was fulfilled, byte
    /// for byte. Nil for a request that is not an erasure completed with a stored certificate
    /// (one fulfilled before 5 December, when certificates were not yet kept).
    ///
    /// ```swift
    /// let again = try engine.rightsDesk.erasureCertificate(request: "RQ-2026-0001")
    /// ```
    package func erasureCertificate(request id: String) throws -> ErasureCertificate? {
        try ErasureCertificate.issued(request: id, store: store, keyring: keyring)
    }

    /// Asks every purpose what it keeps and logs the answers, with the certificate they make,
    /// in one transaction: one durable commit rather than one per purpose, and nothing
    /// destroyed yet. The first step of `fulfilErasure`, apart so that a test can stop there
    /// as a kill would.
    package func decideErasure(_ request: RightsRequest) throws -> ErasureCertificate {
        let now = clock()
        guard var facts = try facts(of: request.subject), let categories = facts.subject?.categories else { throw StoreError.subjectUnknown(request.subject) }
        // A request is not its own ground for refusal: the duty to answer this erasure request
        // (a rights-administration purpose that starts with it) does not keep what it asks to erase.
        if let own = facts.events.firstIndex(where: { $0.event == Vault.requestReceivedEvent && $0.date == request.receivedOn }) {
            facts.events.remove(at: own)
        }
        let stored = facts.fields.map(\.field)
        var keptFor: [String: [String]] = [:]
        var grounds: [String: [ErasureCertificate.Ground]] = [:]
        var outcomeCodes: Set<ReasonCode> = []
        // Every kind of subject the person is counts: a purpose of any of them may keep data.
        let asked = policy.policy.purposes.compactMap { purpose -> (purpose: Purpose, decision: Decision)? in
            guard purpose.coveredCategory(of: categories) != nil else { return nil }
            let fields = purpose.fields.map(\.id).filter { stored.contains($0) }
            guard !fields.isEmpty else { return nil }
            return (purpose, evaluator.decide(DecisionRequest(actor: officerActor(for: purpose), action: .erase, subject: request.subject, purpose: purpose.id.id,
                                                              fields: fields), facts: facts, at: now))
        }
        for (purpose, decision) in asked {
            for field in decision.fields {
                let keeps = field.reasons.filter { $0 == .erasurePartialLegalObligation || $0 == .erasurePartialLegalClaims }
                guard !keeps.isEmpty else { continue }
                keptFor[field.field, default: []].append(purpose.id.id)
                outcomeCodes.formUnion(keeps)
                // A decision keeps one explanation per code, the first field's; asked for this
                // field alone (not logged: the decision above is the record) it gives its own.
                let own = evaluator.decide(DecisionRequest(actor: officerActor(for: purpose), action: .erase, subject: request.subject, purpose: purpose.id.id, fields: [field.field]),
                                           facts: facts, at: now)
                for reason in own.reasons where keeps.contains(reason.code) {
                    grounds[field.field, default: []].append(ErasureCertificate.Ground(purpose: purpose.id.id, code: reason.code, rule: purpose.retention?.id, explanation: reason.explanation))
                }
            }
        }
        let destroyed = stored.filter { keptFor[$0] == nil }
        let outcome: ReasonCode = outcomeCodes.contains(.erasurePartialLegalObligation) ? .erasurePartialLegalObligation
            : outcomeCodes.contains(.erasurePartialLegalClaims) ? .erasurePartialLegalClaims : .erasureFull
        let certificate = ErasureCertificate(
            request: request.id, subject: request.subject, at: now, outcome: outcome, destroyed: destroyed.sorted(),
            kept: keptFor.keys.sorted().map { ErasureCertificate.Kept(field: $0, purposes: keptFor[$0]!, grounds: grounds[$0] ?? []) },
            subjectKeyDestroyed: keptFor.isEmpty,
            notifications: try notifications(subject: request.subject, request: request.id, fields: Set(destroyed), action: "erase", at: now), signature: "")
        let storedForm = certificate.storedForm
        _ = try store.inGateTransaction { transaction in
            let entries = try asked.map { try transaction.append($0.decision, at: now) }
            try transaction.recordErasureCertificate(storedForm, request: request.id)
            return entries
        }
        return certificate
    }

    /// Art. 19 / 28(3) tasks for every recipient that received any of `fields`.
    package func notifications(subject: String, request: String?, fields: Set<String>, action: String, at now: Instant) throws -> [RecipientTask] {
        var byRecipient: [String: Set<String>] = [:]
        for disclosure in try store.disclosures(of: subject) {
            let affected = fields.intersection(disclosure.fields)
            if !affected.isEmpty { byRecipient[disclosure.recipient, default: []].formUnion(affected) }
        }
        return byRecipient.keys.sorted().map { recipient in
            let processor = policy.policy.recipient(recipient).map { $0.role == .processor || $0.role == .subProcessor } ?? false
            return RecipientTask(kind: processor ? .instructProcessor : .notifyRecipient, subject: subject, request: request, recipient: recipient,
                                 action: action, fields: byRecipient[recipient]!.sorted(), createdAt: now)
        }
    }

    package func tasks(openOnly: Bool = true) throws -> [RecipientTask] { try store.tasks(openOnly: openOnly) }

    package func completeTask(_ id: Int64, by actor: String) throws { try store.completeTask(id, at: clock(), by: actor) }
}
