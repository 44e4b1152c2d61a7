import Custos
import CustosTestSupport
import Foundation
import GRDB
import Synchronization
import Testing

extension OnBothBackends {
struct ConsentTests {
    static let newsletter = "P-NEWSLETTER-EMAIL"

    func prospect(_ fixture: BackendFixture, _ id: String = "PR-1", birthDate: String? = nil) throws {
        var values = ["email": "\(id.lowercased())@example.nl", "person_name": "Prospect \(id)"]
        if let birthDate { values["birth_date"] = birthDate }
        try fixture.engine.addSubject(NewSubject(id: id, category: "prospect", values: values), by: "test")
    }

    func readNewsletter(_ engine: TestEngine, _ id: String = "PR-1") -> GatedResult {
        engine.read(subject: id, fields: ["email"], purpose: Self.newsletter, actor: "newsletter")
    }

    func grant(_ id: String = "PR-1", purposes: [String] = [newsletter], version: Int? = nil, method: ConsentMethod = .checkboxTicked,
               age: Int? = 40, preTicked: Bool = false, conditional: Bool = false, parent: ParentalAuthorisation? = nil,
               effective: Instant? = nil) -> ConsentGrant {
        ConsentGrant(subject: id, purposes: purposes, noticeVersion: version, method: method, channel: "web-form", evidence: "snapshot-1",
                     by: parent == nil ? .subject : .parent, parentalAuthorisation: parent, ageAtConsent: age, preTicked: preTicked,
                     conditionalOnService: conditional, effective: effective)
    }

    @Test(arguments: Backend.reachable) func consentGivenPermitsAndWithdrawalDeniesImmediately(_ backend: Backend) async throws {
        try await BackendFixture.with(backend) { fixture in
            try prospect(fixture)
            #expect(readNewsletter(fixture.engine).decision.codes.contains(.consentMissing))
            #expect(try fixture.engine.giveConsent(grant(), by: "test") == [.recorded(purpose: Self.newsletter, state: .given, notice: "N-NEWS@2")])
            #expect(readNewsletter(fixture.engine).decision.outcome == .permit)
            try fixture.engine.withdrawConsent(subject: "PR-1", purposes: [Self.newsletter], channel: "e-mail", by: "test")
            let after = readNewsletter(fixture.engine)
            #expect(after.decision.outcome == .deny && after.decision.codes.contains(.consentWithdrawn))
            #expect(after.values.isEmpty)
        }
    }

    @Test(arguments: [
        ("a purpose not based on consent", ReasonCode.consentNotTheBasis),
        ("a pre-ticked box", .consentInvalidNotAffirmative),
        ("silence", .consentInvalidNotAffirmative),
        ("a notice version that does not exist", .consentUnprovable),
        ("a consent tied to a service", .consentNotFreelyGiven),
        ("a fifteen-year-old alone", .consentUnderage),
        ("an unknown age where minors may sign up", .consentUnderage),
    ], Backend.reachable)
    func theDoorRefusesAndRecordsIt(_ refusal: (rule: String, code: ReasonCode), _ backend: Backend) async throws {
        let (rule, code) = refusal
        try await BackendFixture.with(backend) { fixture in
            try prospect(fixture)
            let attempt: ConsentGrant = switch rule {
            case "a purpose not based on consent": grant(purposes: ["P-PROSPECT-MKT-POST"])
            case "a pre-ticked box": grant(preTicked: true)
            case "silence": grant(method: .silence)
            case "a notice version that does not exist": grant(version: 9)
            case "a consent tied to a service": grant(conditional: true)
            case "a fifteen-year-old alone": grant(age: 15)
            default: grant(age: nil)
            }
            let outcomes = try fixture.engine.giveConsent(attempt, by: "test")
            guard case let .refused(_, refusedCode, message)? = outcomes.first else { Issue.record("not refused: \(outcomes)"); return }
            #expect(refusedCode == code)
            #expect(!message.isEmpty && !message.contains("pr-1@example.nl"))
            let (history, current, refusals) = try fixture.engine.consents(for: "PR-1")
            #expect(history.isEmpty && current.isEmpty, "a refusal changes no state")
            #expect(refusals.map(\.code) == [code], "the refusal is recorded")
            #expect(readNewsletter(fixture.engine).decision.outcome == .deny)
        }
    }

