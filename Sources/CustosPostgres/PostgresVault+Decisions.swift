package import Foundation
import Dispatch
import Synchronization
import PostgresNIO
package import CustosStore
package import CustosPolicy
package import CustosDecision

/// The gate's store on PostgreSQL (`DecisionStore`): facts read in one snapshot, the log's
/// group commit shared by this process's reads, and a share's whole transaction on one
/// connection with the Art. 49 counter serialised per recipient across every process.
extension PostgresVault: DecisionStore {
    package func factsAndCiphertexts(of subject: String, fields: [String]) throws -> (facts: Facts?, ciphertexts: [String: Data]) {
        let policy = policy
        return try transaction { connection, logger in
            // One snapshot for every statement below, as SQLite's read transaction gives.
            try await connection.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY", logger: logger)
            guard let facts = try await Self.facts(of: subject, on: connection, policy: policy) else { return (nil, [:]) }
            return (facts, try await Self.ciphertexts(of: subject, fields: fields, on: connection))
        }
    }

    package func openFields(_ fields: [String], of subject: String) throws -> (values: [String: String], unreadable: Set<String>) {
        guard !fields.isEmpty else { return ([:], []) }
        let rows: [String: Data]
        do {
            rows = try run { client, _ in
                try await client.withConnection { connection in try await Self.ciphertexts(of: subject, fields: fields, on: connection) }
            }
        } catch where StoreError.isUnavailable(error) {
            throw error
        } catch {
            return ([:], Set(fields))
        }
        return try keyring.open(rows, of: subject)
    }

    package func open(_ ciphertexts: [String: Data], of subject: String) throws -> (values: [String: String], unreadable: Set<String>) {
        try keyring.open(ciphertexts, of: subject)
    }

    package func append(_ decision: Decision, at: Instant, informing task: InformationTask?) throws -> Int64 {
        let log = log
        return try run { _, _ in try await log.append(decision, at: at, informing: task) }
    }

    /// The server's append: it awaits the group commit with the same deadline, never blocking.
    package func append(_ decision: Decision, at: Instant, informing task: InformationTask?) async throws -> Int64 {
        let log = log
        do {
            return try await BlockingBridge.awaiting { try await log.append(decision, at: at, informing: task) }
        } catch {
            throw PostgresDatabase.storeError(error)
        }
    }

    /// BEGIN on a connection of the pool held for this thread, the caller's body with every
    /// statement on that connection, then COMMIT (or ROLLBACK when the body throws). A COMMIT
    /// whose outcome is unknown is `StoreError.unavailable`: the gate answers a deny.
    package func inGateTransaction<T>(_ body: (any GateTransaction) throws -> T) throws -> T {
        try inHeldTransaction("a share's or a store's") { try body($0) }
    }

    // MARK: reading facts

