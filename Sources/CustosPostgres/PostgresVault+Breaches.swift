import Foundation
import PostgresNIO
package import CustosStore
package import CustosPolicy

/// The breach register on PostgreSQL (`BreachStore`), as on SQLite: one numbering across every
/// process, each change in one transaction with its history line, letters per person and channel.
extension PostgresVault: BreachStore {
    package func recordBreach(_ breach: Breach, year: Int, at now: Instant) throws -> String {
        let (kind, target): (String, String?) = switch breach.scope {
        case let .recipient(recipient): ("recipient", recipient)
        case let .actor(actor): ("actor", actor)
        case .vault: ("vault", nil)
        }
        return try transaction { connection, logger in
            let id = try await Self.nextNumber(YearlyNumbering(kind: "BR", year: year), in: .breaches, on: connection, logger: logger)
            try await connection.query("""
                INSERT INTO breaches (id, nature, discovered_at, aware_at, processor_notice_at, scope_kind, scope_target, fields, window_from, window_to,
                                      description, measures, keys_compromised, recorded_at, recorded_by)
                VALUES (\(id), \(breach.nature.map(\.rawValue).joined(separator: ",")), \(breach.discoveredAt.millisecondsSinceEpoch),
                        \(breach.awareAt.millisecondsSinceEpoch), \(breach.processorNoticeAt?.millisecondsSinceEpoch), \(kind), \(target),
                        \(breach.fields?.joined(separator: "\n")), \(breach.windowFrom.millisecondsSinceEpoch), \(breach.windowTo.millisecondsSinceEpoch),
                        \(breach.description), \(breach.measures), \(breach.keysCompromised), \(now.millisecondsSinceEpoch), \(breach.recordedBy))
                """, logger: logger)
            try await Self.breachEvent(id, at: now, event: .recorded, detail: nil, by: breach.recordedBy, on: connection)
            return id
        }
    }

    package func updateBreach(_ id: String, at now: Instant, by actor: String,
                              _ change: (Breach) throws -> (Breach, event: BreachEvent, detail: LibraryWords?)) throws -> Breach {
        try inHeldTransaction("a breach change's") { transaction in
            guard let current = try transaction.wait({ connection, _ in try await Self.breach(id, on: connection, forUpdate: true) }) else {
                throw StoreError.invalidInput("no breach \(id)")
            }
            let (updated, event, detail) = try change(current)
            return try transaction.wait { connection, logger in
                try await connection.query("""
                    UPDATE breaches SET measures = \(updated.measures), consequences = \(updated.consequences), risk = \(updated.risk?.rawValue),
                      subjects_exception = \(updated.subjectsException?.rawValue), ap_notified_at = \(updated.apNotifiedAt?.millisecondsSinceEpoch),
                      ap_final = \(updated.apFinal), late_reasons = \(updated.lateReasons), closed_at = \(updated.closedAt?.millisecondsSinceEpoch),
                      cause = \(updated.cause?.rawValue), other_member_states = \(updated.otherMemberStates?.joined(separator: ","))
                    WHERE id = \(id)
                    """, logger: logger)
                try await Self.breachEvent(id, at: now, event: event, detail: detail, by: actor, on: connection)
                guard let stored = try await Self.breach(id, on: connection, forUpdate: false) else { throw StoreError.invalidInput("no breach \(id)") }
                return stored
            }
        }
    }

    package func breach(_ id: String) throws -> Breach? {
        try transaction { connection, _ in try await Self.breach(id, on: connection, forUpdate: false) }
    }

    package func breaches() throws -> [Breach] {
        try transaction { connection, logger in
            try await connection.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY", logger: logger)
            var ids: [String] = []
            for try await id in try await connection.query("SELECT id FROM breaches ORDER BY aware_at, id COLLATE \"C\"", logger: logger).decode(String.self) {
                BlockingBridge.beat()
                ids.append(id)
            }
            var breaches: [Breach] = []
            for id in ids { BlockingBridge.beat(); if let breach = try await Self.breach(id, on: connection, forUpdate: false) { breaches.append(breach) } }
            return breaches
        }
    }

    package func recordBreachLetters(_ id: String, subjects: [String], channel: String, language: String, event: BreachEvent, detail: LibraryWords,
                                     at now: Instant, by actor: String) throws {
        try transaction { connection, logger in
            guard try await PostgresDatabase.touched(try await connection.query("SELECT 1 FROM breaches WHERE id = \(id)", logger: logger)) else {
                throw StoreError.invalidInput("no breach \(id)")
            }
            for subject in subjects {
                BlockingBridge.beat()
                try await connection.query("""
                    INSERT INTO breach_letters (breach_id, subject_id, channel, language, at, by)
                    VALUES (\(id), \(subject), \(channel), \(language), \(now.millisecondsSinceEpoch), \(actor))
                    ON CONFLICT (breach_id, subject_id, channel) DO UPDATE SET language = excluded.language, at = excluded.at, by = excluded.by
                    """, logger: logger)
            }
            try await Self.breachEvent(id, at: now, event: event, detail: detail, by: actor, on: connection)
        }
    }

