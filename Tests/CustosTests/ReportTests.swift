import Custos
import CustosTestSupport
import Foundation
import Testing
import CustosReports

/// The auditor's reports: the RoPA against the policy model, golden files with the time
/// pinned, byte-identical output, and the activity counts against a tally of the decisions.
struct ReportTests {
    static let golden = RepositoryPaths.root.appendingPathComponent("Tests/CustosTests/Golden/reports")
    static let reportTime = Instant(iso8601: "2025-06-02T17:00:00+02:00")!

    /// A small day on the seed policy with every kind of record the reports read.
    static func scenario() throws -> VaultFixture {
        let fixture = try VaultFixture()
        let engine = fixture.engine
        for (id, marker) in [("D-1", "gd01"), ("D-2", "gd02"), ("D-3", "gd03")] { try fixture.addDebtor(id, marker: marker) }
        try engine.recordEvent(subject: "D-3", event: "file-closed", effective: LocalDate(parsing: "2019-02-01"), by: "test")
        try engine.addSubject(NewSubject(id: "C-1", category: "client", kind: .soleTrader, consumer: false, contractParty: true,
                                         values: ["person_name": "Cor Klant", "email": "cor@example.nl", "bank_account": "NL02 RABO 0123 4567 89"]), by: "test")
        try engine.addSubject(NewSubject(id: "PR-1", category: "prospect", values: ["email": "lezer@example.nl", "person_name": "Lezer Nieuws"]), by: "test")
        fixture.clock.set("2025-06-02T10:00:00+02:00")
        for subject in ["D-1", "D-2", "D-3"] {
            _ = engine.read(subject: subject, fields: ["email", "bank_account"], purpose: "P-DEBT-COLLECT", actor: "collections-service")
        }
        _ = engine.read(subject: "D-1", fields: ["email"], purpose: "P-CLIENT-MKT", actor: "marketing-service")
        _ = engine.read(subject: "C-1", fields: ["bank_account"], purpose: "P-PAYOUT", actor: "payout-service")
        _ = engine.share(subject: "D-1", fields: ["person_name", "bank_account"], purpose: "P-DEBT-COLLECT", recipient: "R-BAILIFF-NL", actor: "collections-service")
        _ = engine.share(subject: "D-2", fields: ["person_name"], purpose: "P-DEBT-COLLECT", recipient: "R-FOREIGN-LAWYER", recipientName: "Avukatlık Bürosu Demir", destination: "TR",
                         procedure: "Istanbul 2025/311", actor: "collections-service")
        _ = engine.share(subject: "D-2", fields: ["person_name"], purpose: "P-DEBT-COLLECT", recipient: "R-AFFILIATE-US", actor: "collections-service")
        fixture.clock.set("2025-06-02T11:00:00+02:00")
        _ = try engine.giveConsent(ConsentGrant(subject: "PR-1", purposes: ["P-NEWSLETTER-EMAIL"], method: .doubleOptIn, channel: "web-form", ageAtConsent: 40), by: "test")
        _ = try engine.giveConsent(ConsentGrant(subject: "C-1", purposes: ["P-NEWSLETTER-EMAIL"], method: .checkboxTicked, channel: "web-form", ageAtConsent: 40,
                                                preTicked: true), by: "test")
        _ = engine.read(subject: "PR-1", fields: ["email"], purpose: "P-NEWSLETTER-EMAIL", actor: "newsletter")
        fixture.clock.set("2025-06-02T12:00:00+02:00")
        try engine.withdrawConsent(subject: "PR-1", purposes: ["P-NEWSLETTER-EMAIL"], channel: "e-mail", by: "test")
        let access = try engine.openRequest(subject: "D-1", type: .access, channel: "letter", receivedAt: Instant(iso8601: "2025-05-20T10:00:00+02:00"),
                                            identityVerifiedBy: "case number and postcode", by: "officer")
        _ = try engine.fulfilAccess(request: access.id, by: "officer")
        _ = try engine.openRequest(subject: "D-2", type: .erasure, channel: "e-mail", receivedAt: Instant(iso8601: "2025-04-01T10:00:00+02:00"), by: "officer")
        let restriction = try engine.openRequest(subject: "D-1", type: .restriction, channel: "letter", identityVerifiedBy: "file number", by: "officer")
        _ = try engine.fulfilRestriction(request: restriction.id, fields: ["bank_account"], ground: .accuracyContested, by: "officer")
        // The breach register and the Art. 14 record: the bailiff's mailbox was read; D-3 had
        // its privacy statement with the demand letter.
        fixture.clock.set("2025-06-02T12:30:00+02:00")
        let breach = try engine.recordBreach(PrivacyEngine.BreachReport(
            nature: [.confidentiality], awareAt: fixture.clock.now, scope: .recipient("R-BAILIFF-NL"),
            window: (Instant(iso8601: "2025-06-02T09:00:00+02:00")!, fixture.clock.now), description: "the bailiff's mailbox was read"), by: "officer")
        _ = try engine.assessBreach(breach.id, risk: .high, cause: .unauthorisedAccess, otherMemberStates: ["BE"], by: "officer")
        fixture.clock.set("2025-06-02T13:00:00+02:00")
        _ = try engine.notifyAuthority(breach.id, final: true, by: "officer")
        _ = try engine.recordSubjectsInformed(breach.id, count: 1, by: "officer")
        try engine.recordInformationGiven(subject: "D-3", notice: "N-PRIVACY", at: fixture.clock.now, channel: "post", by: "officer")
        // A second one still awaits its notification: the requests report shows its clock.
        fixture.clock.set("2025-06-02T14:00:00+02:00")
        _ = try engine.recordBreach(PrivacyEngine.BreachReport(
            nature: [.availability], awareAt: fixture.clock.now, scope: .vault,
            window: (Instant(iso8601: "2025-06-02T13:00:00+02:00")!, fixture.clock.now), description: "the vault was offline for an hour"), by: "officer")
        fixture.clock.set("2025-06-02T16:00:00+02:00")
        _ = try engine.checkpoint()
        return fixture
    }