    /// Everything the evaluator needs about one subject, as `Vault.loadFacts` reads it on
    /// SQLite: the subject row says which of the rarer tables hold anything for it. Texts are
    /// ordered by `COLLATE "C"`, byte order as on SQLite, so both give the same facts.
    static func facts(of subject: String, on connection: PostgresConnection, policy: CompiledPolicy) async throws -> Facts? {
        let logger = PostgresDatabase.logger
        let head = try await connection.query("""
            SELECT category, kind, consumer, contract_party,
              (SELECT string_agg(category, E'\\n') FROM subject_categories WHERE subject_id = s.id),
              EXISTS (SELECT 1 FROM objections WHERE subject_id = s.id), EXISTS (SELECT 1 FROM restrictions WHERE subject_id = s.id),
              EXISTS (SELECT 1 FROM legal_holds WHERE subject_id = s.id), EXISTS (SELECT 1 FROM erased_fields WHERE subject_id = s.id),
              EXISTS (SELECT 1 FROM consent_state WHERE subject_id = s.id), EXISTS (SELECT 1 FROM information_given WHERE subject_id = s.id)
            FROM subjects s WHERE id = \(subject)
            """, logger: logger)
        var found: (String, String, Bool, Bool, String?, Bool, Bool, Bool, Bool, Bool, Bool)?
        for try await row in head.decode((String, String, Bool, Bool, String?, Bool, Bool, Bool, Bool, Bool, Bool).self) { found = row }
        guard let (category, kind, consumer, contractParty, others, hasObjections, hasRestrictions, hasHolds, hasErasures, hasConsents, hasInformation) = found
        else { return nil }
        var facts = Facts(subject: SubjectFacts(id: subject, categories: [category] + (lines(others) ?? []).sorted(),
                                                kind: SubjectKind(rawValue: kind) ?? .naturalPerson, consumer: consumer, contractParty: contractParty))
        for try await (event, date) in try await connection.query(
            "SELECT event, effective_date FROM lifecycle_events WHERE subject_id = \(subject) ORDER BY id", logger: logger).decode((String, String).self) {
            if let date = LocalDate(parsing: date) { facts.events.append(LifecycleEventFact(event: event, date: date)) }
        }
        if hasObjections {
            for try await (purpose, kind, at, assessment, reference) in try await connection.query(
                "SELECT purpose, kind, effective_at, assessment, assessment_reference FROM objections WHERE subject_id = \(subject) ORDER BY id",
                logger: logger).decode((String?, String, Int64, String?, String?).self) {
                facts.objections.append(Objection(purpose: purpose, kind: ObjectionKind(rawValue: kind) ?? .general, at: Instant(millisecondsSinceEpoch: at),
                                                  assessment: assessment.flatMap(ObjectionAssessment.init(rawValue:)), assessmentReference: reference))
            }
        }
        if hasRestrictions {
            for try await (fields, since, lifted, ground) in try await connection.query(
                "SELECT fields, since, lifted, ground FROM restrictions WHERE subject_id = \(subject) ORDER BY id", logger: logger)
                .decode((String?, Int64, Int64?, String?).self) {
                facts.restrictions.append(Restriction(fields: lines(fields), since: Instant(millisecondsSinceEpoch: since),
                                                      lifted: lifted.map(Instant.init(millisecondsSinceEpoch:)), ground: ground))
            }
        }
        if hasHolds {
            for try await (reference, since, until, fields, purposes) in try await connection.query(
                "SELECT reference, since, until, fields, purposes FROM legal_holds WHERE subject_id = \(subject) ORDER BY id", logger: logger)
                .decode((String, String, String?, String?, String?).self) {
                guard let since = LocalDate(parsing: since) else { continue }
                facts.legalHolds.append(LegalHold(reference: reference, since: since, until: until.flatMap(LocalDate.init(parsing:)),
                                                  fields: lines(fields), purposes: lines(purposes)))
            }
        }
        if hasErasures {
            for try await field in try await connection.query(
                "SELECT field FROM erased_fields WHERE subject_id = \(subject) ORDER BY field COLLATE \"C\"", logger: logger).decode(String.self) {
                facts.erasedFields.append(field)
            }
        }
        for try await (field, collectedAt, collectedFor, source, keptFor) in try await connection.query(
            "SELECT field, collected_at, collected_for, source, kept_for FROM fields WHERE subject_id = \(subject) ORDER BY field COLLATE \"C\"",
            logger: logger).decode((String, Int64, String?, String, String?).self) {
            facts.fields.append(FieldProvenance(field: field, collected: policy.localDate(of: Instant(millisecondsSinceEpoch: collectedAt)),
                                                collectedFor: lines(collectedFor), source: source, keptFor: lines(keptFor)))
        }
        if hasConsents {
            // One lookup in the folded state: the evaluator needs only the event in force.
            var consents: [ConsentLedgerEvent] = []
            for try await row in try await connection.query(PostgresQuery(unsafeSQL: """
                SELECT \(consentColumns) FROM consent_state s JOIN consent_events e ON e.id = s.event_id WHERE s.subject_id = $1
                """, binds: PostgresDatabase.binds(subject)), logger: logger) {
                consents.append(try consentEvent(row, subject: subject))
            }
            facts.consents = consents.sorted { $0.purpose < $1.purpose }.map { event in
                ConsentRecord(purpose: event.purpose, notice: event.noticeReference, events: [event.decisionEvent])
            }
        }
        if hasInformation {
            for try await (notice, at, exception) in try await connection.query(
                "SELECT notice, given_at, exception FROM information_given WHERE subject_id = \(subject) ORDER BY id", logger: logger)
                .decode((String, Int64, String?).self) {
                facts.information.append(InformationGiven(notice: notice, at: Instant(millisecondsSinceEpoch: at),
                                                          exception: exception.flatMap(InformationException.init(rawValue:))))
            }
        }
        return facts
    }

