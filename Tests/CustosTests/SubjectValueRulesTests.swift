import Custos
import CustosStore
import CustosTestSupport
import Foundation
import Testing

/// Every way of adding a subject or storing a value checks the same rules, on both backends:
/// `addSubjects` (the library's, the CLI's on PostgreSQL) did not check birth dates on
/// PostgreSQL, nor ids, categories and fields on SQLite, and an empty value was stored
/// everywhere, blind-indexed like any other.
extension OnBothBackends {
struct SubjectValueRulesTests {
    @Test(arguments: Backend.reachable) func everyWayOfAddingASubjectRefusesWhatOneWayRefused(_ backend: Backend) async throws {
        try await BackendFixture.with(backend) { fixture in
            let refused: [(NewSubject, String)] = [
                (NewSubject(id: "D-1", category: "debtor", values: ["email": ""]), "email: a value may not be empty or blank; leave the field out to store nothing"),
                (NewSubject(id: "D-2", category: "debtor", values: ["email": "  \t"]), "email: a value may not be empty or blank; leave the field out to store nothing"),
                (NewSubject(id: "D-3", category: "debtor", values: ["birth_date": "2999-01-01"]), "birth_date: a birth date lies in the future"),
                (NewSubject(id: "D 4", category: "debtor", values: ["email": "d4@example.nl"]), "a subject id"),
                (NewSubject(id: "D-5", category: "debitor", values: ["email": "d5@example.nl"]), "debitor"),
                (NewSubject(id: "D-6", category: "debtor", values: ["shoe_size": "44"]), "shoe_size"),
                (NewSubject(id: "D-7", category: "debtor", values: ["email": "d7@example.nl"], source: " "), "a subject's source (where its data came from) may not be empty"),
                (NewSubject(id: "D-10", category: "debtor", values: ["person_name": "Jan\u{1B}[2J Jansen"]), "person_name: a value may not hold control characters other than tabs and line ends"),
                (NewSubject(id: "D-11", category: "debtor", values: ["person_name": "Jan\u{9B}31m"]), "person_name: a value may not hold control characters"),
                (NewSubject(id: "D-12", category: "debtor", values: ["person_name": "Jan\u{0}"]), "person_name: a value may not hold control characters"),
                (NewSubject(id: "D-13", category: "debtor", values: ["email": "d13@example.nl"],
                            events: [LifecycleEventFact(event: "file-opened", date: LocalDate(year: 2999, month: 1, day: 10)!)]),
                 "a lifecycle event's date cannot be later than today"),
                (NewSubject(id: "D-14", category: "debtor", values: ["email": "d14@example.nl"],
                            events: [LifecycleEventFact(event: "file-opened", date: LocalDate(year: 25, month: 1, day: 10)!)]),
                 "a lifecycle event's date cannot be before 1900-01-01; it says 0025-01-10"),
                (NewSubject(id: "D-8", category: "debtor", values: ["email": "d8@example.nl"],
                            events: [LifecycleEventFact(event: "file-opend", date: LocalDate(year: 2025, month: 1, day: 10)!)]), "file-opend"),
            ]
            for (subject, message) in refused {
                // Alone, and as the last of a batch whose first subject is fine: nothing of either is stored.
                for batch in [[subject], [NewSubject(id: "D-9", category: "debtor", values: ["email": "d9@example.nl"]), subject]] {
                    let error = #expect(throws: StoreError.self) { try fixture.adding(batch) }
                    let text = error.map { String(describing: $0) } ?? ""
                    #expect(text.contains(message), "\(subject.id): \(text)")
                    let stored = try fixture.service.existingSubjects(batch.map(\.id))
                    #expect(stored.isEmpty, "\(subject.id): nothing stored")
                }
            }
        }
    }

    @Test(arguments: Backend.reachable) func aLifecycleEventHasHappenedAndIsNoSlipOfTheYear(_ backend: Backend) async throws {
        try await BackendFixture.with(backend) { fixture in
            try fixture.add(NewSubject(id: "D-1", category: "debtor", values: ["email": "d1@example.nl"],
                                       events: [LifecycleEventFact(event: "file-opened", date: LocalDate(year: 2012, month: 3, day: 1)!)]))
            let today = fixture.engine.policy.localDate(of: fixture.clock.now)
            let tomorrow = LocalDate(daysSinceEpoch: today.daysSinceEpoch + 1)
            for (date, message) in [(tomorrow, "cannot be later than today (\(today)); it says \(tomorrow)"),
                                    (LocalDate(year: 25, month: 6, day: 30)!, "cannot be before 1900-01-01; it says 0025-06-30"),
                                    (LocalDate(year: 1899, month: 12, day: 31)!, "cannot be before 1900-01-01")] {
                let error = #expect(throws: StoreError.self) { try fixture.service.recordEvent(subject: "D-1", event: "file-closed", effective: date, by: "test") }
                #expect(error.map { String(describing: $0) }?.contains(message) == true, "\(date)")
            }
            let recorded = try fixture.service.recordEvent(subject: "D-1", event: "file-closed", effective: nil, by: "test")
            #expect(recorded == today, "without a date: today on the engine's clock")
            #expect(try fixture.service.recordEvent(subject: "D-1", event: "file-closed", effective: LocalDate(year: 1900, month: 1, day: 1)!, by: "test")
                    == LocalDate(year: 1900, month: 1, day: 1)!, "the bounds themselves are taken")
        }
    }

