import Foundation
import Synchronization
import Testing
import PostgresNIO
@testable import CustosPostgres
@testable import CustosOnPostgres
@testable import CustosStore
@testable import Custos
import CustosPolicy
import CustosDecision
import CustosCrypto
import CustosReports

/// The service API's engine on both backends, through the same protocol and the same rules:
/// storing under a logged decision, consent receipts, objections and the request book give the
/// same answers on SQLite and on PostgreSQL.
@Suite(.serialized) struct ServiceEngineTests {
    typealias Backend = KeyringStorageTests.Backend

    /// What a test drives: the engine as the server sees it, plus the officer's calls the
    /// protocol leaves out (adding subjects, the request desk, the log).
    struct Harness: @unchecked Sendable {
        let engine: any ServiceEngine
        let requests: RequestDesk
        let officer: OfficerDesk
        let rights: RightsDesk
        let sweeper: RetentionSweeper
        let information: InformationDesk
        let breaches: BreachDesk
        let mailroom: Mailroom
        let door: PublicDoor
        let office: ConsoleBackend
        let sendLetters: (_ breach: String) throws -> BreachLetterRun
        let add: ([NewSubject]) throws -> Void
        let verifyLog: () throws -> LogVerification
        /// The store under the gate (the log, facts, ciphertexts).
        let store: any DecisionStore
    }

    static let clock = Mutex(Instant(iso8601: "2025-06-02T10:00:00+02:00")!)
    static let read: @Sendable () -> Instant = { clock.withLock { $0 } }

