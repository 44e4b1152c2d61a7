import Custos
import CustosStore
import CustosTestSupport
import Foundation
import Testing

/// The breach register (gdpr.md §14): the 72 hours are clock hours, across a weekend and a
/// daylight-saving change; who a breach touches is what the ledger and the log recorded,
/// checked against a tally the test keeps; ciphertext with safe keys is unintelligible, data
/// a recipient had in the clear is not; a breach closes only once its duties are done.
extension OnBothBackends {
struct BreachRegisterTests {
    static func at(_ text: String) -> Instant { Instant(iso8601: text)! }

    func record(_ fixture: BackendFixture, scope: Breach.Scope, aware: String, from: String, to: String, keysCompromised: Bool = false,
                fields: [String]? = nil) throws -> Breach {
        try fixture.engine.breachDesk.recordBreach(BreachDesk.BreachReport(
            nature: [.confidentiality], awareAt: Self.at(aware), scope: scope, fields: fields, window: (Self.at(from), Self.at(to)),
            description: "test breach", keysCompromised: keysCompromised), by: "officer")
    }

    /// Who a test breach touches, with the fields involved, as the stream hands them on.
    func fields(affectedBy breach: Breach, in fixture: BackendFixture) throws -> [String: [String]] {
        var fields: [String: [String]] = [:]
        try fixture.engine.breachDesk.forEachAffectedSubject(breach) { subject, involved, _ in
            #expect(fields[subject] == nil, "\(subject) handed on twice")
            fields[subject] = involved
        }
        return fields
    }

    /// Every letter of a test breach, in the order they were composed.
    func letters(_ breach: Breach, language: String = "nl", in fixture: BackendFixture) throws -> [BreachLetter] {
        var letters: [BreachLetter] = []
        _ = try fixture.engine.breachDesk.forEachBreachLetter(breach.id, language: language) { letters.append($0) }
        return letters
    }

    @Test(arguments: Backend.reachable) func theSeventyTwoHoursAreClockHoursAcrossAWeekendAndADaylightSavingChange(_ backend: Backend) async throws {
        // Friday 24 October 2025, 16:00 in Amsterdam; summer time ends on Sunday the 26th.
        try await BackendFixture.with(backend, start: Self.at("2025-10-24T16:30:00+02:00")) { fixture in
            let breach = try record(fixture, scope: .vault, aware: "2025-10-24T16:00:00+02:00", from: "2025-10-20T00:00:00+02:00", to: "2025-10-24T16:00:00+02:00")
            // 72 hours later is Monday 15:00 winter time: no roll to a working day, and one
            // calendar hour earlier on the wall clock than three calendar days would give.
            #expect(breach.apDeadline == Self.at("2025-10-27T15:00:00+01:00"))
            #expect(breach.apDeadline != Self.at("2025-10-27T16:00:00+01:00"))
            fixture.clock.set("2025-10-27T15:30:00+01:00")
            _ = try fixture.engine.breachDesk.assessBreach(breach.id, risk: .risk, by: "officer")
            #expect(throws: BreachRefusal.self, "late without reasons") { try fixture.engine.breachDesk.notifyAuthority(breach.id, final: false, by: "officer") }
            let onTime = try fixture.engine.breachDesk.notifyAuthority(breach.id, at: Self.at("2025-10-27T14:59:00+01:00"), final: false, by: "officer")
            #expect(onTime.apNotifiedAt == Self.at("2025-10-27T14:59:00+01:00") && onTime.lateReasons == nil)
            // The final phase may come later: the first notification was in time.
            let final = try fixture.engine.breachDesk.notifyAuthority(breach.id, final: true, by: "officer")
            #expect(final.apFinal && final.apNotifiedAt == onTime.apNotifiedAt)
            #expect(final.events.map(\.event) == ["recorded", "assessed", "ap-notified", "ap-notified-final"])
            // Each detail is kept as words beside its English, so the console can say it in Dutch.
            #expect(final.events.map { $0.detailWords?.key } == [nil, "breachEvent.assessed", "breachEvent.sent", "breachEvent.sent"])
            #expect(final.events.allSatisfy { $0.detail == $0.detailWords?.description })
            #expect(final.events[1].detail == "risk risk" && final.events[1].detailWords?.phrases["risk"]?.key == "breachEvent.risk.risk")

            let late = try record(fixture, scope: .vault, aware: "2025-10-23T09:00:00+02:00", from: "2025-10-20T00:00:00+02:00", to: "2025-10-23T09:00:00+02:00")
            let reasoned = try fixture.engine.breachDesk.notifyAuthority(late.id, final: true, lateReasons: "the processor's forensic report arrived on Monday", by: "officer")
            #expect(reasoned.lateReasons != nil)
            #expect(try fixture.engine.breachDesk.breaches(dueWithinSeconds: 24 * 3600).isEmpty, "both notified: nothing due")
        }
    }