    /// The SQLite library differs between machines; everything else in a report is the vault's.
    static func rendered(_ engine: PrivacyEngine, _ kind: ReportKind, _ format: ReportFormat) throws -> String {
        let document = try engine.report(kind, generatedAt: reportTime)
        let text = String(decoding: try ReportRenderer().render(document, as: format), as: UTF8.self)
        return text.replacingOccurrences(of: "SQLite \(try engine.store.sqliteVersion())", with: "SQLite <version>")
    }

    @Test func reportsMatchTheirGoldenFilesWithTheTimePinned() throws {
        let fixture = try Self.scenario()
        let update = ProcessInfo.processInfo.environment["CUSTOS_UPDATE_GOLDEN"] == "1"
        if update { try FileManager.default.createDirectory(at: Self.golden, withIntermediateDirectories: true) }
        for kind in ReportKind.allCases {
            for format in ReportFormat.allCases {
                let output = try Self.rendered(fixture.engine, kind, format)
                let file = Self.golden.appendingPathComponent("\(kind.rawValue).\(format.rawValue)")
                if update { try output.write(to: file, atomically: true, encoding: .utf8) }
                let expected = try String(contentsOf: file, encoding: .utf8)
                #expect(output == expected, "\(file.lastPathComponent) differs; CUSTOS_UPDATE_GOLDEN=1 swift test --filter ReportTests rewrites it after a reviewed change")
            }
        }
    }

    @Test func theSameVaultGivesByteIdenticalReports() throws {
        let first = try Self.scenario(), second = try Self.scenario()
        for kind in ReportKind.allCases {
            for format in ReportFormat.allCases {
                #expect(try Self.rendered(first.engine, kind, format) == Self.rendered(second.engine, kind, format), "\(kind) \(format)")
                #expect(try Self.rendered(first.engine, kind, format) == Self.rendered(first.engine, kind, format))
            }
        }
    }

