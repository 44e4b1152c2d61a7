package import Foundation
package import CustosPolicy
package import CustosStore

/// A breach refused before anything is stored or changed, with the reason in words.
package struct BreachRefusal: Error, Sendable, CustomStringConvertible {
    package let words: LibraryWords
    package var description: String { words.description }

    package init(_ words: LibraryWords) { self.words = words }
}

/// The breach register (gdpr.md §14, Art. 33–34): every breach documented whether or not it
/// is notified, its 72-hour clock from the controller's awareness in clock hours, a
/// processor's notice kept apart from that awareness, the Art. 34 decision with its three
/// exceptions, phased notification to the AP, and who did what.
///
/// ```swift
/// let breach = try engine.recordBreach(BreachReport(nature: [.confidentiality], awareAt: aware, scope: .recipient("R-CRM"),
///                                                   window: (from, to), description: "CRM export on a public share"), by: "officer")
/// let affected = try engine.affectedSubjects(breach)   // who, with which fields, counted by category
/// ```
/// The breach register's rules over any `BreachStore` (gdpr.md §14): `PrivacyEngine` runs them
/// over its vault, and the same run over a PostgreSQL vault.
package struct BreachDesk: Sendable {
    package let policy: CompiledPolicy
    package let clock: @Sendable () -> Instant
    package let store: any BreachStore

    package init(policy: CompiledPolicy, clock: @escaping @Sendable () -> Instant, store: any BreachStore) {
        self.policy = policy
        self.clock = clock
        self.store = store
    }

    /// The desk's clock (a simulation vault's set time, or now).
    package var now: Instant { clock() }

    /// The controller's name and contacts, as notifications and letters give them.
    var controllerContacts: (name: String, contact: String, dpo: String?) { policy.controllerContacts }
}

extension BreachDesk {
    package struct BreachReport: Sendable {
        package var nature: [Breach.Nature]
        package var discoveredAt: Instant?
        package var awareAt: Instant
        package var processorNoticeAt: Instant?
        package var scope: Breach.Scope
        package var fields: [String]?
        package var window: (from: Instant, to: Instant)
        package var description: String
        package var measures: String?
        package var keysCompromised: Bool

        package init(nature: [Breach.Nature], discoveredAt: Instant? = nil, awareAt: Instant, processorNoticeAt: Instant? = nil, scope: Breach.Scope,
                     fields: [String]? = nil, window: (from: Instant, to: Instant), description: String, measures: String? = nil, keysCompromised: Bool = false) {
            self.nature = nature
            self.discoveredAt = discoveredAt
            self.awareAt = awareAt
            self.processorNoticeAt = processorNoticeAt
            self.scope = scope
            self.fields = fields
            self.window = window
            self.description = description
            self.measures = measures
            self.keysCompromised = keysCompromised
        }
    }