    @Test(arguments: Backend.reachable) func whoIsAffectedIsWhatReachedTheRecipientInTheWindow(_ backend: Backend) async throws {
        try await BackendFixture.with(backend, start: Self.at("2025-06-02T09:00:00+02:00")) { fixture in
            var tally: [String: Set<String>] = [:]
            for number in 1...8 { try fixture.addDebtor("D-\(number)", marker: "breach\(number)") }
            let share = { (subject: String, fields: [String], inWindow: Bool) in
                let result = fixture.engine.share(subject: subject, fields: fields, purpose: "P-DEBT-COLLECT", recipient: "R-BAILIFF-NL", actor: "collections-service")
                if inWindow { tally[subject, default: []].formUnion(result.decision.permittedFields) }
            }
            share("D-1", ["person_name"], false)                       // before the window
            fixture.clock.set("2025-06-03T10:00:00+02:00")
            share("D-2", ["person_name", "bank_account"], true)
            share("D-3", ["email"], true)
            share("D-2", ["email"], true)
            fixture.clock.set("2025-06-04T10:00:00+02:00")
            share("D-4", ["bank_account"], true)
            _ = fixture.engine.read(subject: "D-5", fields: ["email"], purpose: "P-DEBT-COLLECT", actor: "collections-service")  // a read, not a disclosure
            fixture.clock.set("2025-06-06T10:00:00+02:00")
            share("D-6", ["person_name"], false)                       // after the window
            let breach = try record(fixture, scope: .recipient("R-BAILIFF-NL"), aware: "2025-06-06T10:00:00+02:00",
                                    from: "2025-06-03T00:00:00+02:00", to: "2025-06-05T00:00:00+02:00")
            let affected = try fixture.engine.breachDesk.affectedSubjects(breach)
            #expect(!tally.isEmpty)
            #expect(try fields(affectedBy: breach, in: fixture).mapValues(Set.init) == tally)
            #expect(affected.subjectCount == tally.count)
            #expect(affected.byCategory == ["debtor": tally.count])
            #expect(affected.records == tally.values.reduce(0) { $0 + $1.count })
            #expect(affected.marked["financial"] == ["bank_account"])
            #expect(!affected.unintelligible)

            // Only the fields the breach names.
            let names = try record(fixture, scope: .recipient("R-BAILIFF-NL"), aware: "2025-06-06T10:00:00+02:00",
                                   from: "2025-06-03T00:00:00+02:00", to: "2025-06-05T00:00:00+02:00", fields: ["bank_account"])
            #expect(try fields(affectedBy: names, in: fixture).mapValues(Set.init) == tally.compactMapValues { $0.contains("bank_account") ? ["bank_account"] : nil })

            // An actor's breach: what it was permitted to read or share in the window.
            let actor = try record(fixture, scope: .actor("collections-service"), aware: "2025-06-06T10:00:00+02:00",
                                   from: "2025-06-04T00:00:00+02:00", to: "2025-06-05T00:00:00+02:00")
            #expect(Set(try fields(affectedBy: actor, in: fixture).keys) == ["D-4", "D-5"])
        }
    }

    @Test(arguments: Backend.reachable) func ciphertextWithSafeKeysIsUnintelligibleAndNothingElseIs(_ backend: Backend) async throws {
        try await BackendFixture.with(backend) { fixture in
            try fixture.addDebtor("D-1", marker: "breach21")
            let tape = try record(fixture, scope: .vault, aware: "2025-06-02T08:00:00+02:00", from: "2025-06-01T00:00:00+02:00", to: "2025-06-02T08:00:00+02:00")
            let affected = try fixture.engine.breachDesk.affectedSubjects(tape)
            #expect(try affected.unintelligible && affected.subjectCount == 1 && fields(affectedBy: tape, in: fixture)["D-1"]?.count == 3)
            let assessed = try fixture.engine.breachDesk.assessBreach(tape.id, risk: .high, exception: .unintelligible, by: "officer")
            #expect(assessed.subjectsException == .unintelligible)

            let withKeys = try record(fixture, scope: .vault, aware: "2025-06-02T08:00:00+02:00", from: "2025-06-01T00:00:00+02:00",
                                      to: "2025-06-02T08:00:00+02:00", keysCompromised: true)
            #expect(try !fixture.engine.breachDesk.affectedSubjects(withKeys).unintelligible)
            #expect(throws: BreachRefusal.self) { try fixture.engine.breachDesk.assessBreach(withKeys.id, risk: .high, exception: .unintelligible, by: "officer") }
            let clear = try record(fixture, scope: .recipient("R-BAILIFF-NL"), aware: "2025-06-02T08:00:00+02:00", from: "2025-06-01T00:00:00+02:00",
                                   to: "2025-06-02T08:00:00+02:00")
            #expect(throws: BreachRefusal.self) { try fixture.engine.breachDesk.assessBreach(clear.id, risk: .high, exception: .unintelligible, by: "officer") }
        }
    }

