package import Foundation
package import CustosPolicy
package import CustosDecision
package import CustosStore

/// The gate every read, share and logged decision passes, over any `DecisionStore`: facts
/// load, the evaluator decides, permitted fields are decrypted into memory, the decision is
/// logged durably, and only then are values released. A failure anywhere is a deny with
/// `ENGINE_ERROR` and no values. `PrivacyEngine` runs it over its vault; the same rules run
/// over a PostgreSQL vault.
///
/// ```swift
/// let gate = GatedAccess(policy: compiled, evaluator: Evaluator(policy: compiled), store: store, clock: { .now })
/// let result = gate.gate(DecisionRequest(actor: "collections-service", action: .read, subject: "D-1", purpose: "P-DEBT-COLLECT", fields: ["email"]))
/// ```
package struct GatedAccess: Sendable {
    package let policy: CompiledPolicy
    package let evaluator: Evaluator
    package let store: any DecisionStore
    package let clock: @Sendable () -> Instant

    package init(policy: CompiledPolicy, evaluator: Evaluator, store: any DecisionStore, clock: @escaping @Sendable () -> Instant) {
        self.policy = policy
        self.evaluator = evaluator
        self.store = store
        self.clock = clock
    }

    package func gate(_ request: DecisionRequest, releaseValues: Bool = true) -> GatedResult {
        switch decideBeforeLogging(request, releaseValues: releaseValues) {
        case let .answered(result):
            return result
        case let .toLog(entry):
            // Durable before the caller sees it; concurrent callers share the fsync.
            return logged(entry, Result { try store.append(entry.decision, at: entry.at, informing: entry.task) })
        }
    }

    /// The gate in two steps, for a caller that must not block while the log commits (the
    /// server): this synchronous step loads, decides and opens the values, and the
    /// asynchronous `log(_:)` appends the entry and only then releases them. A share is
    /// decided, logged and recorded in its own write transaction here, so it comes back
    /// answered.
    ///
    /// ```swift
    /// let step = try await executor.run { gate.decideBeforeLogging(request) }  // off the pool
    /// let result = await gate.log(step)                                         // suspends, never blocks
    /// ```
    package func decideBeforeLogging(_ request: DecisionRequest, releaseValues: Bool = true) -> GateStep {
        let request = request.withControlCharactersEscaped
        if request.action == .share { return .answered(gateShare(request, releaseValues: releaseValues)) }
        let at = clock()
        do {
            let (decision, values) = try evaluate(request, at: at, releaseValues: releaseValues) {
                // Facts and the requested ciphertexts in one read transaction.
                let read = try store.factsAndCiphertexts(of: request.subject, fields: releaseValues ? request.fields : [])
                return (read.facts, read.ciphertexts)
            }
            // A communication before the Art. 14 information leaves the officer's task, which
            // commits with the entry (the log gives it the entry's sequence number).
            let task = InformationTask.owed(after: decision, seq: nil, at: at, policy: policy)
            return .toLog(UnloggedEntry(request: request, decision: decision, at: at, task: task, values: values))
        } catch {
            return .answered(unlogged(request, because: error))
        }
    }

    /// Appends a decided step's entry without blocking a thread and releases its values once
    /// the entry is durable; a failed append is a deny with `ENGINE_ERROR` and no values.
    package func log(_ step: GateStep) async -> GatedResult {
        switch step {
        case let .answered(result):
            return result
        case let .toLog(entry):
            do { return logged(entry, .success(try await store.append(entry.decision, at: entry.at, informing: entry.task))) } catch { return logged(entry, .failure(error)) }
        }
    }

    /// The gate for a caller on a thread of its own that must not wait there for the group
    /// commit (the server's engine threads): it decides on this thread, appends the entry and
    /// returns; `answer` gets the result once the entry is durable (at once when there is
    /// nothing to log), and only then the values. A request's task thus suspends once for the
    /// decision and its entry, not once for each: one wake-up less per gated call.
    ///
    /// ```swift
    /// let result = await withUnsafeContinuation { continuation in
    ///     engineThreads.submit { gate.gate(request) { continuation.resume(returning: $0) } }
    /// }
    /// ```
    package func gate(_ request: DecisionRequest, releaseValues: Bool = true, answer: @escaping @Sendable (GatedResult) -> Void) {
        switch decideBeforeLogging(request, releaseValues: releaseValues) {
        case let .answered(result):
            answer(result)
        case let .toLog(entry):
            store.append(entry.decision, at: entry.at, informing: entry.task) { [self] appended in answer(logged(entry, appended)) }
        }
    }

    /// A share is decided, logged and recorded in one write transaction, so the occasional
    /// limit of Art. 49 transfers is checked against a history no other share can change
    /// meanwhile (DESIGN §7).
    private func gateShare(_ request: DecisionRequest, releaseValues: Bool) -> GatedResult {
        do {
            return try store.inGateTransaction { transaction -> GatedResult in
                let loaded = Result { try loadShare(request, in: transaction, releaseValues: releaseValues) }
                // The decision's instant is taken after the serialisation point (SQLite's write
                // lock, the recipient's lock on PostgreSQL), never before it: a share that waited
                // for another must count that one's transfer, and the limit counts only transfers
                // up to the decision's instant. Taken before the wait, a transfer committed while
                // this share waited looked later than it, and the limit let it through.
                let at = clock()
                let (decision, values) = try evaluate(request, at: at, releaseValues: releaseValues) { try loaded.get() }
                let seq = try transaction.append(decision, at: at)
                if releaseValues, let task = InformationTask.owed(after: decision, seq: seq, at: at, policy: policy) { try transaction.recordInformationTask(task) }
                // A disclosure is what was released: only a share that hands values over
                // records one (never `decide`), and only of the fields it actually released.
                let released = decision.permittedFields.filter { values[$0] != nil }
                if releaseValues, decision.outcome != .deny, !released.isEmpty, let recipient = request.recipient {
                    let declared: String? = policy.compiledRecipient(recipient).flatMap { compiled in
                        if case let .fixed(country) = compiled.recipient.country { country } else { nil }
                    }
                    try transaction.recordDisclosure(
                        DisclosureRecord(recipient: recipient, recipientName: request.recipientName, purpose: request.purpose, fields: released,
                                         destination: request.destination ?? declared, mechanism: Self.mechanism(of: decision),
                                         procedure: request.procedure),
                        subject: request.subject, seq: seq, at: at)
                }
                return GatedResult(decision: decision, logSequence: seq, values: values)
            }
        } catch {
            return unlogged(request, because: error)
        }
    }

    /// A share's facts and values, read in its transaction.
    private func loadShare(_ request: DecisionRequest, in transaction: any GateTransaction, releaseValues: Bool) throws -> (Facts?, [String: Data]?) {
        // What a processor receives reaches its sub-processors: their authorisation records are
        // facts of a share to a processor or a sub-processor, and of no other share.
        var facts = try transaction.facts(of: request.subject)
        let role = request.recipient.flatMap { policy.compiledRecipient($0)?.role }
        if role == .processor || role == .subProcessor { facts?.subProcessors = try transaction.subProcessorRecords() }
        // The occasional limit of Art. 49 counts the recipient's procedures over every subject
        // (gdpr.md §12); only a recipient the policy allows a derogation needs them.
        if let recipient = request.recipient, facts != nil, policy.compiledRecipient(recipient)?.recipient.transfer?.derogation != nil {
            facts?.transfers = try transaction.derogationTransfers(to: recipient)
        }
        // The values are read in this transaction too: on PostgreSQL a second connection per
        // share could wait for a pool its own shares hold.
        guard facts != nil else { return (nil, [:]) }
        return (facts, try transaction.ciphertexts(of: request.subject, fields: releaseValues ? request.fields + ["birth_date"] : ["birth_date"]))
    }

    /// Loads facts, decides, and decrypts the permitted fields into memory before anything
    /// is logged, so the logged decision says exactly what is released.
    /// `load` returns the facts and, when it could read them in the same transaction, the
    /// requested ciphertexts. A store or keyring that cannot be reached is thrown: the caller
    /// decides nothing on partial facts and answers that the store is unavailable.
    private func evaluate(_ request: DecisionRequest, at: Instant, releaseValues: Bool,
                          facts load: () throws -> (Facts?, [String: Data]?)) throws -> (Decision, [String: String]) {
        var decision: Decision
        let ciphertexts: [String: Data]?
        do {
            let (facts, read) = try load()
            ciphertexts = read
            decision = try decideOnVault(request, facts: facts, at: at, ciphertexts: read)
        } catch where StoreError.isUnavailable(error) {
            throw error
        } catch {
            return (.failure(request, code: .engineError, explanation: "the facts could not be loaded", digest: policy.digest), [:])
        }
        guard releaseValues, decision.outcome != .deny, request.action == .read || request.action == .share else { return (decision, [:]) }
        let permitted = decision.permittedFields
        let opened = try ciphertexts.map { try store.open(Self.only(permitted, of: $0), of: request.subject) }
            ?? store.openFields(permitted, of: request.subject)
        // Every permitted field opened: the decision stands and the values are exactly its fields.
        if opened.unreadable.isEmpty { return (decision, opened.values) }
        decision = decision.withholding(opened.unreadable, code: .fieldUnreadable,
                                        explanation: "the stored value does not open: its ciphertext or key fails integrity checks")
        let released = Set(decision.permittedFields)
        return (decision, decision.outcome == .deny ? [:] : opened.values.filter { released.contains($0.key) })
    }

    /// The ciphertexts of the permitted fields: all of them as read when the read asked for
    /// exactly those (the usual case), without building a second dictionary.
    private static func only(_ permitted: [String], of ciphertexts: [String: Data]) -> [String: Data] {
        if ciphertexts.count <= permitted.count, ciphertexts.keys.allSatisfy(permitted.contains) { return ciphertexts }
        let wanted = Set(permitted)
        return ciphertexts.filter { wanted.contains($0.key) }
    }

    /// A decided entry's result once its append is known: its values only with its sequence
    /// number, a deny with `ENGINE_ERROR` and no values when the append failed. The one rule
    /// for the three forms of the gate.
    private func logged(_ entry: UnloggedEntry, _ appended: Result<Int64, any Error>) -> GatedResult {
        switch appended {
        case let .success(seq): entry.logged(as: seq)
        case let .failure(error): unlogged(entry.request, because: error)
        }
    }

    /// Nothing could be logged: fail closed and release nothing.
    private func unlogged(_ request: DecisionRequest, because error: any Error) -> GatedResult {
        GatedResult(decision: .failure(request, code: .engineError, explanation: "the decision could not be logged", digest: policy.digest),
                    logSequence: nil, values: [:], storeUnavailable: StoreError.isUnavailable(error))
    }

    /// The evaluator's decision on vault facts, with the birth date decrypted for the age check.
    package func decideOnVault(_ request: DecisionRequest, facts stored: Facts?, at: Instant, ciphertexts: [String: Data]? = nil) throws -> Decision {
        guard var facts = stored else {
            return evaluator.decide(request, facts: Facts(subject: nil), at: at)
        }
        // The birth date only matters for the consent age check: other bases never decrypt it.
        let consentBased = facts.subject.map { subject in policy.compiledPurpose(request.purpose)?.restsOnConsent(forAnyOf: subject.categories) ?? false } ?? false
        if consentBased, facts.fields.contains(where: { $0.field == "birth_date" }) {
            let opened = try ciphertexts?["birth_date"].map { try store.open(["birth_date": $0], of: request.subject) }
                ?? store.openFields(["birth_date"], of: request.subject)
            if !opened.unreadable.isEmpty {
                return .failure(request, code: .fieldUnreadable, explanation: "the subject's birth date does not open", digest: policy.digest)
            }
            facts.subject?.birthDate = opened.values["birth_date"].flatMap(LocalDate.init(parsing:))
        }
        return evaluator.decide(request, facts: facts, at: at)
    }

    static func mechanism(of decision: Decision) -> String? {
        let codes = Set(decision.codes)
        // The recipient's own mechanism: an EEA recipient's sub-processors abroad add theirs.
        if codes.contains(.intraEEA) { return "intra-eea" }
        if codes.contains(.transferDerogationLegalClaims) { return "art-49-1-e" }
        if codes.contains(.transferDPF) { return "adequacy-dpf" }
        if codes.contains(.transferAdequacy) { return "adequacy" }
        if codes.contains(.transferSCC) { return "scc" }
        if codes.contains(.transferBCR) { return "bcr" }
        if codes.contains(.intraEEA) { return "intra-eea" }
        return nil
    }
}

extension DecisionRequest {
    /// The request decided on the vault's facts at the gate's own instant: a caller cannot
    /// backdate a decision on vault facts.
    package var onVaultFacts: DecisionRequest {
        var request = self
        request.at = nil
        return request
    }
}

/// Where a gated call stands between deciding and logging (`GatedAccess.decideBeforeLogging`).
package enum GateStep: Sendable {
    /// Nothing left to log: a share (logged in its own transaction) or a failure, answered.
    case answered(GatedResult)
    /// Decided, its values opened but not released until its entry is durable.
    case toLog(UnloggedEntry)
}

/// A decision whose log entry is still to be written, with the values it will release.
package struct UnloggedEntry: Sendable {
    let request: DecisionRequest
    let decision: Decision
    let at: Instant
    /// The officer's Art. 14 task, committed with the entry.
    let task: InformationTask?
    let values: [String: String]

    func logged(as seq: Int64) -> GatedResult { GatedResult(decision: decision, logSequence: seq, values: values) }
}