    @Test(arguments: Backend.reachable) func aStoredValueMayNotBeBlank(_ backend: Backend) async throws {
        try await BackendFixture.with(backend) { fixture in
            try fixture.add(NewSubject(id: "D-1", category: "debtor", values: ["email": "d1@example.nl"],
                                       events: [LifecycleEventFact(event: "file-opened", date: LocalDate(year: 2025, month: 1, day: 10)!)]))
            for blank in ["", " ", "new\u{1B}]0;owned\u{7}@example.nl"] {
                #expect(throws: StoreError.self) {
                    try fixture.service.store(subject: "D-1", values: ["email": blank], purpose: "P-DEBT-COLLECT", source: "test", collectedAt: nil,
                                              actor: "collections-service")
                }
            }
            #expect(throws: StoreError.self, "a value's source says where it came from") {
                try fixture.service.store(subject: "D-1", values: ["email": "new@example.nl"], purpose: "P-DEBT-COLLECT", source: "", collectedAt: nil,
                                          actor: "collections-service")
            }
            let read = fixture.service.read(subject: "D-1", fields: ["email"], purpose: "P-DEBT-COLLECT", actor: "collections-service")
            #expect(read.values == ["email": "d1@example.nl"], "the value stands")
            #expect(try fixture.service.findSubjects(matching: "d1@example.nl", kind: .email) == ["D-1"])
        }
    }

    @Test(arguments: Backend.reachable) func aRequestOrAConsentSaysHowItArrived(_ backend: Backend) async throws {
        try await BackendFixture.with(backend) { fixture in
            try fixture.add(NewSubject(id: "PR-1", category: "prospect", values: ["email": "pr1@example.nl"]))
            // Blank, or holding a control character (an escape sequence, a C1 next line) that the
            // CLI would print to an officer's terminal: refused by every door, as the API's `Label` is.
            for channel in ["", "  ", "\t\n", "letter\u{1B}[2J", "web-form\u{85}"] {
                #expect(throws: StoreError.self) {
                    try fixture.service.openRequest(subject: "PR-1", type: .access, purpose: nil, channel: channel, receivedAt: nil, requester: "subject",
                                                    mandate: nil, identityVerifiedBy: nil, by: "test")
                }
                #expect(throws: StoreError.self) {
                    try fixture.service.giveConsent(ConsentGrant(subject: "PR-1", purposes: ["P-NEWSLETTER-EMAIL"], method: .checkboxTicked, channel: channel,
                                                                 ageAtConsent: 30), by: "test")
                }
                #expect(throws: StoreError.self) {
                    try fixture.service.withdrawConsent(subject: "PR-1", purposes: ["P-NEWSLETTER-EMAIL"], channel: channel, evidence: nil, effective: nil, by: "test")
                }
            }
            let filed = try fixture.service.openRequest(subject: "PR-1", type: .access, purpose: nil, channel: "letter", receivedAt: nil, requester: "subject",
                                                        mandate: nil, identityVerifiedBy: nil, by: "test")
            #expect(filed.id.hasSuffix("-0001"), "the refused ones filed nothing: \(filed.id)")
            for age in [-3, 151] {
                #expect(throws: StoreError.self, "no one is \(age)") {
                    try fixture.service.giveConsent(ConsentGrant(subject: "PR-1", purposes: ["P-NEWSLETTER-EMAIL"], method: .checkboxTicked, channel: "web-form",
                                                                 ageAtConsent: age), by: "test")
                }
            }
            // An identity check must name how it was made: a blank one verifies nothing.
            let blank = try fixture.service.openRequest(subject: "PR-1", type: .access, purpose: nil, channel: "letter", receivedAt: nil, requester: "subject",
                                                        mandate: nil, identityVerifiedBy: "  ", by: "test")
            #expect(blank.identity == .unverified && blank.status == .awaitingIdentity && blank.identityMethod == nil)
            #expect(throws: RequestRefusal.self) { try fixture.office.requests.verifyIdentity(request: blank.id, method: " \t", by: "officer") }
            #expect(throws: StoreError.self) { try fixture.office.requests.verifyIdentity(request: blank.id, method: "passport\u{7}", by: "officer") }
            #expect(throws: StoreError.self) {
                try fixture.office.officer.placeHold(subject: "PR-1", reference: "C/09/1\u{1B}]0;x\u{7}", fields: nil, by: "officer")
            }
            #expect(try fixture.office.requests.verifyIdentity(request: blank.id, method: "case number and postcode", by: "officer").identity == .verified)
            let given = try fixture.service.giveConsent(ConsentGrant(subject: "PR-1", purposes: ["P-NEWSLETTER-EMAIL"], method: .checkboxTicked,
                                                                     channel: "web-form", ageAtConsent: 30), by: "test")
            #expect(given.count == 1, "and a channel that says something is taken")
            // What proves a consent and who authorised a child's are records too: a blank parent
            // authorised nothing (Art. 8), and an escape in evidence would reach a terminal.
            let blankParent = try fixture.service.giveConsent(ConsentGrant(subject: "PR-1", purposes: ["P-NEWSLETTER-EMAIL"], method: .checkboxTicked, channel: "web-form",
                                                                           by: .parent, parentalAuthorisation: ParentalAuthorisation(by: "  ", verifiedVia: " "),
                                                                           ageAtConsent: 12), by: "test")
            #expect(blankParent.first.map { if case .refused(_, .consentUnderage, _) = $0 { true } else { false } } == true, "refused under Art. 8, and recorded")
            let refusedGrants = [
                ConsentGrant(subject: "PR-1", purposes: ["P-NEWSLETTER-EMAIL"], method: .checkboxTicked, channel: "web-form", by: .parent,
                             parentalAuthorisation: ParentalAuthorisation(by: "Ma\u{1B}[8m", verifiedVia: "id card"), ageAtConsent: 12),
                ConsentGrant(subject: "PR-1", purposes: ["P-NEWSLETTER-EMAIL"], method: .checkboxTicked, channel: "web-form", evidence: "snap\u{9B}2J", ageAtConsent: 30),
                ConsentGrant(subject: "PR-1", purposes: ["P-NEWSLETTER-EMAIL"], method: .checkboxTicked, channel: "web-form", evidence: " ", ageAtConsent: 30),
            ]
            for grant in refusedGrants {
                #expect(throws: StoreError.self) { try fixture.service.giveConsent(grant, by: "test") }
            }
            #expect(throws: StoreError.self) {
                try fixture.service.withdrawConsent(subject: "PR-1", purposes: ["P-NEWSLETTER-EMAIL"], channel: "letter", evidence: "scan\u{7}", effective: nil, by: "test")
            }
            let ledger = try fixture.service.consents(for: "PR-1")
            #expect(ledger.history.count == 1 && ledger.current["P-NEWSLETTER-EMAIL"]?.state == .given, "the refused ones recorded nothing")
        }
    }

    /// A request's deadline counts from its receipt, and an objection stops what it names: a
    /// receipt in the future was taken as now, one in 1900 filed an overdue request, and an
    /// objection to a misspelt purpose stopped nothing; a purpose on an access request was
    /// shown as its scope while the right covers every purpose.
    @Test(arguments: Backend.reachable) func aRequestSaysWhenItArrivedAndAnObjectionWhatItIsTo(_ backend: Backend) async throws {
        try await BackendFixture.with(backend) { fixture in
            try fixture.add(NewSubject(id: "D-1", category: "debtor", values: ["email": "d1@example.nl"]))
            let now = fixture.clock.now
            func open(_ type: RightsRequestType, purpose: String? = nil, received: Instant? = nil) throws -> RightsRequest {
                try fixture.service.openRequest(subject: "D-1", type: type, purpose: purpose, channel: "letter", receivedAt: received, requester: "subject",
                                                mandate: nil, identityVerifiedBy: nil, by: "test")
            }
            let refused: [(() throws -> RightsRequest, String)] = [
                ({ try open(.access, received: Instant(millisecondsSinceEpoch: now.millisecondsSinceEpoch + 3_600_000)) }, "cannot be later than now"),
                ({ try open(.access, received: Instant(iso8601: "1900-01-01T00:00:00Z")) }, "25 May 2018"),
                ({ try open(.objection, purpose: "P-DEBT-COLECT") }, "P-DEBT-COLECT"),
                ({ try open(.access, purpose: "P-DEBT-COLLECT") }, "only an objection names a purpose"),
            ]
            for (attempt, message) in refused {
                let error = #expect(throws: StoreError.self) { try attempt() }
                #expect(error.map { String(describing: $0) }?.contains(message) == true, "\(message): \(String(describing: error))")
            }
            let tomorrow = Instant(millisecondsSinceEpoch: now.millisecondsSinceEpoch + 86_400_000)
            let future = #expect(throws: StoreError.self) { try fixture.service.recordObjection(subject: "D-1", purpose: "P-SCORING", kind: .general, effective: tomorrow) }
            #expect(future.map { String(describing: $0) }?.contains("an objection's receipt cannot be later than now") == true)
            #expect(try fixture.office.overview.objectionsAwaitingAssessment().isEmpty, "no objection was recorded")
            // Clocks differ by seconds: a receipt a minute ahead is taken as now.
            let skewed = try open(.access, received: Instant(millisecondsSinceEpoch: now.millisecondsSinceEpoch + 60_000))
            #expect(skewed.receivedAt == now && skewed.id.hasSuffix("-0001"), "the refused ones filed nothing: \(skewed.id)")
            let objection = try open(.objection, purpose: "P-DEBT-COLLECT", received: Instant(iso8601: "2018-05-25T00:00:00Z"))
            #expect(objection.purpose == "P-DEBT-COLLECT" && objection.receivedAt == Instant(iso8601: "2018-05-25T00:00:00Z"))
        }
    }

    /// A record's free text (reasons, a breach's description) keeps its lines but holds no other
    /// control character, and an override's reference is one line that says something; before,
    /// an escape sequence was stored and printed to the officer's terminal, and a blank
    /// reference was taken (a missing one was reported as a storage error).
    @Test(arguments: Backend.reachable) func aRecordsFreeTextHoldsNoControlCharacters(_ backend: Backend) async throws {
        try await BackendFixture.with(backend) { fixture in
            try fixture.add(NewSubject(id: "D-1", category: "debtor", values: ["email": "d1@example.nl"]))
            let request = try fixture.service.openRequest(subject: "D-1", type: .access, purpose: nil, channel: "letter", receivedAt: nil, requester: "subject",
                                                          mandate: nil, identityVerifiedBy: nil, by: "test")
            let desk = fixture.office.requests
            for attempt in [{ _ = try desk.extendRequest(request.id, reasons: "complex\u{1B}[2J", by: "test") },
                            { _ = try desk.rejectRequest(request.id, reasons: "excessive\u{9B}0m", by: "test") }] {
                let error = #expect(throws: StoreError.self) { try attempt() }
                #expect(error.map { String(describing: $0) }?.contains("may not hold control characters other than tabs and line ends") == true)
            }
            #expect(try desk.request(request.id)?.status == .awaitingIdentity, "neither was recorded")
            _ = try desk.extendRequest(request.id, reasons: "complex:\n\tthree creditors", by: "test")
            let breach = BreachDesk.BreachReport(nature: [.availability], awareAt: fixture.clock.now, processorNoticeAt: nil, scope: .vault,
                                                 window: (Instant(millisecondsSinceEpoch: fixture.clock.now.millisecondsSinceEpoch - 3_600_000), fixture.clock.now),
                                                 description: "laptop lost\u{1B}]0;owned\u{7}")
            let refused = #expect(throws: BreachRefusal.self) { try fixture.office.breaches.recordBreach(breach, by: "test") }
            #expect(refused?.description == "the description may not hold control characters other than tabs and line ends")
            #expect(try fixture.office.breaches.breaches().isEmpty)
            let objection = try fixture.engine.recordObjection(subject: "D-1", purpose: "P-SCORING", kind: .general)
            for reference in [nil, "   ", "DPIA-7\u{1B}[8m"] {
                #expect(throws: StoreError.self, "\(String(describing: reference))") {
                    try fixture.office.officer.assessObjection(id: objection, assessment: .overridden, reference: reference, by: "test")
                }
            }
            #expect(try fixture.office.overview.objectionsAwaitingAssessment().count == 1, "none was assessed")
            for note in ["why\u{1B}[2J", "call jan@example.nl"] {
                #expect(throws: SubProcessorRefusal.self, "\(note)") {
                    try fixture.office.officer.recordSubProcessor("R-CRM-HOSTING", state: .objected, note: note, by: "test")
                }
            }
            #expect(try fixture.office.officer.recordSubProcessor("R-CRM-HOSTING", state: .objected, note: "support from\noutside the EEA", by: "test") > 0)
        }
    }
}
}