    @Test func theRecordOfProcessingHoldsEveryPurposeRecipientTransferAndRetentionRule() throws {
        let fixture = try VaultFixture()
        let document = try fixture.engine.report(.ropa, generatedAt: Self.reportTime)
        let policy = fixture.engine.policy.policy
        func table(_ id: String) -> ReportTable? { document.sections.flatMap(\.tables).first { $0.id == id } }
        let overview = try #require(table("purposes"))
        #expect(overview.rows.map { $0[0] } == policy.purposes.map(\.id.id))
        for purpose in policy.purposes {
            let detail = try #require(table("purpose-\(purpose.id.id)"))
            let items = Dictionary(uniqueKeysWithValues: detail.rows.map { ($0[0], $0[1]) })
            for subject in purpose.subjects {
                let basis = try #require(purpose.basis(for: subject.id))
                #expect(items["Legal basis per subject category"]?.contains("\(subject.id): \(basis.rawValue)") == true, "\(purpose.id.id)")
            }
            #expect(items["Fields"] == purpose.fields.map(\.id).joined(separator: ", "))
            for recipient in purpose.recipients {
                #expect(items["Recipients"]?.contains(try #require(policy.recipient(recipient.id)).name) == true, "\(purpose.id.id) → \(recipient.id)")
            }
            #expect(items["Retention"]?.hasPrefix(purpose.retention?.id ?? "none") == true)
            if let lia = purpose.lia { #expect(items["Assessments"]?.contains(lia) == true) }
            if let dpia = purpose.dpia { #expect(items["Assessments"]?.contains(dpia) == true) }
        }
        let recipients = try #require(table("recipients"))
        #expect(Set(recipients.rows.map { $0[1] }) == Set(policy.recipients.map(\.id.id)))
        for recipient in policy.recipients {
            #expect(recipients.rows.first { $0[1] == recipient.id.id }?[2] == recipient.name)
            #expect(recipients.rows.first { $0[1] == recipient.id.id }?[0] == recipient.role.rawValue, "listed by category")
        }
        // Remote access from a third country is a transfer too (EDPB 05/2021).
        let outsideEEA = policy.recipients.filter { recipient in
            if case let .fixed(country) = recipient.country {
                !policy.referenceData.isEEA(country) || recipient.accessFrom.contains { !policy.referenceData.isEEA($0) }
            } else { true }
        }
        let transfers = try #require(table("transfers"))
        #expect(transfers.rows.map { $0[0] } == outsideEEA.map(\.id.id))
        #expect(transfers.rows.allSatisfy { $0[3] != "none declared" || !$0[4].isEmpty }, "every transfer names its safeguard or Art. 49 ground")
        let retention = try #require(table("retention"))
        #expect(Set(retention.rows.map { $0[0] }) == Set(policy.retentionRules.map(\.id.id) + ["decision-log", "consent-proof"]))
        let processor = document.sections.first { $0.id == "processor" }
        #expect(processor?.notes.first?.contains("Art. 30(2)") == true)
        #expect(document.sections.first { $0.id == "measures" }?.notes == [policy.controller?.measures ?? ""])
    }

    /// A safeguard the evaluator refuses on a day is never "active" in the RoPA or transfers
    /// report drawn up that day: the seed's US affiliate is DPF-certified until 2026-10-02.
    @Test func aLapsedSafeguardReadsAsNotInForceOnTheDayTheEvaluatorRefusesIt() throws {
        let fixture = try VaultFixture()
        _ = try fixture.addDebtor("D-1", marker: "sg01")
        for (day, lapsed) in [("2026-10-02", false), ("2026-10-03", true)] {
            let at = Instant(iso8601: "\(day)T12:00:00+02:00")!
            fixture.clock.set(at)
            let share = fixture.engine.share(subject: "D-1", fields: ["person_name"], purpose: "P-DEBT-COLLECT", recipient: "R-AFFILIATE-US", actor: "collections-service")
            #expect(share.decision.codes.contains(.transferDPFNotCertified) == lapsed, "\(day): \(share.decision.codes)")
            for kind in [ReportKind.ropa, .transfers] {
                let text = String(decoding: try ReportRenderer().render(try fixture.engine.report(kind, period: ReportPeriod(to: LocalDate(parsing: day)), generatedAt: at), as: .md), as: UTF8.self)
                let row = try #require(text.split(separator: "\n").first { $0.contains("| R-AFFILIATE-US |") && $0.contains("DPF") })
                #expect(row.contains("NOT IN FORCE on \(day): lapsed after 2026-10-02") == lapsed, "\(kind) \(day): \(row)")
                #expect(row.contains("active until 2026-10-02") == !lapsed, "\(kind) \(day): \(row)")
            }
        }
    }

    @Test func aConsentThatRanOutIsCountedAsExpiredInTheMonthItEnded() throws {
        let fixture = try VaultFixture(start: Instant(iso8601: "2024-01-10T10:00:00+01:00")!)
        for id in ["PR-1", "PR-2", "PR-3"] {
            try fixture.engine.addSubject(NewSubject(id: id, category: "prospect", values: ["email": "\(id.lowercased())@example.nl"]), by: "test")
            _ = try fixture.engine.giveConsent(ConsentGrant(subject: id, purposes: ["P-NEWSLETTER-EMAIL"], method: .doubleOptIn, channel: "web-form", ageAtConsent: 30), by: "test")
        }
        fixture.clock.set("2025-12-01T10:00:00+01:00")
        _ = try fixture.engine.giveConsent(ConsentGrant(subject: "PR-2", purposes: ["P-NEWSLETTER-EMAIL"], method: .doubleOptIn, channel: "web-form", ageAtConsent: 30), by: "test")
        try fixture.engine.withdrawConsent(subject: "PR-3", purposes: ["P-NEWSLETTER-EMAIL"], channel: "e-mail", by: "test")
        let document = try fixture.engine.report(.consent, generatedAt: Instant(iso8601: "2026-03-01T10:00:00+01:00")!)
        let months = try #require(document.sections.flatMap(\.tables).first { $0.id == "months" })
        let expired = months.rows.filter { $0[5] != "0" }
        #expect(expired.map { [$0[0], $0[2], $0[5]] } == [["2026-01", "N-NEWS v1", "1"]],
                "PR-1's 24 months ran out in January 2026; PR-2 renewed and PR-3 withdrew before")
        let early = try fixture.engine.report(.consent, generatedAt: Instant(iso8601: "2025-12-31T10:00:00+01:00")!)
        #expect(early.sections.flatMap(\.tables).first { $0.id == "months" }?.rows.allSatisfy { $0[5] == "0" } == true, "nothing expires after the report's moment")
    }

    /// The activity report's counts against a tally kept from the decisions as they were
    /// returned to the callers, over a generated stream of reads and shares.
    @Test func activityCountsMatchAnIndependentTallyOfAGeneratedLog() throws {
        let fixture = try VaultFixture()
        let engine = fixture.engine
        for index in 0..<20 { try fixture.addDebtor("D-\(index)", marker: "ac\(String(format: "%02d", index))") }
        try engine.addSubject(NewSubject(id: "C-1", category: "client", contractParty: true, values: ["email": "c@example.nl", "bank_account": "NL02 RABO 0123 4567 89"]), by: "test")
        var random = SplitMix64(seed: 0xAC71_1717)
        let shapes: [(actor: String, purpose: String, fields: [String], recipient: String?)] = [
            ("collections-service", "P-DEBT-COLLECT", ["email", "bank_account"], nil),
            ("collections-service", "P-DEBT-COLLECT", ["person_name", "bank_account"], "R-CLIENT"),
            ("collections-service", "P-DEBT-COLLECT", ["person_name"], "R-BAILIFF-NL"),
            ("marketing-service", "P-CLIENT-MKT", ["email"], nil),
            ("scoring-service", "P-SCORING", ["payment_history"], nil),
            ("payout-service", "P-PAYOUT", ["bank_account"], nil),
            ("web-analytics", "P-WEB-ANALYTICS", ["email"], nil),
        ]
        var expected: [String: [String: Int]] = [:]  // dimension → key → decisions
        var denied: [String: Int] = [:]               // actor → denies
        var codes: [String: Int] = [:]
        var outcomes: [String: Int] = [:]
        for _ in 0..<400 {
            let shape = shapes[Int.random(in: 0..<shapes.count, using: &random)]
            let subject = Int.random(in: 0...4, using: &random) == 0 ? "C-1" : "D-\(Int.random(in: 0..<20, using: &random))"
            let result = shape.recipient.map { engine.share(subject: subject, fields: shape.fields, purpose: shape.purpose, recipient: $0, recipientName: "Energie Noord B.V.", actor: shape.actor) }
                ?? engine.read(subject: subject, fields: shape.fields, purpose: shape.purpose, actor: shape.actor)
            let action = shape.recipient == nil ? "read" : "share"
            for (dimension, key) in [("purpose", shape.purpose), ("actor", shape.actor), ("action", action)] { expected[dimension, default: [:]][key, default: 0] += 1 }
            outcomes[result.decision.outcome.rawValue, default: 0] += 1
            if result.decision.outcome == .deny { denied[shape.actor, default: 0] += 1 }
            if result.decision.outcome != .permit {
                for code in Set(result.decision.codes) where code.isBlocking { codes[code.rawValue, default: 0] += 1 }
            }
        }
        let document = try engine.report(.activity, generatedAt: Instant(millisecondsSinceEpoch: fixture.clock.now.millisecondsSinceEpoch + 1))
        func table(_ id: String) throws -> [String: [String]] {
            guard let found = document.sections.flatMap(\.tables).first(where: { $0.id == id }) else {
                Issue.record("no table \(id)")
                return [:]
            }
            return Dictionary(uniqueKeysWithValues: found.rows.map { ($0[0], Array($0.dropFirst())) })
        }
        for (dimension, id) in [("purpose", "by-purpose"), ("actor", "by-actor"), ("action", "by-action")] {
            let rows = try table(id)
            #expect(rows.mapValues { Int($0[0]) ?? -1 } == expected[dimension]!, "\(dimension)")
        }
        #expect(try table("by-actor").mapValues { Int($0[3]) ?? -1 }.filter { $0.value > 0 } == denied)
        let all = try #require(try table("outcomes")["all"])
        #expect(all == [String(400), String(outcomes["permit"] ?? 0), String(outcomes["partial"] ?? 0), String(outcomes["deny"] ?? 0)])
        #expect(try table("denial-codes").mapValues { Int($0[1]) ?? -1 } == codes)
        #expect(codes["PURPOSE_NOT_DECLARED"] ?? 0 > 0 && outcomes["partial"] ?? 0 > 0, "the generated log has denials and partial decisions")
        let unusual = document.sections.first { $0.id == "unusual" }?.tables.first?.rows.map { $0[0] } ?? []
        #expect(unusual.contains("marketing-service") && unusual.contains("web-analytics"), "services asking for what their purpose does not allow stand out")
        #expect(!unusual.contains("collections-service"))

        let trail = try engine.report(.activity, subject: "C-1", generatedAt: Instant(millisecondsSinceEpoch: fixture.clock.now.millisecondsSinceEpoch + 1))
        let rows = trail.sections.first { $0.id == "trail" }?.tables.first?.rows ?? []
        #expect(rows.count == (try engine.store.log.entries(subject: "C-1")).count && !rows.isEmpty)
    }
}
