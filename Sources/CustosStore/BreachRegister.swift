import Foundation
internal import GRDB
package import CustosPolicy

/// A personal data breach as the register keeps it (gdpr.md §14): what happened, when the
/// controller became aware (the 72-hour clock runs from there, in clock hours), a processor's
/// notice kept apart from that awareness, what it touched, and what was decided and sent.
package struct Breach: Sendable, Equatable {
    package enum Nature: String, Sendable, CaseIterable { case confidentiality, integrity, availability }
    /// What the breach touched: a recipient or processor (what was disclosed to it), an actor
    /// (what it read or shared), or the vault itself (everything held).
    package enum Scope: Sendable, Equatable {
        case recipient(String), actor(String), vault
    }
    package enum Risk: String, Sendable, CaseIterable { case none, risk, high }
    /// The Art. 34(3) grounds for not telling the people at high risk one by one.
    package enum SubjectsException: String, Sendable, CaseIterable {
        case unintelligible, measures, disproportionate
    }
    /// How it came about, as the AP's notification form asks.
    package enum Cause: String, Sendable, CaseIterable {
        case lostOrStolen = "lost-or-stolen"
        case wrongRecipient = "wrong-recipient"
        case hacking, published
        case unauthorisedAccess = "unauthorised-access"
        case other
    }
    package struct Event: Sendable, Equatable {
        package var at: Instant
        /// What happened: a `BreachEvent`'s raw value.
        package var event: String
        /// In the library's English (the CLI's).
        package var detail: String?
        /// The same in words a face renders in its own language; nil for an event recorded
        /// before they were kept.
        package var detailWords: LibraryWords?
        package var by: String

        package init(at: Instant, event: String, detail: String?, detailWords: LibraryWords? = nil, by: String) {
            self.at = at
            self.event = event
            self.detail = detail
            self.detailWords = detailWords
            self.by = by
        }
    }

    package var id: String
    package var nature: [Nature]
    package var discoveredAt: Instant
    package var awareAt: Instant
    package var processorNoticeAt: Instant?
    package var scope: Scope
    /// Only these fields were involved; nil: every field the scope reached.
    package var fields: [String]?
    package var windowFrom: Instant
    package var windowTo: Instant
    package var description: String
    package var measures: String?
    /// The likely consequences for the people (Art. 33(3)(c)).
    package var consequences: String? = nil
    /// Whether the keys that protect the data were compromised too; if not, data taken from
    /// the vault is ciphertext (Art. 34(3)(a)).
    package var keysCompromised: Bool
    package var risk: Risk?
    package var subjectsException: SubjectsException?
    /// How it came about; nil until assessed.
    package var cause: Cause? = nil
    /// The other EEA member states whose residents it touched (ISO 3166 codes): nil until
    /// assessed, empty for none. Where there are any, the other authorities concerned are
    /// involved through the lead authority (Art. 56, 60).
    package var otherMemberStates: [String]? = nil
    package var apNotifiedAt: Instant?
    package var apFinal: Bool
    package var lateReasons: String?
    package var closedAt: Instant?
    package var recordedAt: Instant
    package var recordedBy: String
    package var events: [Event] = []

    package init(id: String, nature: [Nature], discoveredAt: Instant, awareAt: Instant, processorNoticeAt: Instant?, scope: Scope, fields: [String]?,
                 windowFrom: Instant, windowTo: Instant, description: String, measures: String?, keysCompromised: Bool, risk: Risk?,
                 subjectsException: SubjectsException?, apNotifiedAt: Instant?, apFinal: Bool, lateReasons: String?, closedAt: Instant?,
                 recordedAt: Instant, recordedBy: String, consequences: String? = nil, cause: Cause? = nil, otherMemberStates: [String]? = nil,
                 events: [Event] = []) {
        self.id = id
        self.nature = nature
        self.discoveredAt = discoveredAt
        self.awareAt = awareAt
        self.processorNoticeAt = processorNoticeAt
        self.scope = scope
        self.fields = fields
        self.windowFrom = windowFrom
        self.windowTo = windowTo
        self.description = description
        self.measures = measures
        self.keysCompromised = keysCompromised
        self.risk = risk
        self.subjectsException = subjectsException
        self.apNotifiedAt = apNotifiedAt
        self.apFinal = apFinal
        self.lateReasons = lateReasons
        self.closedAt = closedAt
        self.recordedAt = recordedAt
        self.recordedBy = recordedBy
        self.consequences = consequences
        self.cause = cause
        self.otherMemberStates = otherMemberStates
        self.events = events
    }

    /// The member states as a store keeps them: comma-separated, "" for none, NULL until assessed.
    package static func memberStates(stored: String?) -> [String]? {
        stored.map { $0.split(separator: ",").map(String.init) }
    }

    /// The Art. 33(1) deadline: 72 clock hours after awareness, no weekend or holiday roll.
    package var apDeadline: Instant { Instant(millisecondsSinceEpoch: awareAt.millisecondsSinceEpoch + 72 * 3_600_000) }

    /// Open, not judged free of risk, and not yet notified: its 72 hours still run.
    package var awaitsNotification: Bool { closedAt == nil && apNotifiedAt == nil && risk != Breach.Risk.none }
}