    @Test(arguments: Backend.reachable) func aPurposeNamedTwiceIsOneConsentAndOneWithdrawal(_ backend: Backend) async throws {
        try await BackendFixture.with(backend) { fixture in
            try prospect(fixture)
            #expect(try fixture.engine.giveConsent(grant(purposes: [Self.newsletter, Self.newsletter]), by: "test")
                    == [.recorded(purpose: Self.newsletter, state: .given, notice: "N-NEWS@2")])
            try fixture.engine.withdrawConsent(subject: "PR-1", purposes: [Self.newsletter, Self.newsletter], channel: "e-mail", by: "test")
            #expect(try fixture.engine.consents(for: "PR-1").history.map(\.state) == [.given, .withdrawn])
        }
    }

    @Test(arguments: Backend.reachable) func consentForSeveralPurposesIsStoredPerPurpose(_ backend: Backend) async throws {
        try await BackendFixture.with(backend) { fixture in
            try fixture.engine.addSubject(NewSubject(id: "D-1", category: "debtor", values: ["email": "d@example.nl", "birth_date": "1980-02-01"]), by: "test")
            let outcomes = try fixture.engine.giveConsent(grant("D-1", purposes: ["P-DEBT-HELP-REFERRAL", Self.newsletter], age: nil), by: "test")
            #expect(outcomes.count == 2)
            #expect(outcomes.contains(.recorded(purpose: "P-DEBT-HELP-REFERRAL", state: .given, notice: "N-DEBT-HELP@1")))
            #expect(outcomes.contains { if case .refused("P-NEWSLETTER-EMAIL", .consentNotTheBasis, _) = $0 { true } else { false } }, "the newsletter does not cover debtors")
            #expect(try fixture.engine.consents(for: "D-1").current.keys.sorted() == ["P-DEBT-HELP-REFERRAL"])
        }
    }

    @Test(arguments: Backend.reachable) func consentExpiresAfterThePurposesValidity(_ backend: Backend) async throws {
        try await BackendFixture.with(backend, start: Instant(iso8601: "2024-01-15T10:00:00+01:00")!) { fixture in
            try prospect(fixture)
            _ = try fixture.engine.giveConsent(grant(), by: "test")
            fixture.clock.set("2025-08-31T10:00:00+02:00")
            #expect(readNewsletter(fixture.engine).decision.outcome == .permit, "within 24 months")
            fixture.clock.set("2026-01-16T10:00:00+01:00")
            let lapsed = readNewsletter(fixture.engine)
            #expect(lapsed.decision.codes.contains(.consentExpired))
            _ = try fixture.engine.giveConsent(grant(), by: "test")
            let renewed = try fixture.engine.consents(for: "PR-1").current[Self.newsletter]
            #expect(renewed?.state == .renewed && renewed?.noticeVersion == 3)
            #expect(readNewsletter(fixture.engine).decision.outcome == .permit)
        }
    }

    @Test(arguments: Backend.reachable) func aMaterialNoticeChangeRequiresRenewalAndAnEditorialOneDoesNot(_ backend: Backend) async throws {
        try await BackendFixture.with(backend, start: Instant(iso8601: "2024-03-01T10:00:00+01:00")!) { fixture in
            try prospect(fixture)
            #expect(try fixture.engine.giveConsent(grant(), by: "test") == [.recorded(purpose: Self.newsletter, state: .given, notice: "N-NEWS@1")])
            fixture.clock.set("2025-01-15T10:00:00+01:00")   // v2 (editorial) in force
            #expect(readNewsletter(fixture.engine).decision.outcome == .permit)
            fixture.clock.set("2025-10-01T10:00:00+02:00")   // v3 (material: adds the company name) in force
            // The e-mail address stays inside the scope consented to; the company name v3 added does not.
            #expect(readNewsletter(fixture.engine).decision.outcome == .permit)
            let withCompany = { fixture.engine.read(subject: "PR-1", fields: ["email", "company_name"], purpose: Self.newsletter, actor: "newsletter") }
            #expect(withCompany().decision.codes.contains(.consentNoticeVersionMismatch))
            _ = try fixture.engine.giveConsent(grant(), by: "test")
            #expect(withCompany().decision.outcome == .permit)
            #expect(try fixture.engine.consents(for: "PR-1").current[Self.newsletter]?.noticeReference == "N-NEWS@3")
        }
    }