    @Test(arguments: Backend.reachable) func aBreachClosesOnlyOnceItsDutiesAreDone(_ backend: Backend) async throws {
        try await BackendFixture.with(backend) { fixture in
            let breach = try record(fixture, scope: .recipient("R-BAILIFF-NL"), aware: "2025-06-02T08:00:00+02:00", from: "2025-06-01T00:00:00+02:00",
                                    to: "2025-06-02T08:00:00+02:00")
            #expect(throws: BreachRefusal.self, "not assessed") { try fixture.engine.breachDesk.closeBreach(breach.id, by: "officer") }
            _ = try fixture.engine.breachDesk.assessBreach(breach.id, risk: .high, by: "officer")
            #expect(throws: BreachRefusal.self, "not notified") { try fixture.engine.breachDesk.closeBreach(breach.id, by: "officer") }
            _ = try fixture.engine.breachDesk.notifyAuthority(breach.id, final: true, by: "officer")
            #expect(throws: BreachRefusal.self, "the people not told") { try fixture.engine.breachDesk.closeBreach(breach.id, by: "officer") }
            _ = try fixture.engine.breachDesk.recordSubjectsInformed(breach.id, count: 12, by: "officer")
            let closed = try fixture.engine.breachDesk.closeBreach(breach.id, by: "officer")
            #expect(closed.closedAt != nil)
            #expect(throws: BreachRefusal.self, "closed") { try fixture.engine.breachDesk.assessBreach(breach.id, risk: .none, by: "officer") }
            // Unknown recipients, actors and fields are refused before anything is stored.
            #expect(throws: BreachRefusal.self) { try record(fixture, scope: .recipient("R-NOPE"), aware: "2025-06-02T08:00:00+02:00", from: "2025-06-01T00:00:00+02:00", to: "2025-06-02T00:00:00+02:00") }
            #expect(throws: BreachRefusal.self) { try record(fixture, scope: .actor("nobody"), aware: "2025-06-02T08:00:00+02:00", from: "2025-06-01T00:00:00+02:00", to: "2025-06-02T00:00:00+02:00") }
            #expect(throws: BreachRefusal.self) { try record(fixture, scope: .vault, aware: "2025-06-02T08:00:00+02:00", from: "2025-06-01T00:00:00+02:00", to: "2025-06-02T00:00:00+02:00", fields: ["emial"]) }
            #expect(try fixture.engine.breachDesk.breaches().count == 1)
        }
    }

    /// The 72 hours count from awareness, so every instant the register records must have
    /// happened, and under the GDPR: a notification "sent" tomorrow was taken as now, a window
    /// ending next year or a processor's notice from the future was stored, and a breach in
    /// 1990 was filed as BR-1990-0001.
    @Test(arguments: Backend.reachable) func aBreachsInstantsLieBetweenTheGDPRAndNow(_ backend: Backend) async throws {
        try await BackendFixture.with(backend, start: Self.at("2025-06-03T12:00:00+02:00")) { fixture in
            let desk = fixture.engine.breachDesk
            func report(aware: String, from: String, to: String, notice: String? = nil) -> BreachDesk.BreachReport {
                BreachDesk.BreachReport(nature: [.availability], awareAt: Self.at(aware), processorNoticeAt: notice.map(Self.at), scope: .vault,
                                        window: (Self.at(from), Self.at(to)), description: "test breach")
            }
            let refused: [(BreachDesk.BreachReport, String)] = [
                (report(aware: "2025-06-04T08:00:00+02:00", from: "2025-06-01T00:00:00+02:00", to: "2025-06-02T00:00:00+02:00"), "awareness cannot be later than now"),
                (report(aware: "1990-06-02T08:00:00+02:00", from: "1990-06-01T00:00:00+02:00", to: "1990-06-02T00:00:00+02:00"), "25 May 2018"),
                (report(aware: "2025-06-02T08:00:00+02:00", from: "2025-06-01T00:00:00+02:00", to: "2026-06-02T00:00:00+02:00"), "the window's end cannot be later than now"),
                (report(aware: "2025-06-02T08:00:00+02:00", from: "2025-06-01T00:00:00+02:00", to: "2025-06-02T00:00:00+02:00", notice: "2025-07-01T00:00:00+02:00"),
                 "the processor's notice cannot be later than now"),
                (report(aware: "2025-06-02T08:00:00+02:00", from: "2025-06-02T09:00:00+02:00", to: "2025-06-02T10:00:00+02:00"), "cannot begin after the controller became aware"),
            ]
            for (report, message) in refused {
                let error = #expect(throws: BreachRefusal.self) { try desk.recordBreach(report, by: "officer") }
                #expect(error?.description.contains(message) == true, "\(message): \(String(describing: error))")
            }
            #expect(try desk.breaches().isEmpty, "nothing was recorded")
            // The window may run past awareness (containment took time), up to now.
            let breach = try desk.recordBreach(report(aware: "2025-06-02T08:00:00+02:00", from: "2025-06-01T00:00:00+02:00", to: "2025-06-03T11:00:00+02:00"), by: "officer")
            _ = try desk.assessBreach(breach.id, risk: .high, by: "officer")
            let tomorrow = #expect(throws: BreachRefusal.self) { try desk.notifyAuthority(breach.id, at: Self.at("2025-06-04T09:00:00+02:00"), final: true, by: "officer") }
            #expect(tomorrow?.description.contains("a notification cannot be later than now") == true)
            _ = try desk.notifyAuthority(breach.id, at: Self.at("2025-06-03T11:30:00+02:00"), final: true, by: "officer")
            #expect(throws: BreachRefusal.self, "no one told") { try desk.recordSubjectsInformed(breach.id, count: 0, by: "officer") }
            #expect(try desk.breach(breach.id)?.events.map(\.event) == ["recorded", "assessed", "ap-notified-final"])
        }
    }

