import Custos
import CustosTestSupport
import Foundation
import Testing
import CustosStore

extension OnBothBackends {
/// The retention sweep over a generated population, on each backend. Every subject comes from
/// a scenario whose outcome is stated from the seed policy's retention rules as a privacy
/// officer reads them (the claim file is kept five years after closing, the score only while
/// the file is open, newsletter data 30 days after the withdrawal, statistics 12 months,
/// prospects two years after the last contact), not computed by the engine's schedule.
struct RetentionSweepPopulationTests {
    static let unlimited = RetentionSweepTests.unlimited
    static let collected = RetentionSweepTests.collected
    static let sweepAt = RetentionSweepTests.sweepAt
    static let today = RetentionSweepTests.today
    static let debtorValues = RetentionSweepTests.debtorValues

    /// One generated subject and what the sweep must do to it.
    struct Expectation {
        var subject: String
        var destroyed: Set<String>
        var shredded: Bool
        var tasks: Int
    }

    /// Builds the population on the fixture and states the expected outcome for each subject.
    func population(_ fixture: BackendFixture, size: Int, seed: UInt64) throws -> [Expectation] {
        var random = SplitMix64(seed: seed)
        func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &random) }
        let engine = fixture.engine
        fixture.clock.set(Self.collected)
        var expectations: [Expectation] = []
        for index in 0..<size {
            let id = String(format: "S-%05d", index)
            func value(_ field: String) -> String { "\(field)-\(id)" }
            // An event after the population's collection is recorded on the sweep's day, once it
            // has happened: a date later than the engine's today is refused.
            func recordAfterCollection(_ event: String, on date: LocalDate?) throws {
                fixture.clock.set(Self.sweepAt)
                defer { fixture.clock.set(Self.collected) }
                try engine.recordEvent(subject: id, event: event, effective: date, by: "test")
            }
            func debtor(opened: String = "2018-12-01") throws {
                try engine.addSubject(NewSubject(id: id, category: "debtor", values: Dictionary(uniqueKeysWithValues: Self.debtorValues.map { ($0, value($0)) }),
                                                 source: "client"), by: "test")
                try engine.recordEvent(subject: id, event: "file-opened", effective: LocalDate(parsing: opened), by: "test")
            }
            switch int(0...7) {
            case 0:  // an open collection file keeps everything
                try debtor()
                expectations.append(Expectation(subject: id, destroyed: [], shredded: false, tasks: 0))
            case 1:  // closed less than five years ago: only the score goes (it lived as long as the open file)
                try debtor()
                let closed = Self.today.adding(days: -int(1...1_800))
                try recordAfterCollection("file-closed", on: closed)
                expectations.append(Expectation(subject: id, destroyed: ["recoverability_score"], shredded: false, tasks: 0))
            case 2:  // closed five years ago or more: nothing remains, unless it is exactly five years (the last day counts)
                try debtor()
                let extra = int(0...300)
                let closed = Self.today.subtracting(CalendarDuration(5, .year)).adding(days: -extra)
                let shared = int(0...1) == 1
                if shared {
                    let result = engine.share(subject: id, fields: ["bank_account"], purpose: "P-DEBT-COLLECT", recipient: "R-BAILIFF-NL", actor: "collections-service")
                    #expect(result.decision.outcome == .permit)
                }
                try recordAfterCollection("file-closed", on: closed)
                if extra == 0 {
                    expectations.append(Expectation(subject: id, destroyed: ["recoverability_score"], shredded: false, tasks: 0))
                } else {
                    expectations.append(Expectation(subject: id, destroyed: Set(Self.debtorValues), shredded: true, tasks: shared ? 1 : 0))
                }
            case 3:  // closed long ago but under a legal hold: the hold keeps what it covers
                try debtor()
                try recordAfterCollection("file-closed", on: LocalDate(parsing: "2020-03-01"))
                if int(0...1) == 0 {
                    _ = try engine.placeHold(subject: id, reference: "C/13/7\(index)", by: "test")
                    expectations.append(Expectation(subject: id, destroyed: [], shredded: false, tasks: 0))
                } else {
                    _ = try engine.placeHold(subject: id, reference: "C/13/7\(index)", fields: ["claim_details"], by: "test")
                    expectations.append(Expectation(subject: id, destroyed: Set(Self.debtorValues).subtracting(["claim_details"]), shredded: false, tasks: 0))
                }
            case 4:  // a newsletter subscriber who withdrew: the address goes 30 days later; the name stays for postal prospecting
                try engine.addSubject(NewSubject(id: id, category: "prospect", values: ["email": value("email"), "person_name": value("person_name")]), by: "test")
                fixture.clock.set("2026-01-10T10:00:00+01:00")
                let given = try engine.giveConsent(ConsentGrant(subject: id, purposes: ["P-NEWSLETTER-EMAIL"], method: .checkboxTicked, channel: "web-form", ageAtConsent: 40), by: "test")
                #expect(given.allSatisfy { if case .recorded = $0 { true } else { false } }, "\(given)")
                let daysAgo = int(1...90)
                fixture.clock.set(Self.sweepAt)
                try engine.withdrawConsent(subject: id, purposes: ["P-NEWSLETTER-EMAIL"], channel: "e-mail",
                                           effective: fixture.engine.policy.startOfDay(Self.today.adding(days: -daysAgo)), by: "test")
                fixture.clock.set(Self.collected)
                expectations.append(Expectation(subject: id, destroyed: daysAgo > 30 ? ["email"] : [], shredded: false, tasks: 0))
            case 5:  // a cold prospect from the register: two years after the last contact nothing remains
                try engine.addSubject(NewSubject(id: id, category: "prospect", values: ["company_name": value("company"), "person_name": value("person_name"),
                                                                                          "postal_address": value("address")], source: "KvK register"), by: "test")
                let extra = int(0...200)
                try recordAfterCollection("last-contact", on: Self.today.subtracting(CalendarDuration(2, .year)).adding(days: -extra))
                expectations.append(extra == 0 ? Expectation(subject: id, destroyed: [], shredded: false, tasks: 0)
                                               : Expectation(subject: id, destroyed: ["company_name", "person_name", "postal_address"], shredded: true, tasks: 0))
            case 6:  // a website visitor: statistics go after 12 months; the IP address stays as contract evidence unless it was collected for statistics only
                let statisticsOnly = int(0...1) == 1
                try engine.addSubject(NewSubject(id: id, category: "website_user", values: ["web_usage_stats": value("stats"), "cookie_id": value("cookie"), "ip_address": value("ip")],
                                                 source: "website", collectedFor: statisticsOnly ? ["P-WEB-ANALYTICS"] : nil), by: "test")
                expectations.append(statisticsOnly ? Expectation(subject: id, destroyed: ["web_usage_stats", "cookie_id", "ip_address"], shredded: true, tasks: 0)
                                                   : Expectation(subject: id, destroyed: ["web_usage_stats", "cookie_id"], shredded: false, tasks: 0))
            default:  // an active client keeps everything
                try engine.addSubject(NewSubject(id: id, category: "client", contractParty: true, values: ["person_name": value("person_name"), "email": value("email")]), by: "test")
                expectations.append(Expectation(subject: id, destroyed: [], shredded: false, tasks: 0))
            }
        }
        fixture.clock.set(Self.sweepAt)
        return expectations
    }

    @Test(arguments: Backend.reachable) func theSweepDestroysExactlyWhatTheRetentionRulesSayOverAGeneratedPopulation(_ backend: Backend) async throws {
        try await BackendFixture.with(backend, start: Instant(iso8601: Self.collected)!) { fixture in
            let expected = try population(fixture, size: 320, seed: 0xC057_05)
            #expect(Set(expected.map(\.shredded)) == [true, false] && expected.contains { !$0.destroyed.isEmpty && !$0.shredded })
            let fieldsHeld = { try expected.reduce(0) { $0 + (try fixture.engine.metadata(of: $1.subject).fields.count) } }
            let fieldsBefore = try fieldsHeld()
            let headBefore = try fixture.engine.verifyLog().headSeq

            let dryRun = try fixture.engine.sweepRetention(dryRun: true, by: "officer", pageSize: 37)
            let planned = Dictionary(uniqueKeysWithValues: dryRun.subjects.map { ($0.subject, $0) })
            for expectation in expected {
                let plan = planned[expectation.subject]
                #expect(Set(plan?.destroyed.map(\.field) ?? []) == expectation.destroyed, "\(expectation.subject)")
                #expect((plan?.subjectKeyDestroyed ?? false) == expectation.shredded, "\(expectation.subject)")
                #expect(plan?.skipped.isEmpty ?? true)
                // The reasons as data say what the lines say: the purpose, and the rule whose
                // period ended, or none where the purpose never held the field.
                for field in plan?.destroyed ?? [] where !field.released.isEmpty {
                    #expect(field.released.count == field.why.count, "\(expectation.subject) \(field.field)")
                    for (release, line) in zip(field.released, field.why) {
                        #expect(line.hasPrefix(release.purpose + ": "))
                        #expect(release.rule.map { line == "\(release.purpose): \($0) ended on " + line.split(separator: " ").last! } ?? !line.contains(" ended on "), "\(line)")
                    }
                }
            }
            #expect(dryRun.subjects.flatMap(\.destroyed).contains { $0.released.contains { $0.rule != nil } }, "some field's rule ended")
            #expect(dryRun.subjectsExamined == expected.count)
            #expect(try fieldsHeld() == fieldsBefore, "a dry run changes nothing")
            #expect(try fixture.engine.verifyLog().headSeq == headBefore)
            #expect(try fixture.engine.tasks().isEmpty)

            let report = try fixture.engine.sweepRetention(dryRun: false, by: "officer", safety: Self.unlimited, pageSize: 37)
            #expect(report.fieldsDestroyed == expected.reduce(0) { $0 + $1.destroyed.count })
            #expect(report.subjectsShredded == expected.filter(\.shredded).count)
            #expect(report.tasks == expected.reduce(0) { $0 + $1.tasks })
            #expect(try fixture.engine.tasks().count == report.tasks)
            for expectation in expected {
                if expectation.shredded {
                    #expect(throws: (any Error).self) { try fixture.engine.metadata(of: expectation.subject) }
                    continue
                }
                let metadata = try fixture.engine.metadata(of: expectation.subject)
                #expect(Set(metadata.erasedFields) == expectation.destroyed, "\(expectation.subject)")
                #expect(metadata.fields.allSatisfy { !expectation.destroyed.contains($0.field) })
            }
            let keys = try fixture.engine.keyring.keysPerMasterVersion().values.reduce(0, +)
            #expect(keys == expected.filter { !$0.shredded }.count, "shredded subjects have no key left")
            let logged = try fixture.engine.store.logEntries(from: nil, to: nil, subject: nil).filter { $0.purpose == PrivacyEngine.retentionSweepPurpose }
            #expect(logged.count == expected.filter { !$0.destroyed.isEmpty }.count)
            #expect(logged.allSatisfy { $0.codes == ["RETENTION_EXPIRED"] && $0.action == "erase" })
            #expect(try fixture.engine.verifyLog().isIntact)
            // The console's last sweep, summed up by the sweep's pages of 37: what the log holds.
            let summary = try fixture.engine.overview.lastRetentionSweep()
            #expect(summary?.at == report.at && summary?.subjects == logged.count && summary?.fields == logged.reduce(0) { $0 + $1.fields.count },
                    "\(backend): \(String(describing: summary))")

            // Nothing of a destroyed value is left in the files (SQLite's; a PostgreSQL
            // server's files are its own, and its tables hold ciphertext only).
            if let raw = fixture.rawFileBytes() {
                for expectation in expected.prefix(60) where expectation.shredded {
                    #expect(!raw.contains(subsequence: Array("person_name-\(expectation.subject)".utf8)))
                }
            }
            let again = try fixture.engine.sweepRetention(dryRun: false, by: "officer", safety: Self.unlimited)
            #expect(again.fieldsDestroyed == 0 && again.subjectsShredded == 0, "a second sweep finds nothing more")
            #expect(try fixture.engine.overview.lastRetentionSweep()?.at == report.at, "a sweep that destroyed nothing is not the last one")
        }
    }
}
}