    @Test(arguments: Backend.reachable) func aFifteenYearOldNeedsAVerifiedParent(_ backend: Backend) async throws {
        try await BackendFixture.with(backend) { fixture in
            try prospect(fixture, "W-1", birthDate: "2009-09-01")
            let alone = try fixture.engine.giveConsent(grant("W-1", age: nil), by: "test")
            #expect(alone.first.map { if case .refused(_, .consentUnderage, _) = $0 { true } else { false } } == true)
            let unverified = try fixture.engine.giveConsent(grant("W-1", age: nil, parent: ParentalAuthorisation(by: "mother", verifiedVia: "")), by: "test")
            #expect(unverified.first.map { if case .refused(_, .consentUnderage, _) = $0 { true } else { false } } == true)
            let withParent = try fixture.engine.giveConsent(grant("W-1", age: nil, parent: ParentalAuthorisation(by: "mother", verifiedVia: "signed form and ID check")), by: "test")
            #expect(withParent == [.recorded(purpose: Self.newsletter, state: .given, notice: "N-NEWS@2")])
            let event = try fixture.engine.consents(for: "W-1").current[Self.newsletter]
            #expect(event?.ageAtConsent == 15 && event?.expressedBy == .parent)
            #expect(readNewsletter(fixture.engine, "W-1").decision.outcome == .permit)
        }
    }

    @Test(arguments: Backend.reachable) func noConsentTakesEffectInTheFuture(_ backend: Backend) async throws {
        try await BackendFixture.with(backend) { fixture in
            try prospect(fixture)
            #expect(throws: ConsentError.self) {
                try fixture.engine.giveConsent(grant(effective: Instant(iso8601: "2025-06-03T09:00:00+02:00")!), by: "test")
            }
            // A paper form signed last week is entered today, effective last week.
            let signed = Instant(iso8601: "2025-05-26T14:00:00+02:00")!
            _ = try fixture.engine.giveConsent(grant(method: .signedForm, effective: signed), by: "test")
            let event = try #require(try fixture.engine.consents(for: "PR-1").current[Self.newsletter])
            #expect(event.effectiveAt == signed && event.recordedAt == VaultFixture.now)
        }
    }

    /// A withdrawal dated before the consent now in force would be recorded and reported as
    /// done while the later consent stood: it is refused, and so is a slip of the year.
    @Test(arguments: Backend.reachable) func aWithdrawalCannotBeDatedBeforeTheConsentItWithdraws(_ backend: Backend) async throws {
        try await BackendFixture.with(backend) { fixture in
            try prospect(fixture)
            let signed = Instant(iso8601: "2025-05-26T14:00:00+02:00")!
            _ = try fixture.engine.giveConsent(grant(method: .signedForm, effective: signed), by: "test")
            for effective in [Instant(iso8601: "2025-05-20T09:00:00+02:00")!, Instant(iso8601: "0025-05-27T09:00:00+02:00")!] {
                let error = #expect(throws: ConsentError.self, "\(effective)") {
                    try fixture.engine.withdrawConsent(subject: "PR-1", purposes: [Self.newsletter], channel: "letter", effective: effective, by: "test")
                }
                #expect(error.map { String(describing: $0) }.map { $0.contains("cannot take back a later consent") || $0.contains("before 1900-01-01") } == true)
            }
            #expect(try fixture.engine.consents(for: "PR-1").history.map(\.state) == [.given], "nothing was recorded")
            #expect(readNewsletter(fixture.engine).decision.outcome == .permit, "the consent stands")
            // Dated between the consent and now: taken, and it withdraws.
            try fixture.engine.withdrawConsent(subject: "PR-1", purposes: [Self.newsletter], channel: "letter",
                                               effective: Instant(iso8601: "2025-05-30T09:00:00+02:00")!, by: "test")
            #expect(readNewsletter(fixture.engine).decision.codes.contains(.consentWithdrawn))
            #expect(throws: ConsentError.self, "a slip of the year, with no consent in force either") {
                try fixture.engine.withdrawConsent(subject: "PR-1", purposes: [Self.newsletter], channel: "letter",
                                                   effective: Instant(iso8601: "0025-05-30T09:00:00+02:00")!, by: "test")
            }
        }
    }

    @Test(arguments: Backend.reachable) func noReadStartedAfterAWithdrawalReturnsIsPermitted(_ backend: Backend) async throws {
        try await BackendFixture.with(backend) { fixture in
            try prospect(fixture)
            _ = try fixture.engine.giveConsent(grant(), by: "test")
            let engine = fixture.engine
            let state = WithdrawalState()
            // Six readers on their own threads; a seventh withdraws once they have read a while.
            let violations = onThreads(7) { worker -> Int in
                if worker == 6 {
                    while state.reads < 60 { usleep(1000) }
                    try? engine.withdrawConsent(subject: "PR-1", purposes: ["P-NEWSLETTER-EMAIL"], channel: "phone", by: "test")
                    state.markWithdrawn()
                    return 0
                }
                var violations = 0, readsAfter = 0, reads = 0
                // Read until this reader has done 20 reads that started after the withdrawal returned.
                while readsAfter < 20, reads < 5_000 {
                    let startedAfterWithdrawal = state.isWithdrawn
                    let result = engine.read(subject: "PR-1", fields: ["email"], purpose: "P-NEWSLETTER-EMAIL", actor: "newsletter")
                    state.countRead()
                    reads += 1
                    if startedAfterWithdrawal {
                        readsAfter += 1
                        if result.decision.outcome != .deny || !result.values.isEmpty { violations += 1 }
                    }
                }
                return violations
            }.reduce(0, +)
            #expect(state.isWithdrawn)
            #expect(violations == 0)
            let log = try engine.store.logEntries(from: nil, to: nil, subject: "PR-1")
            #expect(log.contains { $0.outcome == "permit" } && log.contains { $0.codes.contains("CONSENT_WITHDRAWN") }, "readers ran on both sides of the withdrawal")
        }
    }

    @Test(arguments: Backend.reachable) func aReceiptFromBeforeTheWithdrawalStillVerifiesAndATamperedOneDoesNot(_ backend: Backend) async throws {
        try await BackendFixture.with(backend) { fixture in
            try prospect(fixture)
            _ = try fixture.engine.giveConsent(grant(), by: "test")
            let receipt = try fixture.engine.consentReceipt(subject: "PR-1", purpose: Self.newsletter)
            try fixture.engine.withdrawConsent(subject: "PR-1", purposes: [Self.newsletter], channel: "e-mail", by: "test")
            #expect(fixture.engine.verify(receipt) == .valid)
            #expect(receipt.receipt.consentStatus == "given" && receipt.receipt.events.map(\.state) == ["given"])
            #expect(receipt.receipt.privacyNotice?.id == "N-NEWS" && receipt.receipt.privacyNotice?.contentHash?.hasPrefix("blake2b-256:") == true)
            #expect(receipt.receipt.legalBasis == "eu-gdpr:A6-1-a" && receipt.receipt.personalData == ["email", "person_name"])
            var tampered = receipt
            tampered.receipt.events[0].state = "refused"
            #expect(fixture.engine.verify(tampered) == .signatureInvalid)
            let later = try fixture.engine.consentReceipt(subject: "PR-1", purpose: Self.newsletter)
            #expect(later.receipt.consentStatus == "withdrawn" && later.receipt.events.map(\.state) == ["given", "withdrawn"])
            let other = try VaultFixture()
            #expect(other.engine.verify(receipt) == .otherVault)
            // Round trip through JSON, as a receipt handed to a subject would travel.
            let json = try JSONEncoder().encode(receipt)
            #expect(fixture.engine.verify(try JSONDecoder().decode(ConsentReceipt.self, from: json)) == .valid)
        }
    }
}
}