    static func consentEvent(_ row: PostgresRow, subject: String) throws -> ConsentLedgerEvent {
        let e = try row.decode((String, String, String?, Int?, String?, String?, String?, String?, String?, String,
                                String?, String?, Int?, Bool, Bool, Bool, Int64, Int64, String).self)
        return ConsentLedgerEvent(
            subject: subject, purpose: e.0, state: ConsentState(rawValue: e.1) ?? .invalidated, noticeId: e.2, noticeVersion: e.3,
            noticeHash: e.4, language: e.5, method: e.6.flatMap(ConsentMethod.init(rawValue:)), channel: e.7, evidence: e.8,
            expressedBy: ConsentGiver(rawValue: e.9) ?? .subject,
            parentalAuthorisation: e.10.map { ParentalAuthorisation(by: $0, verifiedVia: e.11 ?? "") }, ageAtConsent: e.12,
            presentedSeparately: e.13, preTicked: e.14, conditionalOnService: e.15,
            recordedAt: Instant(millisecondsSinceEpoch: e.16), effectiveAt: Instant(millisecondsSinceEpoch: e.17), recordedBy: e.18)
    }

    /// One statement for the subject's fields rather than one per requested field.
    static func ciphertexts(of subject: String, fields: [String], on connection: PostgresConnection) async throws -> [String: Data] {
        var found: [String: Data] = [:]
        guard !fields.isEmpty else { return found }
        for try await (field, ciphertext) in try await connection.query(
            "SELECT field, ciphertext FROM fields WHERE subject_id = \(subject)", logger: PostgresDatabase.logger).decode((String, Data).self)
            where fields.contains(field) {
            found[field] = ciphertext
        }
        return found
    }

    /// The first task of a subject and notice stays; a task whose subject is gone is left out
    /// (a read's task commits with the log's group, which an erasure in between must not fail).
    static func insert(_ task: InformationTask, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("""
            INSERT INTO information_tasks (subject_id, notice, purpose, trigger, recipient, at, seq)
            SELECT \(task.subject), \(task.notice), \(task.purpose), \(task.trigger.rawValue), \(task.recipient), \(task.at.millisecondsSinceEpoch), \(task.logSequence)
            WHERE EXISTS (SELECT 1 FROM subjects WHERE id = \(task.subject))
            ON CONFLICT DO NOTHING
            """, logger: logger)
    }

    static func lines(_ text: String?) -> [String]? { text.map { $0.split(separator: "\n").map(String.init) } }
}

/// A transaction on a held connection, driven by a synchronous caller (a share, an import):
/// each call runs its statements on that connection while the thread waits.
struct HeldTransaction: GateTransaction {
    let connection: PostgresConnection
    let vault: PostgresVault

    func wait<T>(_ work: @escaping @Sendable (PostgresConnection, Logger) async throws -> T) throws -> T {
        let connection = connection
        do {
            return try BlockingBridge.wait { try await work(connection, PostgresDatabase.logger) }
        } catch {
            throw PostgresDatabase.storeError(error)
        }
    }