    package func breachLetterSubjects(_ id: String, channel: String) throws -> Set<String> {
        try run { client, logger in
            var subjects: Set<String> = []
            for try await subject in try await client.query(
                "SELECT subject_id FROM breach_letters WHERE breach_id = \(id) AND channel = \(channel)", logger: logger).decode(String.self) {
                BlockingBridge.beat()
                subjects.insert(subject)
            }
            return subjects
        }
    }

    package func breachLetterCounts(_ id: String) throws -> [String: Int] {
        try run { client, logger in
            var counts: [String: Int] = [:]
            for try await (channel, count) in try await client.query(
                "SELECT channel, count(*)::bigint FROM breach_letters WHERE breach_id = \(id) GROUP BY channel", logger: logger).decode((String, Int).self) {
                counts[channel] = count
            }
            return counts
        }
    }

    package func heldFields(after: String?, limit: Int) throws -> [(subject: String, category: String, fields: [String])] {
        try run { client, logger in
            var held: [(subject: String, category: String, fields: [String])] = []
            // The page and its order in the server's collation for ids, which the primary key's
            // index serves; the next page starts after the last id in the same collation.
            for try await (subject, category, field) in try await client.query("""
                SELECT s.id, s.category, f.field FROM (SELECT id, category FROM subjects WHERE id > \(after ?? "") ORDER BY id LIMIT \(limit)) s
                LEFT JOIN fields f ON f.subject_id = s.id ORDER BY s.id, f.field COLLATE "C"
                """, logger: logger).decode((String, String, String?).self) {
                BlockingBridge.beat()
                if held.last?.subject != subject { held.append((subject, category, [])) }
                if let field { held[held.count - 1].fields.append(field) }
            }
            return held
        }
    }

    package func categories(of subjects: Set<String>) throws -> [String: String] {
        guard !subjects.isEmpty else { return [:] }
        let ids = Array(subjects)
        return try run { client, logger in
            var found: [String: String] = [:]
            for try await (id, category) in try await client.query("SELECT id, category FROM subjects WHERE id = ANY(\(ids))", logger: logger)
                .decode((String, String).self) { BlockingBridge.beat(); found[id] = category }
            return found
        }
    }

    static func breachEvent(_ id: String, at: Instant, event: BreachEvent, detail: LibraryWords?, by actor: String, on connection: PostgresConnection) async throws {
        try await connection.query("""
            INSERT INTO breach_events (breach_id, at, event, detail, detail_words, by)
            VALUES (\(id), \(at.millisecondsSinceEpoch), \(event.rawValue), \(detail?.description), \(detail?.stored), \(actor))
            """, logger: PostgresDatabase.logger)
    }

    static func breach(_ id: String, on connection: PostgresConnection, forUpdate: Bool) async throws -> Breach? {
        let logger = PostgresDatabase.logger
        let sql = """
            SELECT nature, discovered_at, aware_at, processor_notice_at, scope_kind, scope_target, fields, window_from, window_to, description, measures,
              keys_compromised, risk, subjects_exception, ap_notified_at, ap_final, late_reasons, closed_at, recorded_at, recorded_by, consequences,
              cause, other_member_states
            FROM breaches WHERE id = $1\(forUpdate ? " FOR UPDATE" : "")
            """
        var found: Breach?
        for try await row in try await connection.query(PostgresQuery(unsafeSQL: sql, binds: PostgresDatabase.binds(id)), logger: logger) {
            let r = try row.decode((String, Int64, Int64, Int64?, String, String?, String?, Int64, Int64, String, String?,
                                    Bool, String?, String?, Int64?, Bool, String?, Int64?, Int64, String, String?, String?, String?).self)
            let instant = { (ms: Int64) in Instant(millisecondsSinceEpoch: ms) }
            let scope: Breach.Scope = switch r.4 {
            case "recipient": .recipient(r.5 ?? "")
            case "actor": .actor(r.5 ?? "")
            default: .vault
            }
            found = Breach(id: id, nature: r.0.split(separator: ",").compactMap { Breach.Nature(rawValue: String($0)) }, discoveredAt: instant(r.1),
                           awareAt: instant(r.2), processorNoticeAt: r.3.map(instant), scope: scope, fields: lines(r.6), windowFrom: instant(r.7),
                           windowTo: instant(r.8), description: r.9, measures: r.10, keysCompromised: r.11, risk: r.12.flatMap(Breach.Risk.init(rawValue:)),
                           subjectsException: r.13.flatMap(Breach.SubjectsException.init(rawValue:)), apNotifiedAt: r.14.map(instant), apFinal: r.15,
                           lateReasons: r.16, closedAt: r.17.map(instant), recordedAt: instant(r.18), recordedBy: r.19, consequences: r.20,
                           cause: r.21.flatMap(Breach.Cause.init(rawValue:)), otherMemberStates: Breach.memberStates(stored: r.22))
        }
        guard var breach = found else { return nil }
        for try await (at, event, detail, words, by) in try await connection.query(
            "SELECT at, event, detail, detail_words, by FROM breach_events WHERE breach_id = \(id) ORDER BY id", logger: logger)
            .decode((Int64, String, String?, String?, String).self) {
            breach.events.append(Breach.Event(at: Instant(millisecondsSinceEpoch: at), event: event, detail: detail, detailWords: LibraryWords(stored: words), by: by))
        }
        return breach
    }
}