/// What happened to a breach, as its history records it.
package enum BreachEvent: String, Sendable, CaseIterable {
    case recorded, assessed
    case apNotified = "ap-notified"
    case apNotifiedFinal = "ap-notified-final"
    case subjectsInformed = "subjects-informed"
    case lettersWritten = "letters-written"
    case lettersEmailed = "letters-emailed"
    case closed
}

extension Vault {
    /// Stores a new breach numbered `BR-<year>-NNNN` (four digits at least) in the year of awareness (the
    /// controller's time zone, as the caller gives it).
    package func recordBreach(_ breach: Breach, year: Int, at now: Instant) throws -> String {
        try pool.write { db in
            let numbering = YearlyNumbering(kind: "BR", year: year)
            let highest = try Int.fetchOne(db, sql: "SELECT MAX(CAST(substr(id, ?) AS INTEGER)) FROM breaches WHERE id >= ? AND id < ?",
                                           arguments: [numbering.numberStart, numbering.prefix, numbering.end])
            let id = numbering.id(after: highest)
            let (kind, target): (String, String?) = switch breach.scope {
            case let .recipient(recipient): ("recipient", recipient)
            case let .actor(actor): ("actor", actor)
            case .vault: ("vault", nil)
            }
            try db.execute(sql: """
                INSERT INTO breaches (id, nature, discovered_at, aware_at, processor_notice_at, scope_kind, scope_target, fields, window_from, window_to,
                                      description, measures, keys_compromised, recorded_at, recorded_by)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [id, breach.nature.map(\.rawValue).joined(separator: ","), breach.discoveredAt.millisecondsSinceEpoch,
                                 breach.awareAt.millisecondsSinceEpoch, breach.processorNoticeAt?.millisecondsSinceEpoch, kind, target,
                                 breach.fields?.joined(separator: "\n"), breach.windowFrom.millisecondsSinceEpoch, breach.windowTo.millisecondsSinceEpoch,
                                 breach.description, breach.measures, breach.keysCompromised, now.millisecondsSinceEpoch, breach.recordedBy])
            try Self.breachEvent(db, id, at: now, event: .recorded, detail: nil, by: breach.recordedBy)
            return id
        }
    }

    static func breachEvent(_ db: Database, _ id: String, at: Instant, event: BreachEvent, detail: LibraryWords?, by: String) throws {
        try db.execute(sql: "INSERT INTO breach_events (breach_id, at, event, detail, detail_words, by) VALUES (?, ?, ?, ?, ?, ?)",
                       arguments: [id, at.millisecondsSinceEpoch, event.rawValue, detail?.description, detail?.stored, by])
    }

    /// Changes a breach in one transaction with its history line; `change` may refuse.
    package func updateBreach(_ id: String, at now: Instant, by actor: String,
                              _ change: (Breach) throws -> (Breach, event: BreachEvent, detail: LibraryWords?)) throws -> Breach {
        try pool.write { db in
            guard let current = try Self.breach(db, id) else { throw StoreError.invalidInput("no breach \(id)") }
            let (updated, event, detail) = try change(current)
            try db.execute(sql: """
                UPDATE breaches SET measures = ?, consequences = ?, risk = ?, subjects_exception = ?, ap_notified_at = ?, ap_final = ?, late_reasons = ?, closed_at = ?,
                  cause = ?, other_member_states = ?
                WHERE id = ?
                """, arguments: [updated.measures, updated.consequences, updated.risk?.rawValue, updated.subjectsException?.rawValue, updated.apNotifiedAt?.millisecondsSinceEpoch,
                                 updated.apFinal, updated.lateReasons, updated.closedAt?.millisecondsSinceEpoch, updated.cause?.rawValue,
                                 updated.otherMemberStates?.joined(separator: ","), id])
            try Self.breachEvent(db, id, at: now, event: event, detail: detail, by: actor)
            return try Self.breach(db, id)!
        }
    }

    package func breach(_ id: String) throws -> Breach? { try pool.read { db in try Self.breach(db, id) } }

    /// Records the letters sent for a breach, one row per person and channel, with the
    /// history line, in one transaction.
    package func recordBreachLetters(_ id: String, subjects: [String], channel: String, language: String, event: BreachEvent, detail: LibraryWords,
                                     at now: Instant, by actor: String) throws {
        try pool.write { db in
            guard try Self.breach(db, id) != nil else { throw StoreError.invalidInput("no breach \(id)") }
            for subject in subjects {
                try db.cachedStatement(sql: """
                    INSERT OR REPLACE INTO breach_letters (breach_id, subject_id, channel, language, at, by) VALUES (?, ?, ?, ?, ?, ?)
                    """).execute(arguments: [id, subject, channel, language, now.millisecondsSinceEpoch, actor])
            }
            try Self.breachEvent(db, id, at: now, event: event, detail: detail, by: actor)
        }
    }

    /// The people already sent a letter about a breach through a channel.
    package func breachLetterSubjects(_ id: String, channel: String) throws -> Set<String> {
        try pool.read { db in
            Set(try String.fetchAll(db, sql: "SELECT subject_id FROM breach_letters WHERE breach_id = ? AND channel = ?", arguments: [id, channel]))
        }
    }

    /// How many people were sent a letter about a breach, per channel.
    package func breachLetterCounts(_ id: String) throws -> [String: Int] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT channel, COUNT(*) FROM breach_letters WHERE breach_id = ? GROUP BY channel", arguments: [id])
                .reduce(into: [:]) { counts, row in counts[row[0] as String] = row[1] as Int }
        }
    }

    package func breaches() throws -> [Breach] {
        try pool.read { db in
            try String.fetchAll(db, sql: "SELECT id FROM breaches ORDER BY aware_at, id").compactMap { try Self.breach(db, $0) }
        }
    }

    static func breach(_ db: Database, _ id: String) throws -> Breach? {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM breaches WHERE id = ?", arguments: [id]) else { return nil }
        let instant = { (column: String) in (row[column] as Int64?).map(Instant.init(millisecondsSinceEpoch:)) }
        let target: String? = row["scope_target"]
        let scope: Breach.Scope = switch row["scope_kind"] as String {
        case "recipient": .recipient(target ?? "")
        case "actor": .actor(target ?? "")
        default: .vault
        }
        let events = try Row.fetchAll(db, sql: "SELECT at, event, detail, detail_words, by FROM breach_events WHERE breach_id = ? ORDER BY id", arguments: [id]).map { event in
            Breach.Event(at: Instant(millisecondsSinceEpoch: event["at"]), event: event["event"], detail: event["detail"],
                         detailWords: LibraryWords(stored: event["detail_words"]), by: event["by"])
        }
        return Breach(
            id: id, nature: (row["nature"] as String).split(separator: ",").compactMap { Breach.Nature(rawValue: String($0)) },
            discoveredAt: instant("discovered_at")!, awareAt: instant("aware_at")!, processorNoticeAt: instant("processor_notice_at"), scope: scope,
            fields: (row["fields"] as String?).map { $0.split(separator: "\n").map(String.init) },
            windowFrom: instant("window_from")!, windowTo: instant("window_to")!, description: row["description"], measures: row["measures"],
            keysCompromised: row["keys_compromised"], risk: (row["risk"] as String?).flatMap(Breach.Risk.init(rawValue:)),
            subjectsException: (row["subjects_exception"] as String?).flatMap(Breach.SubjectsException.init(rawValue:)),
            apNotifiedAt: instant("ap_notified_at"), apFinal: row["ap_final"], lateReasons: row["late_reasons"], closedAt: instant("closed_at"),
            recordedAt: instant("recorded_at")!, recordedBy: row["recorded_by"], consequences: row["consequences"],
            cause: (row["cause"] as String?).flatMap(Breach.Cause.init(rawValue:)), otherMemberStates: Breach.memberStates(stored: row["other_member_states"]),
            events: events)
    }

    /// A page of the subjects the vault holds (`BreachStore.heldFields(after:limit:)`).
    package func heldFields(after: String?, limit: Int) throws -> [(subject: String, category: String, fields: [String])] {
        try pool.read { db in
            var held: [(subject: String, category: String, fields: [String])] = []
            // A page of subjects, then their fields: subjects and fields are both stored by
            // their keys (schema v18), so each is a range read in order. Every subject of the
            // page comes back, one without fields too, so a short page means the last.
            let rows = try Row.fetchCursor(db, sql: """
                SELECT s.id, s.category, f.field FROM (SELECT id, category FROM subjects WHERE id > ? ORDER BY id LIMIT ?) s
                LEFT JOIN fields f ON f.subject_id = s.id ORDER BY s.id, f.field
                """, arguments: [after ?? "", limit])
            while let row = try rows.next() {
                let subject: String = row[0], field: String? = row[2]
                if held.last?.subject != subject { held.append((subject, row[1], [])) }
                if let field { held[held.count - 1].fields.append(field) }
            }
            return held
        }
    }

    /// The first category of each subject still in the vault. A few subjects (a breach at one
    /// recipient) are looked up by id, a page of ids at a time; many are read in one pass over
    /// the subjects. Every breach's page asked for the whole table before, even for none.
    package func categories(of subjects: Set<String>) throws -> [String: String] {
        guard !subjects.isEmpty else { return [:] }
        return try pool.read { db in
            var found: [String: String] = [:]
            if subjects.count > Self.categoriesLookedUpById {
                let rows = try Row.fetchCursor(db, sql: "SELECT id, category FROM subjects")
                while let row = try rows.next() {
                    let id: String = row[0]
                    if subjects.contains(id) { found[id] = row[1] }
                }
                return found
            }
            try SQLiteIdSlices.forEach(of: Array(subjects)) { marks, arguments in
                let rows = try Row.fetchCursor(db, sql: "SELECT id, category FROM subjects WHERE id IN (\(marks))", arguments: arguments)
                while let row = try rows.next() { found[row[0]] = row[1] }
            }
            return found
        }
    }

    /// Beyond this many subjects one pass over the table costs less than a lookup each.
    static let categoriesLookedUpById = 50_000
}