    package func recordBreach(_ report: BreachReport, by actor: String) throws -> Breach {
        let now = clock()
        guard !report.nature.isEmpty else { throw BreachRefusal(LibraryWords("breach.noNature", "name the nature: confidentiality, integrity or availability (Art. 33(3)(a))")) }
        let aware = try Self.recorded(report.awareAt, now: now, what: LibraryWords("instant.awareness", "awareness"))
        let discovered = report.discoveredAt ?? aware
        guard discovered <= aware else { throw BreachRefusal(LibraryWords("breach.awareBeforeDiscovered", "the controller cannot become aware before the breach was discovered")) }
        let processorNotice = try report.processorNoticeAt.map { notice throws(BreachRefusal) in try Self.recorded(notice, now: now, what: LibraryWords("instant.processorNotice", "the processor's notice")) }
        guard report.window.from <= aware else { throw BreachRefusal(LibraryWords("breach.beginsAfterAwareness", "a breach cannot begin after the controller became aware of it")) }
        guard report.window.from < report.window.to else { throw BreachRefusal(LibraryWords("breach.windowOrder", "the window's start must come before its end")) }
        // Checked, not clamped: the window's end is exclusive, so a millisecond past now says "up to now".
        _ = try Self.recorded(report.window.to, now: now, what: LibraryWords("instant.windowEnd", "the window's end"))
        guard !report.description.trimmingCharacters(in: .whitespaces).isEmpty else { throw BreachRefusal(LibraryWords("breach.noDescription", "describe what happened (Art. 33(5))")) }
        try FreeTextCheck.check(report.description, field: LibraryWords("breach.field.description", "the description"))
        try FreeTextCheck.check(report.measures, field: LibraryWords("breach.field.measures", "the measures"))
        switch report.scope {
        case let .recipient(id) where policy.policy.recipient(id) == nil:
            throw BreachRefusal(LibraryWords("breach.unknownRecipient", "'{id}' is not a recipient in the policy ({known})",
                                             ["id": id, "known": policy.policy.recipients.map(\.id.id).joined(separator: ", ")]))
        case let .actor(id) where policy.actors.id(id) == nil:
            throw BreachRefusal(LibraryWords("breach.unknownActor", "'{id}' is not an actor in the policy ({known})", ["id": id, "known": policy.actors.names.joined(separator: ", ")]))
        default: break
        }
        let known = Set(policy.policy.fields.map(\.id.id))
        if let unknown = report.fields?.first(where: { !known.contains($0) }) { throw BreachRefusal(LibraryWords("breach.unknownField", "'{field}' is not a field in the policy", ["field": unknown])) }
        let breach = Breach(id: "", nature: report.nature, discoveredAt: discovered, awareAt: aware, processorNoticeAt: processorNotice,
                            scope: report.scope, fields: report.fields, windowFrom: report.window.from, windowTo: report.window.to,
                            description: report.description, measures: report.measures, keysCompromised: report.keysCompromised, risk: nil,
                            subjectsException: nil, apNotifiedAt: nil, apFinal: false, lateReasons: nil, closedAt: nil, recordedAt: now, recordedBy: actor)
        let id = try store.recordBreach(breach, year: policy.localDate(of: aware).year, at: now)
        guard let recorded = try store.breach(id) else { throw StoreError.io("breach \(id) was recorded but does not read back") }
        return recorded
    }

    package func breach(_ id: String) throws -> Breach? { try store.breach(id) }

    /// An instant the register records, within the bounds of `RecordedInstants`, refused in the register's words.
    private static func recorded(_ instant: Instant, now: Instant, what: LibraryWords) throws(BreachRefusal) -> Instant {
        if let problem = RecordedInstants.problem(instant, now: now, what: what) { throw BreachRefusal(problem) }
        return min(instant, now)
    }

    /// Every breach; with `dueWithin`, only open ones not yet notified to the AP whose
    /// deadline falls within that many seconds from now (overdue ones included).
    package func breaches(dueWithinSeconds seconds: Int64? = nil) throws -> [Breach] {
        let all = try store.breaches()
        guard let seconds else { return all }
        let limit = clock().millisecondsSinceEpoch + seconds * 1000
        return all.filter { $0.awaitsNotification && $0.apDeadline.millisecondsSinceEpoch <= limit }
    }

    /// The Art. 33(1) risk assessment and the Art. 34 decision: `high` means the people must
    /// be told without undue delay unless one of the three exceptions is recorded; the
    /// unintelligible-data exception holds only for ciphertext taken from the vault with
    /// keys that were not compromised. With it, what the AP's form asks besides: how the breach
    /// came about, and the other EEA member states whose residents it touched (empty for
    /// none); nil keeps what an earlier assessment recorded.
    package func assessBreach(_ id: String, risk: Breach.Risk, exception: Breach.SubjectsException? = nil, measures: String? = nil,
                              consequences: String? = nil, cause: Breach.Cause? = nil, otherMemberStates: [String]? = nil,
                              by actor: String) throws -> Breach {
        try FreeTextCheck.check(measures, field: LibraryWords("breach.field.measures", "the measures"))
        try FreeTextCheck.check(consequences, field: LibraryWords("breach.field.consequences", "the consequences"))
        let states = try otherMemberStates.map(checkedMemberStates)
        return try store.updateBreach(id, at: clock(), by: actor) { breach in
            guard breach.closedAt == nil else { throw BreachRefusal(LibraryWords("breach.closed", "{id} is closed", ["id": id])) }
            if exception != nil, risk != .high { throw BreachRefusal(LibraryWords("breach.exceptionNotHigh", "an Art. 34(3) exception applies only to a high risk")) }
            if exception == .unintelligible, breach.scope != .vault || breach.keysCompromised {
                let why = breach.keysCompromised ? LibraryWords("breach.keysCompromised", "the keys were compromised")
                    : LibraryWords("breach.inTheClear", "a recipient or actor had the data in the clear")
                throw BreachRefusal(LibraryWords("breach.notUnintelligible", "the data is unintelligible only when ciphertext left the vault and its keys did not (Art. 34(3)(a)); {why}",
                                                 phrases: ["why": why]))
            }
            var updated = breach
            updated.risk = risk
            updated.subjectsException = exception
            if let measures { updated.measures = measures }
            if let consequences { updated.consequences = consequences }
            if let cause { updated.cause = cause }
            if let states { updated.otherMemberStates = states }
            let level = LibraryWords("breachEvent.risk.\(risk.rawValue)", risk.rawValue)
            let detail = if let exception {
                LibraryWords("breachEvent.assessedWithException", "risk {risk}; Art. 34(3) exception: {exception}",
                             phrases: ["risk": level, "exception": LibraryWords("breachEvent.exception.\(exception.rawValue)", exception.rawValue)])
            } else {
                LibraryWords("breachEvent.assessed", "risk {risk}", phrases: ["risk": level])
            }
            return (updated, .assessed, detail)
        }
    }