    @Test(arguments: Backend.reachable) func neitherTheNotificationNorALetterCarriesAnotherPersonsData(_ backend: Backend) async throws {
        try await BackendFixture.with(backend) { fixture in
            var values: [String: [String: String]] = [:]
            for number in 1...4 { values["D-\(number)"] = try fixture.addDebtor("D-\(number)", marker: "leak\(number)") }
            fixture.clock.set("2025-06-02T09:30:00+02:00")
            _ = fixture.engine.share(subject: "D-1", fields: ["person_name", "bank_account"], purpose: "P-DEBT-COLLECT", recipient: "R-BAILIFF-NL", actor: "collections-service")
            _ = fixture.engine.share(subject: "D-2", fields: ["email"], purpose: "P-DEBT-COLLECT", recipient: "R-BAILIFF-NL", actor: "collections-service")
            fixture.clock.set("2025-06-02T10:00:00+02:00")
            let breach = try record(fixture, scope: .recipient("R-BAILIFF-NL"), aware: "2025-06-02T10:00:00+02:00", from: "2025-06-02T00:00:00+02:00",
                                    to: "2025-06-02T10:00:00+02:00")
            #expect(throws: BreachRefusal.self, "no letters before a high risk is assessed") { try letters(breach, in: fixture) }
            _ = try fixture.engine.breachDesk.assessBreach(breach.id, risk: .high, consequences: "phishing", by: "officer")
            let notification = try fixture.engine.breachDesk.breachNotification(breach.id)
            let everything = String(decoding: notification.json, as: UTF8.self) + notification.markdown
            for (subject, held) in values {
                #expect(!everything.contains(subject), "the AP notification counts people, it names none")
                for value in held.values { #expect(!everything.contains(value)) }
            }
            #expect(notification.markdown.contains("People affected, approximately: 2"))
            // In Dutch for the AP's form: the same content, and still no person in it.
            let dutch = try fixture.engine.breachDesk.breachNotification(breach.id, language: "nl")
            #expect(dutch.markdown.hasPrefix("# Melding van een inbreuk in verband met persoonsgegevens \(breach.id)"))
            #expect(dutch.markdown.contains("- Soort inbreuk: vertrouwelijkheid") && dutch.markdown.contains("- Betrokkenen, bij benadering: 2 (Schuldenaar 2)"))
            #expect(dutch.markdown.contains("- Gegevens, bij benadering: 3 (Bankrekening (IBAN) 1; E-mailadres 1; Naam 1)"), "fields by their titles, the ids in the JSON")
            #expect(dutch.markdown.contains("- Waarvan financiële gegevens: Bankrekening (IBAN)") && dutch.markdown.contains("Zij worden zonder onredelijke vertraging"))
            #expect(notification.markdown.contains("People affected, approximately: 2 (Debtor 2)"))
            #expect(!dutch.markdown.contains("Art. 33") && !dutch.markdown.contains("approximately"), "no English left")
            #expect(dutch.json == notification.json, "the JSON is the same in every language")
            for (subject, held) in values {
                #expect(!dutch.markdown.contains(subject))
                for value in held.values { #expect(!dutch.markdown.contains(value)) }
            }
            for language in ["nl", "en"] {
                let letters = try letters(breach, language: language, in: fixture)
                #expect(letters.map(\.subject) == ["D-1", "D-2"])
                try fixture.engine.breachDesk.recordBreachLetters(breach.id, written: letters.map(\.subject), language: language, erased: 0, by: "officer")
                for letter in letters {
                    for (subject, held) in values {
                        for value in held.values { #expect(!letter.text.contains(value), "no value in a letter") }
                        if subject != letter.subject { #expect(!letter.text.contains(subject + "\n") && !letter.text.hasSuffix(subject), "no other person in a letter") }
                    }
                }
                let bankAccount = language == "nl" ? "Bankrekening (IBAN)" : "Bank account (IBAN)"
                #expect(letters[0].text.contains(bankAccount), "the subject's own fields, by their titles in the letter's language")
                #expect(!letters[1].text.contains(bankAccount), "only the subject's own fields")
            }
            #expect(try fixture.engine.breachDesk.breach(breach.id)?.events.filter { $0.event == "letters-written" }.count == 2)
        }
    }

    /// What the AP's form asks besides Art. 33(3): how the breach came about and whether it
    /// touched people in other member states, recorded with the assessment and said in the
    /// notification, "not yet assessed" until then.
    @Test(arguments: Backend.reachable) func theCauseAndTheOtherMemberStatesAreRecordedAndNotified(_ backend: Backend) async throws {
        try await BackendFixture.with(backend) { fixture in
            let desk = fixture.engine.breachDesk
            let breach = try record(fixture, scope: .recipient("R-BAILIFF-NL"), aware: "2025-06-02T08:00:00+02:00", from: "2025-06-01T00:00:00+02:00",
                                    to: "2025-06-02T08:00:00+02:00")
            let before = try desk.breachNotification(breach.id, language: "nl").markdown
            #expect(before.contains("- Oorzaak: nog niet beoordeeld") && before.contains("- Betrokkenen in andere lidstaten van de EER: nog niet beoordeeld"))
            for (states, refused) in [(["US"], "'US' is not a member state of the EEA"), (["NL"], "'NL' is the controller's own country"), ([""], "'' is not a member state")] {
                let refusal = #expect(throws: BreachRefusal.self) { try desk.assessBreach(breach.id, risk: .high, otherMemberStates: states, by: "officer") }
                #expect(refusal?.description.contains(refused) == true, "\(String(describing: refusal))")
            }
            #expect(try desk.breach(breach.id)?.risk == nil, "a refused assessment records nothing")
            _ = try desk.assessBreach(breach.id, risk: .high, cause: .wrongRecipient, otherMemberStates: ["de", "BE", "DE"], by: "officer")
            let assessed = try #require(try desk.breach(breach.id))
            #expect(assessed.cause == .wrongRecipient && assessed.otherMemberStates == ["BE", "DE"])
            let dutch = try desk.breachNotification(breach.id, language: "nl")
            #expect(dutch.markdown.contains("- Oorzaak: naar de verkeerde ontvanger gestuurd of aan de verkeerde persoon gegeven"))
            #expect(dutch.markdown.contains("- Betrokkenen in andere lidstaten van de EER: BE, DE"))
            let json = try #require(try JSONSerialization.jsonObject(with: dutch.json) as? [String: Any])
            #expect(json["cause"] as? String == "wrong-recipient" && json["other-member-states"] as? [String] == ["BE", "DE"])
            // A later assessment that names neither keeps them; one that names none says so.
            _ = try desk.assessBreach(breach.id, risk: .high, consequences: "letters to the wrong address", by: "officer")
            #expect(try desk.breach(breach.id)?.cause == .wrongRecipient && desk.breach(breach.id)?.otherMemberStates == ["BE", "DE"])
            _ = try desk.assessBreach(breach.id, risk: .high, cause: .hacking, otherMemberStates: [], by: "officer")
            #expect(try desk.breach(breach.id)?.otherMemberStates == [] && desk.breach(breach.id)?.cause == .hacking)
            let english = try desk.breachNotification(breach.id).markdown
            #expect(english.contains("- Cause: hacking, malware or phishing") && english.contains("- People in other EEA member states: none"))
            // Which notification it is, as the form asks: the first, a follow-up, the final one.
            #expect(before.contains("\n\nEerste melding.\n\n") && english.contains("\n\nInitial notification.\n\n"))
            _ = try desk.notifyAuthority(breach.id, final: false, by: "officer")
            let followUp = try desk.breachNotification(breach.id, language: "nl")
            #expect(followUp.markdown.contains("Vervolgmelding: een aanvulling") && followUp.phase == "follow-up")
            _ = try desk.notifyAuthority(breach.id, final: true, by: "officer")
            #expect(try desk.breachNotification(breach.id).markdown.contains("Final notification: it completes"))
        }
    }

    @Test(arguments: Backend.reachable) func lettersGoByEmailThroughTheOutboxWhereAnAddressIsHeldAndByPostOtherwise(_ backend: Backend) async throws {
        try await BackendFixture.with(backend) { fixture in
            try fixture.addDebtor("D-1", marker: "mail1")
            try fixture.engine.addSubject(NewSubject(id: "D-2", category: "debtor", values: ["person_name": "Name post2", "postal_address": "Dorpsstraat 2, 1234 AB Ergens"],
                                                     source: "client"), by: "test")
            try fixture.engine.recordEvent(subject: "D-2", event: "file-opened", effective: LocalDate(parsing: "2025-01-10"), by: "test")
            fixture.clock.set("2025-06-02T09:30:00+02:00")
            for subject in ["D-1", "D-2"] {
                _ = fixture.engine.share(subject: subject, fields: ["person_name"], purpose: "P-DEBT-COLLECT", recipient: "R-BAILIFF-NL", actor: "collections-service")
            }
            fixture.clock.set("2025-06-02T10:00:00+02:00")
            let breach = try record(fixture, scope: .recipient("R-BAILIFF-NL"), aware: "2025-06-02T10:00:00+02:00", from: "2025-06-02T00:00:00+02:00",
                                    to: "2025-06-02T10:00:00+02:00")
            _ = try fixture.engine.breachDesk.assessBreach(breach.id, risk: .high, by: "officer")
            var posted: [BreachLetter] = []
            let run = try fixture.engine.sendBreachLetters(breach.id, language: "en", by: "officer") { posted.append($0) }
            #expect(run.emailed == ["D-1"] && run.postal == ["D-2"])
            #expect(posted.map(\.subject) == ["D-2"] && posted[0].text.contains(breach.id) && !posted[0].text.contains("mail1"), "D-2's letter handed over for the post")
            let queued = try fixture.engine.outbox(pendingOnly: true)
            #expect(queued.count == 1 && queued[0].kind == "breach-letter" && queued[0].to == "mail1@example.nl")
            #expect(queued[0].subject.contains(breach.id) && !queued[0].body.contains("post2"), "one person's letter to that person only")
            // The address was read under P-BREACH-NOTICE by the officer: a logged decision.
            let reads = try fixture.engine.store.logEntries(from: nil, to: nil, subject: nil).filter { $0.purpose == "P-BREACH-NOTICE" }
            #expect(reads.count == 2 && reads.allSatisfy { $0.actor == "officer" })
            #expect(try fixture.engine.breachDesk.breach(breach.id)?.events.last?.event == "letters-emailed")
            try fixture.engine.breachDesk.recordBreachLetters(breach.id, written: run.postal, language: "en", erased: 0, by: "officer")
            #expect(try fixture.engine.breachDesk.breachLetterCounts(breach.id) == ["email": 1, "post": 1], "each letter recorded, per person and channel")
            // A second run sends nobody a second e-mail.
            let again = try fixture.engine.sendBreachLetters(breach.id, language: "en", by: "officer") { _ in }
            #expect(again.emailed.isEmpty && again.alreadyEmailed == 1 && again.postal == ["D-2"])
            #expect(try fixture.engine.outbox(pendingOnly: true).count == 1)
            #expect(throws: BreachRefusal.self, "an undeclared purpose") { try fixture.engine.sendBreachLetters(breach.id, purpose: "P-NOPE", by: "officer") { _ in } }
        }
    }

    /// Letters are handed on one at a time: a letter for the post that cannot be written
    /// stops the run; the e-mails queued before it stay queued and are in the breach's history,
    /// and a rerun writes nobody twice and finishes the rest.
    @Test(arguments: Backend.reachable) func aRunStoppedByThePostKeepsWhatWasEmailedAndARerunFinishesIt(_ backend: Backend) async throws {
        struct PrinterJam: Error {}
        try await BackendFixture.with(backend) { fixture in
            try fixture.addDebtor("D-1", marker: "mail1")
            try fixture.engine.addSubject(NewSubject(id: "D-2", category: "debtor", values: ["person_name": "Name post2"], source: "client"), by: "test")
            try fixture.engine.recordEvent(subject: "D-2", event: "file-opened", effective: LocalDate(parsing: "2025-01-10"), by: "test")
            try fixture.addDebtor("D-3", marker: "mail3")
            fixture.clock.set("2025-06-02T09:30:00+02:00")
            for subject in ["D-1", "D-2", "D-3"] {
                _ = fixture.engine.share(subject: subject, fields: ["person_name"], purpose: "P-DEBT-COLLECT", recipient: "R-BAILIFF-NL", actor: "collections-service")
            }
            fixture.clock.set("2025-06-02T10:00:00+02:00")
            let breach = try record(fixture, scope: .recipient("R-BAILIFF-NL"), aware: "2025-06-02T10:00:00+02:00", from: "2025-06-02T00:00:00+02:00",
                                    to: "2025-06-02T10:00:00+02:00")
            _ = try fixture.engine.breachDesk.assessBreach(breach.id, risk: .high, by: "officer")
            #expect(throws: PrinterJam.self) { try fixture.engine.sendBreachLetters(breach.id, language: "en", by: "officer") { _ in throw PrinterJam() } }
            #expect(try fixture.engine.outbox(pendingOnly: true).map(\.to) == ["mail1@example.nl"], "D-1 came before D-2 and stays queued; D-3 was never reached")
            let history = try #require(try fixture.engine.breachDesk.breach(breach.id)).events
            #expect(history.last?.event == "letters-emailed" && history.last?.detail?.hasPrefix("1 by e-mail") == true, "the history says what the outbox holds")
            #expect(try fixture.engine.breachDesk.breachLetterCounts(breach.id) == ["email": 1])

            var posted: [String] = []
            let rerun = try fixture.engine.sendBreachLetters(breach.id, language: "en", by: "officer") { posted.append($0.subject) }
            #expect(rerun.alreadyEmailed == 1 && rerun.emailed == ["D-3"] && rerun.postal == ["D-2"] && posted == ["D-2"])
            #expect(Set(try fixture.engine.outbox(pendingOnly: true).map(\.to)) == ["mail1@example.nl", "mail3@example.nl"], "nobody twice")
        }
    }

    /// The letters go a page at a time, their addresses read together and the e-mails between
    /// two letters for the post queued together: whatever the page's size, everyone gets one
    /// letter, in the vault's order, and an e-mail after a letter for the post is queued only
    /// once that letter was handed over. Each address read is a logged decision.
    @Test(arguments: Backend.reachable) func lettersGoAPageAtATimeInTheirOrder(_ backend: Backend) async throws {
        try await BackendFixture.with(backend) { fixture in
            let people = (1...7).map { "D-\($0)" }
            let postal: Set = ["D-3", "D-4", "D-7"]
            for subject in people {
                if postal.contains(subject) {
                    try fixture.engine.addSubject(NewSubject(id: subject, category: "debtor", values: ["person_name": "Name \(subject)"], source: "client"), by: "test")
                    try fixture.engine.recordEvent(subject: subject, event: "file-opened", effective: LocalDate(parsing: "2025-01-10"), by: "test")
                } else {
                    try fixture.addDebtor(subject, marker: "page\(subject.dropFirst(2))")
                }
            }
            fixture.clock.set("2025-06-02T10:00:00+02:00")
            var expectedQueued = 0
            for (round, pageSize) in [1, 2, 3, 256].enumerated() {
                let breach = try record(fixture, scope: .vault, aware: "2025-06-02T10:00:00+02:00", from: "2025-06-01T00:00:00+02:00", to: "2025-06-02T10:00:00+02:00")
                _ = try fixture.engine.breachDesk.assessBreach(breach.id, risk: .high, by: "officer")
                let logBefore = try fixture.engine.verifyLog().entries
                var posted: [(subject: String, queuedBefore: Int)] = []
                let run = try fixture.engine.sendBreachLetters(breach.id, language: "en", by: "officer", pageSize: pageSize) { letter in
                    posted.append((letter.subject, try fixture.engine.outbox().count))
                }
                #expect(run.emailed == people.filter { !postal.contains($0) } && run.postal == people.filter { postal.contains($0) }, "\(backend), pages of \(pageSize)")
                #expect(posted.map(\.subject) == ["D-3", "D-4", "D-7"])
                // D-1 and D-2 were queued before D-3 was posted, nothing more before D-4, D-5 and D-6 before D-7.
                #expect(posted.map(\.queuedBefore) == [2, 2, 4].map { $0 + expectedQueued }, "\(backend), pages of \(pageSize): \(posted)")
                expectedQueued += 4
                #expect(try fixture.engine.outbox().count == expectedQueued)
                #expect(try fixture.engine.breachDesk.breachLetterCounts(breach.id) == ["email": 4], "round \(round)")
                #expect(try fixture.engine.verifyLog().entries == logBefore + Int64(people.count), "each address read is logged")
            }
        }
    }

    /// A letter is its fields' render cut where the id goes and joined by the person's id: the
    /// same text a render of its own gives, and a template that transforms the id is rendered
    /// for each letter instead.
    @Test(arguments: Backend.reachable) func aLetterIsTheTextItsOwnRenderGives(_ backend: Backend) async throws {
        try await BackendFixture.with(backend) { fixture in
            for number in 1...4 { try fixture.addDebtor("D-\(number)", marker: "cut\(number)") }
            fixture.clock.set("2025-06-02T09:30:00+02:00")
            for (subject, fields) in [("D-1", ["person_name", "email"]), ("D-2", ["email"]), ("D-3", ["person_name", "email"]), ("D-4", ["email"])] {
                _ = fixture.engine.share(subject: subject, fields: fields, purpose: "P-DEBT-COLLECT", recipient: "R-BAILIFF-NL", actor: "collections-service")
            }
            fixture.clock.set("2025-06-02T10:00:00+02:00")
            let breach = try record(fixture, scope: .recipient("R-BAILIFF-NL"), aware: "2025-06-02T10:00:00+02:00", from: "2025-06-02T00:00:00+02:00",
                                    to: "2025-06-02T10:00:00+02:00")
            _ = try fixture.engine.breachDesk.assessBreach(breach.id, risk: .high, by: "officer")
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("letter-templates-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            let template = folder.appendingPathComponent("breach-letter.txt.mustache")
            func letters() throws -> [String] {
                var texts: [String] = []
                _ = try fixture.engine.breachDesk.forEachBreachLetter(breach.id, language: "en", templates: folder) { texts.append($0.text) }
                return texts
            }
            try Data("{{% CONTENT_TYPE: TEXT}}{{subject}}:{{#fields}}[{{.}}]{{/fields}}:{{subject}}".utf8).write(to: template)
            #expect(try letters() == ["D-1:[E-mail address][Name]:D-1", "D-2:[E-mail address]:D-2", "D-3:[E-mail address][Name]:D-3", "D-4:[E-mail address]:D-4"])
            try Data("{{% CONTENT_TYPE: TEXT}}{{subject}} {{lowercased(subject)}} {{reversed(subject)}}".utf8).write(to: template)
            #expect(try letters() == ["D-1 d-1 1-D", "D-2 d-2 2-D", "D-3 d-3 3-D", "D-4 d-4 4-D"], "the id transformed in each letter, never a marker")

            // The operator's texts are laid over the built-in ones: a letter never loses a line
            // quietly, and a misspelt text is refused by its file.
            func refusal() -> String {
                (#expect(throws: BreachRefusal.self) { try letters() })?.description ?? ""
            }
            try Data("{{% CONTENT_TYPE: TEXT}}{{t.salutation}} {{subject}}. {{t.closing}}".utf8).write(to: template)
            #expect(refusal() == "\(template.path) says closing, which breach-letter.en.json does not hold")
            let english = folder.appendingPathComponent("breach-letter.en.json")
            try JSONEncoder().encode(["closing": "Kind regards,", "salutation": "Dear customer,"]).write(to: english)
            #expect(refusal() == "\(template.path) says closing, which breach-letter.nl.json does not hold", "every language the letters are written in")
            try JSONEncoder().encode(["closing": "Met vriendelijke groet,"]).write(to: folder.appendingPathComponent("breach-letter.nl.json"))
            #expect(try letters().first == "Dear customer, D-1. Kind regards,")
            try FileManager.default.removeItem(at: template)
            #expect(refusal() == "\(english.path): unknown closing", "the built-in template says no closing")
            try FileManager.default.removeItem(at: folder.appendingPathComponent("breach-letter.nl.json"))
            try JSONEncoder().encode(["salutaton": "Dear customer,"]).write(to: english)
            #expect(refusal() == "\(english.path): unknown salutaton")
            try JSONEncoder().encode(["salutation": "Dear customer,"]).write(to: english)
            let letter = try #require(try letters().first)
            #expect(letter.contains("Dear customer,") && letter.contains("What happened?"), "the built-in texts beside the operator's")
        }
    }

    @Test(arguments: Backend.reachable) func theRegistersFreeTextsRefuseIdentifiers(_ backend: Backend) async throws {
        try await BackendFixture.with(backend) { fixture in
            for text in ["mail went to j.jansen@example.nl by mistake", "the export held NL91 ABNA 0417 1643 00", "call 06-12345678 about it", "BSN 123456782 was in the file"] {
                #expect(throws: BreachRefusal.self, "\(text)") {
                    try fixture.engine.breachDesk.recordBreach(BreachDesk.BreachReport(
                        nature: [.confidentiality], awareAt: Self.at("2025-06-02T08:00:00+02:00"), scope: .vault,
                        window: (Self.at("2025-06-01T08:00:00+02:00"), Self.at("2025-06-02T08:00:00+02:00")), description: text), by: "officer")
                }
            }
            let breach = try record(fixture, scope: .vault, aware: "2025-06-02T08:00:00+02:00", from: "2025-06-01T08:00:00+02:00", to: "2025-06-02T08:00:00+02:00")
            #expect(throws: BreachRefusal.self) { try fixture.engine.breachDesk.assessBreach(breach.id, risk: .high, consequences: "write to piet@example.org", by: "officer") }
            // Dates, times, ids and counts are not identifiers.
            _ = try fixture.engine.breachDesk.assessBreach(breach.id, risk: .risk, consequences: "letters on 2025-06-03 at 10:00 about BR-2025-0001; 300 people, 12 files", by: "officer")
            try fixture.addDebtor("D-1", marker: "free1")
            #expect(throws: InformationRefusal.self) {
                try fixture.engine.recordInformationException(subject: "D-1", notice: "N-PRIVACY", exception: .alreadyInformed, ground: "told at +31 20 123 4567", by: "officer")
            }
        }
    }
}
}

/// The notification's texts come from a catalogue per language that an operator's lays over:
/// it rewords the texts it holds, and one with a text the notification does not say is refused
/// by its name.
@Suite("the AP notification's texts")
struct BreachNotificationTextsTests {
    @Test func bothBuiltInCataloguesHoldEveryTextAndAnOperatorsRewordsWhatItHolds() throws {
        let english = try BreachNotification.texts(language: "en"), dutch = try BreachNotification.texts(language: "nl")
        #expect(Set(english.keys) == Set(dutch.keys))
        #expect(english["marked.national-id"] == "national id" && dutch["nature.availability"] == "beschikbaarheid")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("notification-texts-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        // An operator's catalogue from before the notification said its phase: every text it
        // holds is its own, the phase comes from the built-in one.
        var reworded = dutch.filter { !$0.key.hasPrefix("phase") }
        reworded["title"] = "# Datalek {id}"
        try JSONEncoder().encode(reworded).write(to: folder.appendingPathComponent("breach-notification.nl.json"))
        let laid = try BreachNotification.texts(language: "nl", templates: folder)
        #expect(laid["title"] == "# Datalek {id}", "the operator's words replace the built-in ones")
        #expect(laid["phase.initial"] == dutch["phase.initial"] && laid.count == dutch.count, "a text the operator's lacks is the built-in one")
        try JSONEncoder().encode(["title": "# Datalek {id}"]).write(to: folder.appendingPathComponent("breach-notification.nl.json"))
        #expect(try BreachNotification.texts(language: "nl", templates: folder) == dutch.merging(["title": "# Datalek {id}"]) { $1 }, "one text reworded alone")
        #expect(try BreachNotification.texts(language: "en", templates: folder) == english, "a language the folder lacks is the built-in one")
        reworded["naure"] = "soort"
        reworded["measuers"] = "maatregelen"
        try JSONEncoder().encode(reworded).write(to: folder.appendingPathComponent("breach-notification.nl.json"))
        let refusal = #expect(throws: BreachRefusal.self) { try BreachNotification.texts(language: "nl", templates: folder) }
        #expect(refusal?.description == folder.appendingPathComponent("breach-notification.nl.json").path + ": unknown measuers, naure")
        try Data("nope".utf8).write(to: folder.appendingPathComponent("breach-notification.nl.json"))
        let notJSON = #expect(throws: BreachRefusal.self) { try BreachNotification.texts(language: "nl", templates: folder) }
        #expect(notJSON?.description == folder.appendingPathComponent("breach-notification.nl.json").path + ": not a JSON object of texts")
        let language = #expect(throws: BreachRefusal.self) { try BreachNotification.texts(language: "de") }
        #expect(language?.description == "the notification is written in en or nl, not 'de'")
    }
}