    func execute(_ sql: String) throws {
        try wait { connection, logger in _ = try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger) }
    }

    func facts(of subject: String) throws -> Facts? {
        let policy = vault.policy
        return try wait { connection, _ in try await PostgresVault.facts(of: subject, on: connection, policy: policy) }
    }

    func ciphertexts(of subject: String, fields: [String]) throws -> [String: Data] {
        try wait { connection, _ in try await PostgresVault.ciphertexts(of: subject, fields: fields, on: connection) }
    }

    func subProcessorRecords() throws -> [SubProcessorRecord] {
        try wait { connection, logger in
            var records: [SubProcessorRecord] = []
            for try await (recipient, state, at) in try await connection.query(
                "SELECT recipient, state, at FROM subprocessor_records ORDER BY id", logger: logger).decode((String, String, Int64).self) {
                guard let state = AuthorisationState(rawValue: state) else { continue }
                records.append(SubProcessorRecord(recipient: recipient, state: state, at: Instant(millisecondsSinceEpoch: at)))
            }
            return records
        }
    }

    /// Takes the recipient's lock first (held until this transaction ends): a share to the same
    /// recipient in any other process waits here, and then counts this one's transfer.
    func derogationTransfers(to recipient: String) throws -> [TransferRecord] {
        try wait { connection, logger in
            try await connection.query(
                "SELECT pg_advisory_xact_lock(\(PostgresSchema.derogationLockClass), hashtext(\(recipient)))", logger: logger)
            var transfers: [TransferRecord] = []
            for try await (recipient, destination, procedure, at) in try await connection.query("""
                SELECT recipient, destination, procedure, at FROM disclosures WHERE recipient = \(recipient) AND mechanism = 'art-49-1-e' ORDER BY id
                """, logger: logger).decode((String, String?, String?, Int64).self) {
                transfers.append(TransferRecord(recipient: recipient, destination: destination, procedure: procedure, at: Instant(millisecondsSinceEpoch: at)))
            }
            return transfers
        }
    }

    func append(_ decision: Decision, at: Instant) throws -> Int64 {
        let entry = LogEntry(decision, at: at)
        return try wait { connection, _ in try await PostgresDecisionLog.insert([entry], on: connection)[0] }
    }

    func recordInformationTask(_ task: InformationTask) throws {
        try wait { connection, logger in try await PostgresVault.insert(task, on: connection, logger: logger) }
    }

    func recordErasureCertificate(_ certificate: String, request: String) throws {
        try wait { connection, logger in
            _ = try await connection.query("UPDATE requests SET erasure_certificate = \(certificate) WHERE id = \(request)", logger: logger)
        }
    }

    func recordDisclosure(_ disclosure: DisclosureRecord, subject: String, seq: Int64, at: Instant) throws {
        try wait { connection, logger in
            _ = try await connection.query("""
                INSERT INTO disclosures (subject_id, recipient, purpose, fields, at, destination, mechanism, procedure, decision_seq, recipient_name)
                VALUES (\(subject), \(disclosure.recipient), \(disclosure.purpose), \(disclosure.fields.joined(separator: "\n")), \(at.millisecondsSinceEpoch),
                        \(disclosure.destination), \(disclosure.mechanism), \(disclosure.procedure), \(seq), \(disclosure.recipientName))
                """, logger: logger)
        }
    }
}

/// A pooled connection held for a synchronous caller: a task leases it and waits until the
/// caller releases it, so the pool gets it back whatever happens in between.
final class ConnectionLease: Sendable {
    private struct State {
        var connection: PostgresConnection?
        var error: (any Error)?
        var done: CheckedContinuation<Void, Never>?
        var abandoned = false
    }
    private let state = Mutex(State())
    private let leased = DispatchSemaphore(value: 0)

    var connection: PostgresConnection { state.withLock { $0.connection! } }

    static func take(from client: PostgresClient) throws -> ConnectionLease {
        let lease = ConnectionLease()
        Task {
            do {
                try await client.withConnection { connection in
                    await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
                        let abandoned = lease.state.withLock { state in
                            state.connection = connection
                            state.done = done
                            return state.abandoned
                        }
                        if abandoned { done.resume() } else { lease.leased.signal() }
                    }
                }
            } catch {
                lease.state.withLock { $0.error = error }
                lease.leased.signal()
            }
        }
        guard lease.leased.wait(timeout: .now() + .seconds(5)) == .success else {
            // Whenever the pool hands a connection over now, it goes straight back.
            let late = lease.state.withLock { state -> CheckedContinuation<Void, Never>? in
                state.abandoned = true
                defer { state.done = nil }
                return state.done
            }
            late?.resume()
            throw StoreError.unavailable("no database connection within 5 s")
        }
        if let error = lease.state.withLock({ $0.error }) {
            throw StoreError.unavailable(PostgresDatabase.mapped(error).description)
        }
        return lease
    }

    func release() {
        let done = state.withLock { state -> CheckedContinuation<Void, Never>? in
            defer { state.done = nil }
            return state.done
        }
        done?.resume()
    }
}