    /// Member states as the AP's form asks for them: EEA members other than the controller's
    /// own country (`be` read as `BE`), each once, in order.
    func checkedMemberStates(_ given: [String]) throws -> [String] {
        let reference = policy.policy.referenceData, own = policy.policy.controller?.country
        let states = given.map { $0.trimmingCharacters(in: .whitespaces).uppercased() }
        for state in states {
            guard reference.isEEA(state) else {
                throw BreachRefusal(LibraryWords("breach.notMemberState", "'{state}' is not a member state of the EEA (two capital letters, e.g. BE)", ["state": state]))
            }
            if state == own {
                throw BreachRefusal(LibraryWords("breach.ownMemberState", "'{state}' is the controller's own country; name only the other member states", ["state": state]))
            }
        }
        return Array(Set(states)).sorted()
    }

    /// Records a notification to the AP (phased: an initial one, then the final one). After
    /// the 72 hours it needs the reasons for the delay (Art. 33(1)).
    package func notifyAuthority(_ id: String, at: Instant? = nil, final: Bool, lateReasons: String? = nil, by actor: String) throws -> Breach {
        try FreeTextCheck.check(lateReasons, field: LibraryWords("breach.field.lateReasons", "the reasons for the delay"))
        let now = clock()
        let sent = try at.map { try Self.recorded($0, now: now, what: LibraryWords("instant.notification", "a notification")) } ?? now
        return try store.updateBreach(id, at: now, by: actor) { breach in
            guard breach.closedAt == nil else { throw BreachRefusal(LibraryWords("breach.closed", "{id} is closed", ["id": id])) }
            guard sent >= breach.awareAt else { throw BreachRefusal(LibraryWords("breach.notificationBeforeAwareness", "a notification cannot precede awareness")) }
            let reasons = lateReasons?.trimmingCharacters(in: .whitespaces).isEmpty == false ? lateReasons : nil
            let first = breach.apNotifiedAt ?? sent
            if first > breach.apDeadline, reasons == nil, breach.lateReasons == nil {
                throw BreachRefusal(LibraryWords("breach.lateWithoutReasons", "the 72 hours ended at {deadline}; a later notification gives the reasons for the delay (Art. 33(1))",
                                                 ["deadline": "\(breach.apDeadline)"]))
            }
            var updated = breach
            updated.apNotifiedAt = first
            updated.apFinal = final
            if let reasons { updated.lateReasons = reasons }
            return (updated, final ? .apNotifiedFinal : .apNotified, first > breach.apDeadline
                ? LibraryWords("breachEvent.sentLate", "sent {at} (late)", ["at": "\(sent)"]) : LibraryWords("breachEvent.sent", "sent {at}", ["at": "\(sent)"]))
        }
    }