/// The SQLite file's own guard: its consent ledger refuses an update (PostgreSQL's trigger is
/// tested in `ServiceEngineTests.theConsentAndBreachHistoriesAreAppendOnlyInTheDatabase`).
struct ConsentLedgerFileTests {
    @Test func theLedgerIsAppendOnly() throws {
        let fixture = try VaultFixture()
        try fixture.engine.addSubject(NewSubject(id: "PR-1", category: "prospect", values: ["email": "pr-1@example.nl"]), by: "test")
        _ = try fixture.engine.giveConsent(ConsentGrant(subject: "PR-1", purposes: ["P-NEWSLETTER-EMAIL"], method: .checkboxTicked,
                                                        channel: "web-form", ageAtConsent: 40), by: "test")
        let queue = try DatabaseQueue(path: fixture.vaultPath)
        #expect(throws: (any Error).self) { try queue.write { db in try db.execute(sql: "UPDATE consent_events SET state = 'refused'") } }
    }
}

/// Shared between the readers and the withdrawing task.
final class WithdrawalState: Sendable {
    private let state = Mutex((withdrawn: false, reads: 0))
    var isWithdrawn: Bool { state.withLock { $0.withdrawn } }
    var reads: Int { state.withLock { $0.reads } }
    func markWithdrawn() { state.withLock { $0.withdrawn = true } }
    func countRead() { state.withLock { $0.reads += 1 } }
}