    static func withEngine(_ backend: Backend, _ body: @escaping @Sendable (Harness) throws -> Void) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("custos-service-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        switch backend {
        case .sqlite:
            try await KeyringStorageTests.offThePool {
                let engine = try PrivacyEngine.initialise(vault: folder.appendingPathComponent("custos.db").path,
                                                          masterKey: .file(folder.appendingPathComponent("custos.key").path),
                                                          policies: PostgresVaultTests.policies, clock: read)
                try body(Harness(engine: engine, requests: engine.requestDesk, officer: engine.officerDesk, rights: engine.rightsDesk, sweeper: engine.retentionSweeper, information: engine.informationDesk, breaches: engine.breachDesk, mailroom: engine.mailroom, door: engine.publicDoor,
                                 office: engine.consoleBackend, sendLetters: { try engine.consoleBackend.sendBreachLetters($0, language: "en", by: "officer") { _ in } }, add: { try engine.addSubjects($0, by: "test") }, verifyLog: engine.verifyLog, store: engine.store))
            }
        case .postgres:
            try await PostgresDecisionLogTests.withDatabase { address in
                try await KeyringStorageTests.offThePool {
                    let engine = try PostgresEngine.initialise(vault: address, keyring: KeyringFile(path: folder.appendingPathComponent("custos.keys.db").path),
                                                               masterKey: .file(folder.appendingPathComponent("custos.key").path),
                                                               policies: PostgresVaultTests.policies, clock: read)
                    try body(Harness(engine: engine, requests: engine.requests, officer: engine.officer, rights: engine.rights, sweeper: engine.sweeper, information: engine.information, breaches: engine.breaches, mailroom: engine.mailroom, door: engine.publicDoor,
                                     office: engine.consoleBackend, sendLetters: { try engine.consoleBackend.sendBreachLetters($0, language: "en", by: "officer") { _ in } },
                                     add: { try engine.addSubjects($0, by: "test") }, verifyLog: engine.verifyLog, store: engine.vault))
                }
            }
        }
    }

    @Test(arguments: Backend.allCases) func valuesAreStoredOnlyUnderALoggedDecisionThatPermitsThem(_ backend: Backend) async throws {
        try await Self.withEngine(backend) { harness in
            let engine = harness.engine
            let created = try engine.createSubject(NewSubject(id: "D-9001", category: "debtor", values: ["email": "Nieuw@Example.nl", "health_note": "flu"],
                                                              source: "creditor:ACME"), purpose: "P-DEBT-COLLECT", actor: "collections-service")
            #expect(created.decision.outcome == .partial && created.stored == ["email"] && created.logSequence != nil)
            #expect(throws: StoreError.subjectExists("D-9001")) {
                try engine.createSubject(NewSubject(id: "D-9001", category: "debtor", values: [:], source: "x"), purpose: "P-DEBT-COLLECT", actor: "collections-service")
            }
            let denied = try engine.createSubject(NewSubject(id: "D-9002", category: "debtor", values: ["email": "x@example.nl"], source: "x"),
                                                  purpose: "P-DEBT-COLLECT", actor: "marketing-service")
            #expect(denied.decision.outcome == .deny && denied.stored.isEmpty)
            #expect(try engine.existingSubjects(["D-9001", "D-9002"]) == ["D-9001"], "a denied store adds no subject")

            let updated = try engine.store(subject: "D-9001", values: ["email": "nieuwer@example.nl", "bank_account": "NL91ABNA0417164300"],
                                           purpose: "P-DEBT-COLLECT", source: "creditor:ACME", collectedAt: nil, actor: "collections-service")
            #expect(updated.stored == ["bank_account", "email"] && updated.replaced == ["email"])
            let refused = try engine.store(subject: "D-9001", values: ["email": "x@example.nl"], purpose: "P-DEBT-COLLECT", source: "x", collectedAt: nil,
                                           actor: "marketing-service")
            #expect(refused.decision.outcome == .deny && refused.stored.isEmpty && refused.logSequence != nil)
            #expect(throws: StoreError.self) {
                try engine.store(subject: "D-9001", values: ["email": "y@example.nl"], purpose: "P-DEBT-COLLECT", source: "x",
                                 collectedAt: Instant(millisecondsSinceEpoch: Self.read().millisecondsSinceEpoch + 3_600_000), actor: "collections-service")
            }
            let read = engine.read(subject: "D-9001", fields: ["email", "bank_account"], purpose: "P-DEBT-COLLECT", actor: "collections-service")
            #expect(read.values == ["email": "nieuwer@example.nl", "bank_account": "NL91ABNA0417164300"], "the permitted update, not the denied one")
            #expect(try engine.findSubjects(matching: "NIEUWER@example.nl", kind: .email) == ["D-9001"], "the blind index follows the new value")
            #expect(try engine.findSubjects(matching: "nieuw@example.nl", kind: .email).isEmpty, "and forgets the old one")
            let log = try harness.verifyLog()
            #expect(log.isIntact && log.entries == 5, "every store decision is logged, permitted or not (two creates, two stores, one read)")
        }
    }

    @Test(arguments: Backend.allCases) func aReceiptIsSignedAndAnObjectionStopsDirectMarketing(_ backend: Backend) async throws {
        try await Self.withEngine(backend) { harness in
            let engine = harness.engine
            try harness.add([NewSubject(id: "PR-1", category: "prospect", values: ["email": "els@example.nl"], source: "web-form")])
            _ = try engine.giveConsent(ConsentGrant(subject: "PR-1", purposes: ["P-NEWSLETTER-EMAIL"], method: .checkboxTicked, channel: "web-form",
                                                    ageAtConsent: 41), by: "test")
            let receipt = try engine.consentReceipt(subject: "PR-1", purpose: "P-NEWSLETTER-EMAIL")
            #expect(receipt.receipt.consentStatus == "given" && receipt.receipt.events.count == 1)
            #expect(!String(decoding: try JSONEncoder().encode(receipt), as: UTF8.self).contains("els@example.nl"), "a receipt names no value")
            #expect(engine.read(subject: "PR-1", fields: ["email"], purpose: "P-NEWSLETTER-EMAIL", actor: "newsletter").decision.outcome == .permit)
            let objection = try engine.recordObjection(subject: "PR-1", purpose: nil, kind: .directMarketing, effective: nil)
            #expect(objection > 0)
            let after = engine.read(subject: "PR-1", fields: ["email"], purpose: "P-NEWSLETTER-EMAIL", actor: "newsletter")
            #expect(after.decision.outcome == .deny && after.values.isEmpty, "an objection to direct marketing stops it at once")
            #expect(throws: StoreError.subjectUnknown("NOBODY")) { try engine.recordObjection(subject: "NOBODY", purpose: nil, kind: .general, effective: nil) }
        }
    }

    @Test(arguments: Backend.allCases) func theRequestBookNumbersDatesAndClosesRequests(_ backend: Backend) async throws {
        try await Self.withEngine(backend) { harness in
            let desk = harness.requests
            try harness.add([PostgresVaultTests.debtor("D-1", marker: "rq01")])
            let first = try harness.engine.openRequest(subject: "D-1", type: .access, purpose: nil, channel: "letter", receivedAt: nil, requester: "subject",
                                                       mandate: nil, identityVerifiedBy: nil, by: "officer")
            #expect(first.id == "RQ-2025-0001" && first.status == .awaitingIdentity && first.dueOn == LocalDate(parsing: "2025-07-02"))
            #expect(first.events.map(\.event) == ["received"])
            let verified = try desk.verifyIdentity(request: first.id, method: "file number matches", by: "officer")
            #expect(verified.status == .inProgress && verified.identity == .verified)
            let extended = try desk.extendRequest(first.id, reasons: "many requests at once", by: "officer")
            #expect(extended.status == .extended && extended.dueOn == LocalDate(parsing: "2025-09-02"))
            #expect(throws: RequestRefusal.self) { try desk.extendRequest(first.id, reasons: "again", by: "officer") }
            let before = harness.engine.read(subject: "D-1", fields: ["claim_details"], purpose: "P-SCORING", actor: "scoring-service")
            #expect(before.decision.outcome != .deny, "\(before.decision.codes)")
            let objection = try desk.openRequest(subject: "D-1", type: .objection, purpose: "P-SCORING", channel: "e-mail", by: "officer")
            #expect(objection.id == "RQ-2025-0002")
            let scoring = harness.engine.read(subject: "D-1", fields: ["claim_details"], purpose: "P-SCORING", actor: "scoring-service")
            #expect(scoring.decision.outcome == .deny, "an objection request stops the objected purpose while it is assessed")
            let rejected = try desk.rejectRequest(objection.id, reasons: "manifestly unfounded", by: "officer")
            #expect(rejected.status == .rejected && rejected.closedAt != nil && rejected.events.map(\.event) == ["received", "rejected"])
            #expect(throws: RequestRefusal.self) { try desk.rejectRequest(objection.id, reasons: "twice", by: "officer") }
            #expect(try desk.openRequests().map(\.id) == ["RQ-2025-0001"])
            #expect(try harness.engine.request("RQ-1999-0001") == nil)
            #expect(throws: StoreError.subjectUnknown("NOBODY")) {
                try desk.openRequest(subject: "NOBODY", type: .access, channel: "letter", by: "officer")
            }
        }
    }

    @Test(arguments: Backend.allCases) func theOfficersRecordsChangeTheNextDecision(_ backend: Backend) async throws {
        try await Self.withEngine(backend) { harness in
            let engine = harness.engine, desk = harness.officer
            try harness.add([PostgresVaultTests.debtor("D-1", marker: "of01")])
            let read = { engine.read(subject: "D-1", fields: ["email"], purpose: "P-DEBT-COLLECT", actor: "collections-service").decision }
            let scoring = { engine.read(subject: "D-1", fields: ["claim_details"], purpose: "P-SCORING", actor: "scoring-service").decision }
            #expect(read().outcome == .permit)
            #expect(scoring().outcome != .deny)

            let restriction = try desk.placeRestriction(subject: "D-1", fields: nil, ground: "accuracy contested")
            #expect(scoring().outcome == .deny, "a restriction stops processing at once")
            #expect(read().outcome == .permit, "except for legal claims (Art. 18(2))")
            let later = Instant(millisecondsSinceEpoch: Self.read().millisecondsSinceEpoch + 60_000)
            #expect(throws: StoreError.self, "the subject is told before the lifting, not after") {
                try desk.liftRestriction(id: restriction, subjectInformedAt: later)
            }
            try desk.liftRestriction(id: restriction, subjectInformedAt: Self.read())
            #expect(scoring().outcome != .deny)
            #expect(try desk.store.restrictions(of: "D-1").map { $0.restriction.lifted != nil && $0.subjectInformedAt != nil } == [true])
            #expect(throws: StoreError.self) { try desk.liftRestriction(id: restriction, subjectInformedAt: Self.read()) }

            let hold = try desk.placeHold(subject: "D-1", reference: "Rb. Amsterdam C/13/1", by: "officer")
            #expect(try desk.store.holds(of: "D-1").map { $0.id == hold && $0.hold.until == nil } == [true])
            try desk.liftHold(id: hold, by: "officer")
            #expect(try desk.store.holds(of: "D-1").map { $0.hold.until != nil } == [true])
            #expect(throws: StoreError.self) { try desk.liftHold(id: hold, by: "officer") }
            #expect(throws: StoreError.subjectUnknown("NOBODY")) { try desk.placeHold(subject: "NOBODY", reference: "x", by: "officer") }

            let objection = try harness.requests.recordObjection(subject: "D-1", purpose: "P-SCORING", kind: .general)
            #expect(scoring().outcome == .deny, "a general objection stops its purpose until assessed")
            #expect(throws: StoreError.self, "an override names its documented grounds") {
                try desk.assessObjection(id: objection, assessment: .overridden, reference: nil, by: "officer")
            }
            try desk.assessObjection(id: objection, assessment: .overridden, reference: "LIA-2025-7", by: "officer")
            #expect(scoring().outcome != .deny, "compelling grounds on record let it continue")
            #expect(try desk.store.objections(of: "D-1").map(\.objection.assessmentReference) == ["LIA-2025-7"])

            let before = try desk.subProcessors()
            #expect(before.map(\.recipient) == ["R-CRM-HOSTING", "R-CRM-SUPPORT"])
            try desk.recordSubProcessor("R-CRM-SUPPORT", state: .objected, note: "support from outside the EEA", by: "officer")
            let after = try desk.subProcessors().first { $0.recipient == "R-CRM-SUPPORT" }
            #expect(after?.records.map(\.recordedBy) == ["officer"])
            if case .fails = after?.holding {} else { Issue.record("an objected sub-processor's authorisation fails: \(String(describing: after?.holding))") }
            #expect(throws: SubProcessorRefusal.self) { try desk.recordSubProcessor("R-CRM", state: .objected, by: "officer") }
        }
    }

    @Test(arguments: Backend.allCases) func requestsAreFulfilledWithTheirTasksAndAProofOfErasure(_ backend: Backend) async throws {
        try await Self.withEngine(backend) { harness in
            let engine = harness.engine, rights = harness.rights, requests = harness.requests
            let values = ["person_name": "Jan de Vries", "bank_account": "NL91 ABNA 0417 1643 00", "claim_details": "invoice 118",
                          "payment_history": "paid 2 of 5", "recoverability_score": "0.31"]
            try harness.add([NewSubject(id: "D-1", category: "debtor", values: values, source: "client"),
                             NewSubject(id: "D-2", category: "debtor", values: values, source: "client"),
                             NewSubject(id: "PR-1", category: "prospect", values: ["email": "els@example.nl"], source: "web-form")])
            for subject in ["D-1", "D-2"] {
                try engine.recordEvent(subject: subject, event: "file-opened", effective: LocalDate(parsing: "2023-03-01"), by: "test")
                try engine.recordEvent(subject: subject, event: "file-closed", effective: LocalDate(parsing: "2024-09-01"), by: "test")
                let shared = engine.share(subject: subject, fields: ["person_name", "claim_details"], purpose: "P-DEBT-COLLECT", recipient: "R-CRM",
                                          recipientName: nil, destination: nil, procedure: nil, actor: "collections-service")
                #expect(shared.decision.outcome == .permit)
            }
            let verified = { (subject: String, type: RightsRequestType) throws -> String in
                try requests.openRequest(subject: subject, type: type, channel: "e-mail", identityVerifiedBy: "e-mail matches data held", by: "officer").id
            }

            // Nothing is fulfilled before the identity is verified.
            let unverified = try requests.openRequest(subject: "D-2", type: .rectification, channel: "letter", by: "officer").id
            #expect(throws: RequestRefusal.self) { try rights.fulfilRectification(request: unverified, values: ["person_name": "J. de Vries"], by: "officer") }

            let rectified = try rights.fulfilRectification(request: try verified("D-2", .rectification), values: ["person_name": "J. de Vries"], by: "officer")
            #expect(rectified.rectified == ["person_name"] && rectified.notifications.map(\.recipient) == ["R-CRM"])
            #expect(engine.read(subject: "D-2", fields: ["person_name"], purpose: "P-DEBT-COLLECT", actor: "collections-service").values == ["person_name": "J. de Vries"])

            let restricted = try rights.fulfilRestriction(request: try verified("D-2", .restriction), fields: ["claim_details"], ground: .accuracyContested, by: "officer")
            #expect(restricted.notifications.map(\.fields) == [["claim_details"]])

            let certificate = try rights.fulfilErasure(request: try verified("D-1", .erasure), by: "officer")
            #expect(certificate.destroyed == ["recoverability_score"] && certificate.outcome == .erasurePartialLegalObligation && !certificate.subjectKeyDestroyed)
            #expect(Set(certificate.kept.map(\.field)) == ["person_name", "bank_account", "claim_details", "payment_history"])
            #expect(rights.keyring.verifySignature(try #require(Hex.decode(certificate.signature)), of: certificate.signedBytes), "the certificate is signed")
            let score = engine.read(subject: "D-1", fields: ["recoverability_score"], purpose: "P-SCORING", actor: "scoring-service")
            #expect(score.decision.codes.contains(.fieldErased) && score.values.isEmpty)

            let whole = try rights.fulfilErasure(request: try verified("PR-1", .erasure), by: "officer")
            #expect(whole.subjectKeyDestroyed && whole.outcome == .erasureFull)
            #expect(try engine.existingSubjects(["PR-1", "D-1"]) == ["D-1"])

            let tasks = try rights.tasks()
            #expect(tasks.map(\.action) == ["rectify", "restrict"] && tasks.allSatisfy { $0.kind == .instructProcessor })
            try rights.completeTask(tasks[0].id, by: "officer")
            #expect(try rights.tasks().map(\.id) == [tasks[1].id] && rights.tasks(openOnly: false).count == 2)
            #expect(throws: StoreError.invalidInput("task #\(tasks[0].id) is already done")) { try rights.completeTask(tasks[0].id, by: "officer") }
            #expect(try requests.openRequests().map(\.id) == [unverified], "every fulfilled request is completed")
            #expect(try harness.verifyLog().isIntact)
        }
    }

    /// Art. 14: data from the creditor must be followed by the information within a month, or
    /// by the first disclosure; a share before it leaves the task that moves the deadline.
    @Test(arguments: Backend.allCases) func theInformationDutyFollowsTheFirstDisclosure(_ backend: Backend) async throws {
        @Sendable func at(_ text: String) { Self.clock.withLock { $0 = Instant(iso8601: text)! } }
        at("2025-06-02T09:00:00+02:00")
        defer { at("2025-06-02T10:00:00+02:00") }
        try await Self.withEngine(backend) { harness in
            let desk = harness.information
            try harness.add([PostgresVaultTests.debtor("D-1", marker: "in01"), PostgresVaultTests.debtor("D-2", marker: "in02")])
            var duties = try desk.informationDuties()
            #expect(duties.map(\.subject) == ["D-1", "D-2"])
            #expect(duties.allSatisfy { $0.notice == "N-PRIVACY" && $0.deadline.trigger == .oneMonth && $0.sources == ["creditor"] })
            #expect(duties.first?.deadline.monthDue == LocalDate(parsing: "2025-07-02"))

            at("2025-06-03T11:00:00+02:00")
            let shared = harness.engine.share(subject: "D-1", fields: ["person_name"], purpose: "P-DEBT-COLLECT", recipient: "R-BAILIFF-NL", recipientName: nil,
                                              destination: nil, procedure: nil, actor: "collections-service")
            #expect(shared.decision.outcome == .permit && shared.decision.obligations.contains(.informSubjectFirst))
            duties = try desk.informationDuties()
            #expect(duties.first?.deadline.trigger == .firstDisclosure && duties.first?.task?.logSequence == shared.logSequence)
            #expect(duties.first?.isOverdue(at: desk.now) == true, "the information should have gone with the share")

            #expect(throws: InformationRefusal.self) {
                try desk.recordInformationGiven(subject: "NOBODY", notice: "N-PRIVACY", at: desk.now, channel: "post", by: "officer")
            }
            #expect(throws: InformationRefusal.self) {
                try desk.recordInformationException(subject: "D-2", notice: "N-PRIVACY", exception: .alreadyInformed, ground: "mailed to jan@example.nl", by: "officer")
            }
            at("2025-06-04T11:00:00+02:00")
            try desk.recordInformationGiven(subject: "D-1", notice: "N-PRIVACY", at: desk.now, channel: "post", by: "officer")
            try desk.recordInformationException(subject: "D-2", notice: "N-PRIVACY", exception: .alreadyInformed, ground: "told at the desk, form F-12", by: "officer")
            duties = try desk.informationDuties()
            #expect(duties.allSatisfy(\.isSettled) && duties.first { $0.subject == "D-1" }?.wasLate == true)
            let after = harness.engine.share(subject: "D-1", fields: ["person_name"], purpose: "P-DEBT-COLLECT", recipient: "R-BAILIFF-NL", recipientName: nil,
                                             destination: nil, procedure: nil, actor: "collections-service")
            #expect(after.decision.outcome == .permit && !after.decision.obligations.contains(.informSubjectFirst), "once informed, no obligation")
        }
    }

    /// Art. 14(3)(b): a letter to a prospect from the KvK register before the information
    /// leaves the officer's task, committed in the read's own log transaction with its sequence
    /// number (it was written after the commit, so a kill between the two lost it); later reads
    /// keep the first; a task whose subject is gone by the commit is left out without failing
    /// the entry or its group.
    @Test(arguments: Backend.allCases) func aCommunicationBeforeTheInformationCommitsItsTaskWithItsEntry(_ backend: Backend) async throws {
        try await Self.withEngine(backend) { harness in
            try harness.add([NewSubject(id: "PR-1", category: "prospect", values: ["company_name": "Bakkerij Jansen", "person_name": "Piet Jansen",
                                                                                  "postal_address": "Dorpsstraat 1, Ede"], source: "KvK register")])
            #expect(try harness.information.informationDuties().first { $0.subject == "PR-1" }?.task == nil)
            let read = { harness.engine.read(subject: "PR-1", fields: ["person_name", "postal_address"], purpose: "P-PROSPECT-MKT-POST", actor: "marketing-service") }
            let first = read()
            #expect(first.decision.outcome == .permit && first.decision.obligations.contains(.informSubjectFirst))
            var duty = try #require(try harness.information.informationDuties().first { $0.subject == "PR-1" })
            #expect(duty.task?.logSequence == first.logSequence && duty.task?.trigger == .communication && duty.deadline.trigger == .firstCommunication)
            let second = read()
            #expect(second.logSequence != first.logSequence && second.decision.obligations.contains(.informSubjectFirst))
            duty = try #require(try harness.information.informationDuties().first { $0.subject == "PR-1" })
            #expect(duty.task?.logSequence == first.logSequence, "the first communication set the deadline")

            let gone = InformationTask(subject: "NOBODY", notice: "N-PRIVACY", purpose: "P-PROSPECT-MKT-POST", trigger: .communication,
                                       recipient: nil, at: Self.read(), logSequence: nil)
            let seq = try harness.store.append(first.decision, at: Self.read(), informing: gone)
            #expect(seq > (second.logSequence ?? .max))
            #expect(try harness.information.informationDuties().allSatisfy { $0.subject != "NOBODY" })
            #expect(try harness.verifyLog().isIntact)
        }
    }

    /// The server's gate in two steps: decided and opened on an engine thread, then logged by
    /// an awaited append (no thread held during the commit). Nothing is logged or released
    /// before the second step, and what it answers is what the one-step gate answers.
    @Test(arguments: Backend.allCases) func theGateInTwoStepsLogsBeforeItReleases(_ backend: Backend) async throws {
        try await Self.withEngine(backend) { harness in
            let engine = harness.engine, gate = harness.engine.gatedAccess
            try harness.add([NewSubject(id: "D-77", category: "debtor", values: ["email": "twee@example.nl", "bank_account": "NL91ABNA0417164300"],
                                        source: "creditor:ACME")])
            let request = DecisionRequest(actor: "collections-service", action: .read, subject: "D-77", purpose: "P-DEBT-COLLECT", fields: ["email", "bank_account"])
            let before = try harness.verifyLog().entries
            let step = gate.decideBeforeLogging(request)
            guard case .toLog = step else { Issue.record("a read is logged in the second step"); return }
            #expect(try harness.verifyLog().entries == before, "nothing is logged before the second step")

            let read = Self.awaited { await gate.log(step) }
            #expect(read.decision.outcome != .deny && read.logSequence != nil)
            #expect(read.values == ["email": "twee@example.nl", "bank_account": "NL91ABNA0417164300"])
            #expect(read.values == engine.read(subject: "D-77", fields: ["email", "bank_account"], purpose: "P-DEBT-COLLECT", actor: "collections-service").values)

            // A logged decision releases nothing; a share was logged in its own transaction.
            let decided = Self.awaited { await gate.log(gate.decideBeforeLogging(request.onVaultFacts, releaseValues: false)) }
            #expect(decided.decision.outcome != .deny && decided.values.isEmpty && decided.logSequence != nil)
            let share = DecisionRequest(actor: "collections-service", action: .share, subject: "D-77", purpose: "P-DEBT-COLLECT", fields: ["email"],
                                        recipient: "R-BAILIFF-NL")
            guard case let .answered(shared) = gate.decideBeforeLogging(share) else { Issue.record("a share is answered in the first step"); return }
            #expect(shared.logSequence != nil)
            let log = try harness.verifyLog()
            #expect(log.isIntact && log.entries == before + 4, "the two-step read and decision, the one-step read, the share")
        }
    }

    /// Waits, on the harness's own thread (never the cooperative pool), for async work.
    static func awaited<T: Sendable>(_ work: @escaping @Sendable () async -> T) -> T {
        let done = DispatchSemaphore(value: 0)
        let result = Mutex<T?>(nil)
        Task {
            let value = await work()
            result.withLock { $0 = value }
            done.signal()
        }
        done.wait()
        return result.withLock { $0! }
    }

    /// The officer's console's overview on either backend: what waits (objections to assess,
    /// holds in force, recent withdrawals), a subject's dossier without a value, the decisions
    /// over time, and the last sweep.
    @Test(arguments: Backend.allCases) func theConsoleSeesTheSameOverviewOnBothBackends(_ backend: Backend) async throws {
        try await Self.withEngine(backend) { harness in
            let office = harness.office, overview = office.overview
            try harness.add([PostgresVaultTests.debtor("D-1", marker: "ov01"),
                             NewSubject(id: "PR-1", category: "prospect", values: ["email": "ov@example.nl"], source: "web-form")])
            #expect(try overview.objectionsAwaitingAssessment().isEmpty && overview.holdsInForce().isEmpty && overview.lastRetentionSweep() == nil)
            let objection = try office.requests.recordObjection(subject: "D-1", purpose: "P-SCORING", kind: .general)
            _ = try office.requests.recordObjection(subject: "D-1", purpose: nil, kind: .directMarketing)
            #expect(try overview.objectionsAwaitingAssessment().map(\.objection.id) == [objection], "direct marketing needs no assessment")
            try office.officer.assessObjection(id: objection, assessment: .upheld, reference: nil, by: "console:anna")
            #expect(try overview.objectionsAwaitingAssessment().isEmpty)
            let hold = try office.officer.placeHold(subject: "D-1", reference: "C/09/1", by: "console:anna")
            #expect(try overview.holdsInForce().map(\.subject) == ["D-1"] && overview.holdsInForce().map(\.hold.id) == [hold])
            _ = try harness.engine.giveConsent(ConsentGrant(subject: "PR-1", purposes: ["P-NEWSLETTER-EMAIL"], method: .checkboxTicked, channel: "web-form",
                                                            ageAtConsent: 40), by: "test")
            try harness.engine.withdrawConsent(subject: "PR-1", purposes: ["P-NEWSLETTER-EMAIL"], channel: "e-mail", evidence: nil, effective: nil, by: "test")
            #expect(try overview.recentWithdrawals(days: 7).map(\.subject) == ["PR-1"])
            _ = office.service.read(subject: "D-1", fields: ["email"], purpose: "P-DEBT-COLLECT", actor: "collections-service")
            let dossier = try #require(try overview.dossier(of: "D-1"))
            #expect(dossier.trail.count == 1 && dossier.holds.count == 1 && dossier.objections.count == 2 && dossier.metadata.fields.map(\.field).contains("email"))
            #expect(try overview.dossier(of: "NOBODY") == nil)
            let days = try overview.decisionsOverTime(from: nil, to: nil, weekly: false)
            #expect(days.count == 1 && days.first?.outcomes["permit"] == 1)
            #expect(try office.verifyLog().isIntact && !office.report(.ropa, period: ReportPeriod()).sections.isEmpty)
        }
    }

    /// Breach letters by e-mail: the address read through the gate, the letter sealed in the
    /// outbox with its person's record in one transaction, a rerun writing nobody twice, and the
    /// relay's marks kept; the same on both backends.
    @Test(arguments: Backend.allCases) func breachLettersGoByEMailThroughTheOutbox(_ backend: Backend) async throws {
        try await Self.withEngine(backend) { harness in
            var postal = NewSubject(id: "D-2", category: "debtor", values: ["person_name": "Name post2"], source: "client")
            postal.events = [LifecycleEventFact(event: "file-opened", date: LocalDate(parsing: "2025-01-10")!)]
            try harness.add([PostgresVaultTests.debtor("D-1", marker: "mail1"), postal])
            for subject in ["D-1", "D-2"] {
                let shared = harness.engine.share(subject: subject, fields: ["person_name"], purpose: "P-DEBT-COLLECT", recipient: "R-CRM", recipientName: nil,
                                                  destination: nil, procedure: nil, actor: "collections-service")
                #expect(shared.decision.outcome == .permit)
            }
            let desk = harness.breaches, now = desk.now
            let breach = try desk.recordBreach(BreachDesk.BreachReport(
                nature: [.confidentiality], awareAt: now, scope: .recipient("R-CRM"),
                window: (Instant(millisecondsSinceEpoch: now.millisecondsSinceEpoch - 3_600_000), Instant(millisecondsSinceEpoch: now.millisecondsSinceEpoch + 1)),
                description: "the CRM's export was readable"), by: "officer")
            #expect(throws: BreachRefusal.self, "no letters before the risk is assessed high") { try harness.sendLetters(breach.id) }
            _ = try desk.assessBreach(breach.id, risk: .high, consequences: "phishing", by: "officer")

            let run = try harness.sendLetters(breach.id)
            #expect(run.emailed == ["D-1"] && run.postal == ["D-2"], "no address held for D-2: the post")
            let queued = try harness.mailroom.outbox(pendingOnly: true)
            #expect(queued.count == 1 && queued.first?.kind == "breach-letter" && queued.first?.to == "mail1@example.nl")
            #expect(queued.first?.subject.contains(breach.id) == true && queued.first?.body.contains("post2") == false)
            let sealed = try harness.mailroom.store.outboxRows(pendingOnly: false, limit: 10)
            #expect(sealed.count == 1 && sealed.allSatisfy { !String(decoding: $0.sealed, as: UTF8.self).contains("mail1") }, "the address is sealed")
            #expect(try desk.breach(breach.id)?.events.last?.event == "letters-emailed")
            #expect(try desk.breachLetterCounts(breach.id) == ["email": 1])

            let again = try harness.sendLetters(breach.id)
            #expect(again.emailed.isEmpty && again.alreadyEmailed == 1, "nobody gets a second e-mail")
            let id = try #require(queued.first?.id)
            try harness.mailroom.markOutbox(id, sent: false, error: "relay refused: 451")
            #expect(try harness.mailroom.outbox(pendingOnly: true).first?.attempts == 1)
            try harness.mailroom.markOutbox(id, sent: true)
            #expect(try harness.mailroom.outbox(pendingOnly: true).isEmpty)
            let sent = try harness.mailroom.outbox().first
            #expect(sent?.sentAt == now && sent?.attempts == 2 && sent?.lastError == nil)
        }
    }

    /// The privacy centre's rules on either backend: an e-mail code confirms once and five
    /// wrong tries lock it, a confirmed address opens the request with its identity evidence and
    /// a status link, and a withdrawal in the preference centre denies the next read.
    @Test(arguments: Backend.allCases) func thePrivacyCentreAnswersAlikeOnBothBackends(_ backend: Backend) async throws {
        try await Self.withEngine(backend) { harness in
            let door = harness.door
            var debtor = NewSubject(id: "D-1", category: "debtor", values: [
                "email": "jan@example.nl", "case_number": "INV-2025-0042", "postal_address": "Kerkstraat 1, 1234 AB Utrecht"], source: "client")
            debtor.events = [LifecycleEventFact(event: "file-opened", date: LocalDate(parsing: "2025-01-10")!)]
            try harness.add([debtor, NewSubject(id: "PR-1", category: "prospect", values: ["email": "pr@example.nl"], source: "web-form")])

            let id = try door.startEmailChallenge(kind: "request", email: "Jan@Example.nl ", payload: Data("{\"a\":1}".utf8)) { ("Code", "Your code is \($0).") }
            let message = try #require(try harness.mailroom.outbox(pendingOnly: true).first { $0.kind == "email-code" })
            #expect(message.to == "Jan@Example.nl ")
            let code = String(try #require(message.body.split(separator: " ").first { $0.count >= 6 && $0.prefix(6).allSatisfy(\.isNumber) }).prefix(6))
            #expect(try door.answerEmailChallenge(id, code: code == "000000" ? "111111" : "000000") == .wrong(remaining: 4))
            guard case .confirmed(let challenge) = try door.answerEmailChallenge(id, code: code) else { Issue.record("the right code did not confirm"); return }
            #expect(challenge.payload == Data("{\"a\":1}".utf8) && challenge.attempts == 1)
            #expect(try door.answerEmailChallenge(id, code: code) == .locked, "a code is used once")
            #expect(try door.recentCodeRequests(email: "jan@example.nl", minutes: 15) == 1, "addresses compare without case and spaces")
            #expect(try door.answerEmailChallenge("no-such-challenge", code: code) == .unknown)

            let web = WebActor(actor: "web-portal", identityPurpose: "P-RIGHTS-ADMIN")
            let opened = try door.openWebRequest(WebRightsForm(type: .access, email: "jan@example.nl",
                                                               identity: ["case_number": "inv-2025-0042", "postal_address.postcode": "1234ab"], language: "en"), as: web)
            #expect(opened.count == 1 && opened.first?.identityMatched == true)
            let request = try #require(opened.first?.request)
            #expect(request.channel == "web-form" && request.events.contains { $0.event == "language" && $0.detail == "en" })
            #expect(try door.request(forStatusToken: try #require(opened.first?.statusToken))?.id == request.id)
            #expect(try door.request(forStatusToken: "not-a-token") == nil)
            #expect(try door.storedAnswer(request: request.id) == nil, "no answer before it is fulfilled")

            #expect(try door.preferenceChoices(subject: "PR-1").contains { $0.purpose == "P-NEWSLETTER-EMAIL" && !$0.active })
            let refused = try door.setPreference(subject: "PR-1", purpose: "P-NEWSLETTER-EMAIL", give: true, noticeVersion: 2, evidence: "privacy centre", actor: "web-portal")
            #expect(refused?.hasPrefix("[CONSENT_") == true, "no age known: the web cannot take this consent (\(refused ?? "given"))")
            _ = try harness.engine.giveConsent(ConsentGrant(subject: "PR-1", purposes: ["P-NEWSLETTER-EMAIL"], method: .checkboxTicked, channel: "web-form",
                                                            ageAtConsent: 40), by: "test")
            #expect(try door.preferenceChoices(subject: "PR-1").contains { $0.purpose == "P-NEWSLETTER-EMAIL" && $0.active })
            #expect(harness.engine.read(subject: "PR-1", fields: ["email"], purpose: "P-NEWSLETTER-EMAIL", actor: "newsletter").decision.outcome == .permit)
            #expect(try door.setPreference(subject: "PR-1", purpose: "P-NEWSLETTER-EMAIL", give: false, noticeVersion: 2, evidence: "privacy centre", actor: "web-portal") == nil)
            #expect(harness.engine.read(subject: "PR-1", fields: ["email"], purpose: "P-NEWSLETTER-EMAIL", actor: "newsletter").decision.outcome == .deny)
            try door.objectToDirectMarketing(subject: "PR-1", purpose: "P-PROSPECT-MKT-POST")
            #expect(try door.preferenceChoices(subject: "PR-1").first { $0.purpose == "P-PROSPECT-MKT-POST" }?.active == true)
            #expect(try harness.verifyLog().isIntact)
        }
    }

    /// The seed policy's rules as an officer reads them: a claim file is kept five years after
    /// closing, the score only while the file is open, the log five years.
    @Test(arguments: Backend.allCases) func theSweepDestroysWhatRetentionEndedAndPrunesTheLog(_ backend: Backend) async throws {
        @Sendable func at(_ text: String) { Self.clock.withLock { $0 = Instant(iso8601: text)! } }
        at("2019-01-15T10:00:00+01:00")
        defer { at("2025-06-02T10:00:00+02:00") }
        try await Self.withEngine(backend) { harness in
            let engine = harness.engine
            let values = Dictionary(uniqueKeysWithValues: ["person_name", "email", "bank_account", "claim_details", "payment_history", "recoverability_score"]
                .map { ($0, "\($0)-value") })
            let ids = ["D-OLD", "D-OPEN", "D-RECENT"]
            try harness.add(ids.map { NewSubject(id: $0, category: "debtor", values: values, source: "client") })
            for id in ids {
                try engine.recordEvent(subject: id, event: "file-opened", effective: LocalDate(parsing: "2018-12-01"), by: "test")
                #expect(engine.read(subject: id, fields: ["email"], purpose: "P-DEBT-COLLECT", actor: "collections-service").logSequence != nil)
            }
            at("2025-02-01T10:00:00+01:00")
            try engine.recordEvent(subject: "D-RECENT", event: "file-closed", effective: LocalDate(parsing: "2025-01-01"), by: "test")
            try engine.recordEvent(subject: "D-OLD", event: "file-closed", effective: LocalDate(parsing: "2020-01-01"), by: "test")
            at("2026-06-01T09:00:00+02:00")
            _ = engine.read(subject: "D-OPEN", fields: ["email"], purpose: "P-DEBT-COLLECT", actor: "collections-service")

            let unlimited = SweepSafety(maximumShare: 1)
            let plan = try harness.sweeper.sweepRetention(dryRun: true, by: "officer", safety: unlimited)
            #expect(plan.fieldsDestroyed == 7 && plan.subjectsShredded == 1 && plan.log?.entriesPruned == 3)
            #expect(try engine.existingSubjects(ids) == Set(ids), "a dry run changes nothing")
            #expect(throws: SweepRefused.self, "more than the safety share needs the dry run's count") {
                try harness.sweeper.sweepRetention(dryRun: false, by: "officer")
            }

            let report = try harness.sweeper.sweepRetention(dryRun: false, by: "officer", safety: unlimited)
            #expect(report.subjects.map(\.subject) == ["D-OLD", "D-RECENT"])
            #expect(report.subjects.map { Set($0.destroyed.map(\.field)) } == [Set(values.keys), ["recoverability_score"]])
            #expect(try engine.existingSubjects(ids) == ["D-OPEN", "D-RECENT"], "nothing of D-OLD remains: its key is destroyed")
            let score = engine.read(subject: "D-RECENT", fields: ["recoverability_score"], purpose: "P-SCORING", actor: "scoring-service")
            #expect(score.decision.codes.contains(.fieldErased) && score.values.isEmpty)
            #expect(engine.read(subject: "D-OPEN", fields: ["recoverability_score"], purpose: "P-SCORING", actor: "scoring-service").values.count == 1)
            #expect(report.log?.entriesPruned == 3 && report.log?.anchor?.seq == 3, "the 2019 decisions are past the log's five years")
            let log = try harness.verifyLog()
            #expect(log.isIntact && log.anchor?.seq == 3 && log.entries == 5, "the chain verifies from its signed start: \(log.problem ?? "")")
            let again = try harness.sweeper.sweepRetention(dryRun: false, by: "officer", safety: unlimited)
            #expect(again.fieldsDestroyed == 0 && again.log?.entriesPruned == 0, "a second sweep finds nothing")
        }
    }

    /// Row locks, not a database lock: while a sweep's transaction holds the rows of the
    /// subjects it is destroying, another process's reads of those subjects and of others are
    /// answered (from the last committed state), and the sweep commits after them.
    @Test func readersNeverWaitForTheSweep() async throws {
        try await PostgresVaultTests.withWorld(processes: 2) { world in
            try world.vaults[0].importSubjects([PostgresVaultTests.debtor("D-1", marker: "sw01"), PostgresVaultTests.debtor("D-2", marker: "sw02")],
                                               at: world.clock.read(), by: "test")
            let policy = world.engine.policy
            let sweep = SweepAction(
                subject: "D-1", destroy: ["email"], wholeSubject: false,
                decision: Decision(outcome: .permit, action: .erase, subject: "D-1", purpose: PrivacyEngine.retentionSweepPurpose, actor: "officer",
                                   recipient: nil, fields: [FieldOutcome(field: "email", outcome: .permit, reasons: [])], basis: nil, reasons: [],
                                   obligations: [], policyDigest: policy.digest, hypothetical: false),
                tasks: [])
            let order = Mutex<[String]>([])
            let inside = DispatchSemaphore(value: 0), answered = DispatchSemaphore(value: 0)
            Thread.detachNewThread {
                inside.wait()
                for subject in ["D-1", "D-2"] {
                    let read = world.gates[1].gate(DecisionRequest(actor: "collections-service", action: .read, subject: subject, purpose: "P-DEBT-COLLECT",
                                                                   fields: ["email"]))
                    order.withLock { $0.append("read \(subject): \(read.values.count) value") }
                }
                answered.signal()
            }
            let skipped = try world.vaults[0].applySweep([sweep], at: world.clock.read()) { _, _ in
                inside.signal()
                // The sweep holds D-1's row until the reads are answered; had they waited for it,
                // this gives up after 10 s and the order below says so.
                let done = answered.wait(timeout: .now() + 10) == .success
                order.withLock { $0.append(done ? "reads answered inside the sweep" : "reads still waiting for the sweep") }
                return true
            }
            order.withLock { $0.append("sweep committed") }
            #expect(skipped.isEmpty)
            #expect(order.withLock { $0 } == ["read D-1: 1 value", "read D-2: 1 value", "reads answered inside the sweep", "sweep committed"])
            let after = world.gates[1].gate(DecisionRequest(actor: "collections-service", action: .read, subject: "D-1", purpose: "P-DEBT-COLLECT", fields: ["email"]))
            #expect(after.values.isEmpty && after.decision.codes.contains(.fieldErased), "the next read sees the sweep")
        }
    }

    /// A SQLite engine and a PostgreSQL engine over fresh vaults with the same clock, for a
    /// history run on both and compared.
    static func withBothEngines(_ body: @escaping @Sendable (PrivacyEngine, PostgresEngine) throws -> Void) async throws {
        try await PostgresDecisionLogTests.withDatabase { address in
            try await KeyringStorageTests.offThePool {
                let folder = FileManager.default.temporaryDirectory.appendingPathComponent("custos-both-\(UUID().uuidString)")
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                defer { try? FileManager.default.removeItem(at: folder) }
                let sqlite = try PrivacyEngine.initialise(vault: folder.appendingPathComponent("custos.db").path,
                                                          masterKey: .file(folder.appendingPathComponent("custos.key").path),
                                                          policies: PostgresVaultTests.policies, clock: Self.read)
                let postgres = try PostgresEngine.initialise(vault: address, keyring: KeyringFile(path: folder.appendingPathComponent("pg.keys.db").path),
                                                             masterKey: .file(folder.appendingPathComponent("pg.key").path),
                                                             policies: PostgresVaultTests.policies, clock: Self.read)
                defer { postgres.close() }
                try body(sqlite, postgres)
            }
        }
    }

    /// The same operations on both backends give the same reports, byte for byte, but for the
    /// line that names the store; the breach register runs through the same desk on both.
    @Test func theSameHistoryGivesTheSameReportsOnBothBackends() async throws {
        try await Self.withBothEngines { sqlite, postgres in
            let subjects = [PostgresVaultTests.debtor("D-1", marker: "rp01"),
                            NewSubject(id: "PR-1", category: "prospect", values: ["email": "els@example.nl"], source: "web-form")]
            try sqlite.addSubjects(subjects, by: "test")
            try postgres.addSubjects(subjects, by: "test")
            for engine in [sqlite as any ServiceEngine, postgres] {
                _ = engine.read(subject: "D-1", fields: ["email"], purpose: "P-DEBT-COLLECT", actor: "collections-service")
                _ = engine.read(subject: "D-1", fields: ["email"], purpose: "P-DEBT-COLLECT", actor: "marketing-service")
                _ = engine.share(subject: "D-1", fields: ["person_name"], purpose: "P-DEBT-COLLECT", recipient: "R-CRM", recipientName: nil,
                                 destination: nil, procedure: nil, actor: "collections-service")
                _ = try engine.giveConsent(ConsentGrant(subject: "PR-1", purposes: ["P-NEWSLETTER-EMAIL"], method: .checkboxTicked, channel: "web-form",
                                                        ageAtConsent: 41), by: "test")
                var preTicked = ConsentGrant(subject: "PR-1", purposes: ["P-NEWSLETTER-EMAIL"], method: .checkboxTicked, channel: "web-form", ageAtConsent: 41)
                preTicked.preTicked = true
                _ = try engine.giveConsent(preTicked, by: "test")
                try engine.withdrawConsent(subject: "PR-1", purposes: ["P-NEWSLETTER-EMAIL"], channel: "e-mail", evidence: nil, effective: nil, by: "test")
                _ = try engine.openRequest(subject: "D-1", type: .access, purpose: nil, channel: "letter", receivedAt: nil, requester: "subject",
                                           mandate: nil, identityVerifiedBy: nil, by: "officer")
        }
        for desk in [sqlite.breachDesk, postgres.breaches] {
            let now = desk.now
            let breach = try desk.recordBreach(BreachDesk.BreachReport(
                nature: [.confidentiality], awareAt: now, scope: .recipient("R-CRM"),
                window: (Instant(millisecondsSinceEpoch: now.millisecondsSinceEpoch - 3_600_000), Instant(millisecondsSinceEpoch: now.millisecondsSinceEpoch + 1)),
                description: "the CRM's export was readable"),
                by: "officer")
            #expect(breach.id == "BR-2025-0001")
            var affected: [String] = []
            try desk.forEachAffectedSubject(breach) { subject, _, _ in affected.append(subject) }
            #expect(try affected == ["D-1"] && desk.affectedSubjects(breach).subjectCount == 1, "who received data through the CRM in the window")
            _ = try desk.assessBreach(breach.id, risk: .high, consequences: "phishing with the claim's details", by: "officer")
            var letters: [String] = []
            #expect(try desk.forEachBreachLetter(breach.id) { letters.append($0.subject) } == 0, "nobody erased since")
            #expect(letters == ["D-1"])
            try desk.recordBreachLetters(breach.id, written: ["D-1"], language: "nl", erased: 0, by: "officer")
            #expect(try desk.breachLetterCounts(breach.id) == ["post": 1])
            _ = try desk.notifyAuthority(breach.id, final: true, by: "officer")
            #expect(throws: BreachRefusal.self) { try desk.recordBreach(BreachDesk.BreachReport(nature: [], awareAt: now, scope: .vault, window: (now, now),
                                                                                                 description: "x"), by: "officer") }
        }
        let at = Self.read()
        let renderer = ReportRenderer()
        for kind in ReportKind.allCases {
            let documents = [try sqlite.report(kind, generatedAt: at), try postgres.report(kind, generatedAt: at)]
            for format in ReportFormat.allCases {
                let texts = try zip(documents, [try sqlite.store.storeVersion(), try postgres.vault.storeVersion()]).map { document, version in
                    String(decoding: try renderer.render(document, as: format), as: UTF8.self).replacingOccurrences(of: version, with: "<store>")
                }
                #expect(texts[0] == texts[1], "\(kind.rawValue) as \(format.rawValue)")
            }
        }
        #expect(try postgres.reporter.report(.requests) == nil, "the requests report needs the registers besides the report source")
        let activity = try #require(try postgres.reporter.report(.activity, subject: "D-1", generatedAt: at))
        #expect(String(decoding: try renderer.render(activity, as: .csv), as: UTF8.self).contains("marketing-service"))
        #expect(throws: ReportError.self) { try postgres.reporter.report(.activity, subject: "NOBODY", generatedAt: at) }
        }
    }

    /// Access packages and portability exports: the same history gives the same package (JSON
    /// and HTML) and the same export on both backends; the answer is kept sealed for the
    /// status page, and goes with an erasure of any of the subject's fields.
    @Test func accessAndPortabilityAnswerAlikeOnBothBackends() async throws {
        try await Self.withBothEngines { sqlite, postgres in
            var answers: [(package: Data, html: String, export: Data, csv: Data)] = []
            for (engine, rights, requests) in [(sqlite as any ServiceEngine, sqlite.rightsDesk, sqlite.requestDesk), (postgres, postgres.rights, postgres.requests)] {
                let add: ([NewSubject]) throws -> Void = engine is PrivacyEngine ? { try sqlite.addSubjects($0, by: "test") } : { try postgres.addSubjects($0, by: "test") }
                try add([PostgresVaultTests.debtor("D-1", marker: "ac01"),
                         NewSubject(id: "PR-1", category: "prospect", values: ["email": "news@example.nl", "person_name": "Nieuws Lezer"], source: "web-form")])
                _ = engine.share(subject: "D-1", fields: ["person_name"], purpose: "P-DEBT-COLLECT", recipient: "R-CRM", recipientName: nil,
                                 destination: nil, procedure: nil, actor: "collections-service")
                _ = try engine.giveConsent(ConsentGrant(subject: "PR-1", purposes: ["P-NEWSLETTER-EMAIL"], method: .checkboxTicked, channel: "web-form",
                                                        ageAtConsent: 30), by: "test")
                let unverified = try requests.openRequest(subject: "D-1", type: .access, channel: "letter", by: "officer").id
                #expect(throws: RequestRefusal.self, "nothing is disclosed before the identity is verified") {
                    try rights.fulfilAccess(request: unverified, by: "officer")
                }
                let access = try requests.openRequest(subject: "D-1", type: .access, channel: "e-mail", identityVerifiedBy: "e-mail matches data held", by: "officer").id
                let (package, html) = try rights.fulfilAccess(request: access, by: "officer", language: "en")
                #expect(package.fields.first { $0.field == "email" }?.value == "ac01@example.nl")
                #expect(try package.recipients.map(\.recipient) == ["R-CRM"] && requests.request(access)?.status == .completed)
                let kept = try #require(try rights.store.sealedAnswer(request: access, includingHeld: true))
                #expect(!String(decoding: kept.html + kept.json, as: UTF8.self).contains("ac01"), "the answer is sealed")
                #expect(rights.keyring.openAnswer(kept, request: access)?.html == html)

                let portability = try requests.openRequest(subject: "PR-1", type: .portability, channel: "e-mail",
                                                           identityVerifiedBy: "e-mail matches data held", by: "officer").id
                let export = try rights.fulfilPortability(request: portability, by: "officer")
                #expect(Set(export.items.map(\.field)) == ["email", "person_name"] && export.items.allSatisfy { $0.purposes == ["P-NEWSLETTER-EMAIL"] })
                answers.append((package.json, html, export.json, export.csv))

                let erasure = try requests.openRequest(subject: "D-1", type: .erasure, channel: "e-mail", identityVerifiedBy: "e-mail matches data held", by: "officer").id
                _ = try rights.fulfilErasure(request: erasure, by: "officer")
                #expect(try rights.store.sealedAnswer(request: access, includingHeld: true) == nil, "an erasure takes the kept answer with it")
        }
        #expect(answers.count == 2)
        #expect(answers[0].package == answers[1].package && answers[0].html == answers[1].html, "the same access package on both backends")
        #expect(answers[0].export == answers[1].export && answers[0].csv == answers[1].csv, "the same portability export on both backends")
        }
    }

    /// An auditor's checks on the shared log: a signed checkpoint holds while the log grows,
    /// and names deleted entries; the vault and its keyring agree on who has a key.
    @Test func aCheckpointOfTheSharedLogCatchesDeletedEntries() async throws {
        try await PostgresVaultTests.withWorld { world in
            try world.vaults[0].importSubjects([PostgresVaultTests.debtor("D-1", marker: "cp01"), PostgresVaultTests.debtor("D-2", marker: "cp02")],
                                               at: world.clock.read(), by: "test")
            let read = DecisionRequest(actor: "collections-service", action: .read, subject: "D-1", purpose: "P-DEBT-COLLECT", fields: ["email"])
            for _ in 0..<3 { #expect(world.gates[0].gate(read).logSequence != nil) }
            let vault = world.vaults[0]
            let checkpoint = try vault.checkpoint(vault: "V-1", at: world.clock.read())
            #expect(checkpoint.seq == 3)
            #expect(try vault.verify(checkpoint, vault: "V-1") == .holds)
            #expect(try vault.verify(checkpoint, vault: "V-2") == .otherVault)
            var forged = checkpoint
            forged.seq = 2
            #expect(try vault.verify(forged, vault: "V-1") == .signatureInvalid)
            _ = world.gates[0].gate(read)
            #expect(try vault.verify(checkpoint, vault: "V-1") == .holds, "a log that grew still reaches the checkpoint")
            try vault.run { client, logger in _ = try await client.query("DELETE FROM decision_log WHERE seq >= 3", logger: logger) }
            #expect(try vault.verify(checkpoint, vault: "V-1") == .entriesMissing(logHead: 2, checkpoint: 3))

            #expect(try vault.keyringAgreement().holds)
            try vault.run { client, logger in _ = try await client.query("DELETE FROM subjects WHERE id = 'D-2'", logger: logger) }
            #expect(try vault.keyringAgreement() == KeyringAgreement(subjectsWithoutKey: [], keysWithoutSubject: ["D-2"]))
        }
    }

    /// The consent ledger's and the breach register's histories cannot be changed in the
    /// database, as on SQLite; a statement that tries is refused and changes nothing.
    @Test func theConsentAndBreachHistoriesAreAppendOnlyInTheDatabase() async throws {
        try await PostgresVaultTests.withWorld { world in
            try world.vaults[0].importSubjects([NewSubject(id: "PR-1", category: "prospect", values: ["email": "ao@example.nl"], source: "web-form")],
                                               at: world.clock.read(), by: "test")
            let consent = ConsentDesk(policy: world.engine.policy, clock: world.clock.read, decisions: world.vaults[0], consents: world.vaults[0])
            _ = try consent.giveConsent(ConsentGrant(subject: "PR-1", purposes: ["P-NEWSLETTER-EMAIL"], method: .checkboxTicked, channel: "web-form", ageAtConsent: 30),
                                        by: "test")
            let breaches = BreachDesk(policy: world.engine.policy, clock: world.clock.read, store: world.vaults[0])
            let now = world.clock.read()
            _ = try breaches.recordBreach(BreachDesk.BreachReport(nature: [.availability], awareAt: now, scope: .vault,
                                                                   window: (Instant(millisecondsSinceEpoch: now.millisecondsSinceEpoch - 3_600_000), now),
                                                                   description: "the vault was unavailable for an hour"), by: "officer")
            let vault = world.vaults[0]
            for (table, column) in [("consent_events", "recorded_at"), ("breach_events", "at")] {
                let refusal = #expect(throws: StoreError.self, "\(table)") {
                    try vault.run { client, logger in _ = try await client.query(PostgresQuery(unsafeSQL: "UPDATE \(table) SET \(column) = 0"), logger: logger) }
                }
                #expect(refusal.map(String.init(describing:))?.contains("refused a statement: [23001] \(table) is append-only") == true, "refused by the trigger, not an outage")
                let changed = try vault.run { client, logger in
                    var count = 0
                    for try await rows in try await client.query(PostgresQuery(unsafeSQL: "SELECT count(*)::bigint FROM \(table) WHERE \(column) = 0"), logger: logger).decode(Int.self) {
                        count = rows
                    }
                    return count
                }
                #expect(changed == 0, "\(table) unchanged")
            }
            #expect(PostgresSchema.statements(of: "CREATE FUNCTION f() RETURNS int AS $$ BEGIN RETURN 1; END; $$ LANGUAGE plpgsql; SELECT 1;") ==
                    ["CREATE FUNCTION f() RETURNS int AS $$ BEGIN RETURN 1; END; $$ LANGUAGE plpgsql", "SELECT 1"])
        }
    }

    /// Two processes filing at once share one numbering: no id twice, none skipped.
    @Test func requestsFiledByTwoProcessesAtOnceAreNumberedOnce() async throws {
        try await PostgresVaultTests.withWorld(processes: 2) { world in
            try world.vaults[0].importSubjects([PostgresVaultTests.debtor("D-1", marker: "rq02")], at: world.clock.read(), by: "test")
            let desks = world.vaults.map { RequestDesk(policy: world.engine.policy, clock: world.clock.read, store: $0) }
            let ids = Mutex<[String]>([])
            DispatchQueue.concurrentPerform(iterations: 12) { index in
                if let request = try? desks[index % 2].openRequest(subject: "D-1", type: .access, channel: "letter", by: "officer") {
                    ids.withLock { $0.append(request.id) }
                }
            }
            #expect(ids.withLock { $0.sorted() } == (1...12).map { String(format: "RQ-2025-%04d", $0) })
        }
    }

    /// `custos init` SIGKILLed after it made the keyring and before it recorded the vault: the
    /// next init finishes with that keyring; a keyring in use is never taken over.
    @Test func anInitInterruptedAfterTheKeyringIsFinishedByTheNext() async throws {
        try await PostgresDecisionLogTests.withDatabase { address in
            try await PostgresDecisionLogTests.withDatabase { keyringAddress in
                try await KeyringStorageTests.offThePool {
                    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("custos-init-\(UUID().uuidString)")
                    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                    defer { try? FileManager.default.removeItem(at: folder) }
                    let place = PostgresKeyringPlace(address: keyringAddress)
                    #expect(try !place.exists())
                    // Looking makes nothing: had it made a keyring's tables in the vault's
                    // database, the vault would refuse that database below.
                    #expect(try !PostgresKeyringPlace(address: address).exists())
                    let key = folder.appendingPathComponent("custos.key").path
                    // What the interrupted init left: the key file and an unused keyring.
                    _ = try Keyring.create(in: place.create(), master: MasterKeyFile.create(at: key), source: "file", salt: nil, now: Self.read())
                    #expect(try place.exists())
                    let engine = try PostgresEngine.initialise(vault: address, keyring: place, masterKey: .file(key), policies: PostgresVaultTests.policies,
                                                               clock: Self.read)
                    _ = try engine.addServiceAccount(name: "crm", actor: "collections-service")
                    #expect(throws: StoreError.alreadyInitialised(address.description)) {
                        try PostgresEngine.initialise(vault: address, keyring: place, masterKey: .file(key), policies: PostgresVaultTests.policies)
                    }
                }
            }
        }
    }

    /// A keyring something already uses is refused by init, whatever vault it is given.
    @Test func anInitRefusesAKeyringInUse() async throws {
        try await PostgresDecisionLogTests.withDatabase { address in
            try await KeyringStorageTests.offThePool {
                let folder = FileManager.default.temporaryDirectory.appendingPathComponent("custos-init-\(UUID().uuidString)")
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                defer { try? FileManager.default.removeItem(at: folder) }
                let place = KeyringFile(path: folder.appendingPathComponent("custos.keys.db").path)
                let key = folder.appendingPathComponent("custos.key").path
                let keyring = try Keyring.create(in: place.create(), master: MasterKeyFile.create(at: key), source: "file", salt: nil, now: Self.read())
                _ = try keyring.addServiceAccount(name: "crm", actor: "collections-service", at: Self.read())
                #expect(throws: StoreError.keyringExists(place.location)) {
                    try PostgresEngine.initialise(vault: address, keyring: place, masterKey: .file(key), policies: PostgresVaultTests.policies)
                }
            }
        }
    }
}