    /// Records that the people at high risk were told (Art. 34(1)), with how many.
    package func recordSubjectsInformed(_ id: String, count: Int, by actor: String) throws -> Breach {
        guard count > 0 else { throw BreachRefusal(LibraryWords("breach.informedNone", "name how many people were told: at least one")) }
        return try store.updateBreach(id, at: clock(), by: actor) { breach in
            guard breach.risk == .high else { throw BreachRefusal(LibraryWords("breach.informedNotHigh", "only a high risk is told to the people one by one (Art. 34(1)); assess it first")) }
            return (breach, .subjectsInformed, count == 1 ? LibraryWords("breachEvent.informedOne", "{count} person", ["count": "1"])
                : LibraryWords("breachEvent.informed", "{count} people", ["count": "\(count)"]))
        }
    }

    /// Closes a breach once its duties are done: assessed; notified to the AP unless no risk;
    /// the people told, or an exception recorded, for a high risk. Its documentation stays.
    package func closeBreach(_ id: String, by actor: String) throws -> Breach {
        let now = clock()
        return try store.updateBreach(id, at: now, by: actor) { breach in
            guard breach.closedAt == nil else { throw BreachRefusal(LibraryWords("breach.closedAlready", "{id} is closed already", ["id": id])) }
            guard let risk = breach.risk else { throw BreachRefusal(LibraryWords("breach.notAssessed", "assess the risk first (breach assess)")) }
            if risk != .none, breach.apNotifiedAt == nil { throw BreachRefusal(LibraryWords("breach.notNotified", "a breach with a risk is notified to the AP first (Art. 33(1))")) }
            if risk == .high, breach.subjectsException == nil, !breach.events.contains(where: { $0.event == BreachEvent.subjectsInformed.rawValue }) {
                throw BreachRefusal(LibraryWords("breach.peopleNotTold", "a high risk is told to the people first (Art. 34(1)), or an Art. 34(3) exception recorded"))
            }
            var updated = breach
            updated.closedAt = now
            return (updated, .closed, nil)
        }
    }
}

/// The breach register on this vault; the rules are `BreachDesk`'s.
extension PrivacyEngine {
    package typealias BreachReport = BreachDesk.BreachReport

    package var breachDesk: BreachDesk { BreachDesk(policy: policy, clock: clock, store: store) }

    package func recordBreach(_ report: BreachReport, by actor: String) throws -> Breach { try breachDesk.recordBreach(report, by: actor) }

    package func breach(_ id: String) throws -> Breach? { try breachDesk.breach(id) }

    package func breaches(dueWithinSeconds seconds: Int64? = nil) throws -> [Breach] { try breachDesk.breaches(dueWithinSeconds: seconds) }

    package func assessBreach(_ id: String, risk: Breach.Risk, exception: Breach.SubjectsException? = nil, measures: String? = nil,
                              consequences: String? = nil, cause: Breach.Cause? = nil, otherMemberStates: [String]? = nil,
                              by actor: String) throws -> Breach {
        try breachDesk.assessBreach(id, risk: risk, exception: exception, measures: measures, consequences: consequences, cause: cause,
                                    otherMemberStates: otherMemberStates, by: actor)
    }

    package func notifyAuthority(_ id: String, at: Instant? = nil, final: Bool, lateReasons: String? = nil, by actor: String) throws -> Breach {
        try breachDesk.notifyAuthority(id, at: at, final: final, lateReasons: lateReasons, by: actor)
    }

    package func recordSubjectsInformed(_ id: String, count: Int, by actor: String) throws -> Breach {
        try breachDesk.recordSubjectsInformed(id, count: count, by: actor)
    }

    package func closeBreach(_ id: String, by actor: String) throws -> Breach { try breachDesk.closeBreach(id, by: actor) }

    package func affectedSubjects(_ breach: Breach) throws -> AffectedSubjects { try breachDesk.affectedSubjects(breach) }

    package func breachNotification(_ id: String, language: String = "en", templates: URL? = nil) throws -> BreachNotification {
        try breachDesk.breachNotification(id, language: language, templates: templates)
    }

    package func forEachBreachLetter(_ id: String, language: String = "nl", templates: URL? = nil, _ body: (BreachLetter) throws -> Void) throws -> Int {
        try breachDesk.forEachBreachLetter(id, language: language, templates: templates, body)
    }

    package func recordBreachLetters(_ id: String, written subjects: [String], language: String, erased: Int, by actor: String) throws {
        try breachDesk.recordBreachLetters(id, written: subjects, language: language, erased: erased, by: actor)
    }

    package func breachLetterCounts(_ id: String) throws -> [String: Int] { try breachDesk.breachLetterCounts(id) }
}
