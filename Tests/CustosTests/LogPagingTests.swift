import Custos
import CustosStore
import CustosTestSupport
import CustosReports
import Foundation
import Synchronization
import Testing

/// Reports read the decision log a page at a time (`ReportSource.forEachLogEntry`), so that a
/// report over a server's log, which grows with every read, never holds the whole log: the
/// pages together are exactly the entries one read would give, whatever their size, and the
/// activity report asks for no more than a page at once and says the same as before.
struct LogPagingTests {
    /// Sixty-odd entries over three hours and four subjects, with permits and denials.
    static func loggedDay() throws -> VaultFixture {
        let fixture = try VaultFixture()
        let engine = fixture.engine
        for (id, marker) in [("D-1", "lp01"), ("D-2", "lp02"), ("D-3", "lp03")] { try fixture.addDebtor(id, marker: marker) }
        for hour in 9...11 {
            fixture.clock.set("2025-06-02T\(hour < 10 ? "0" : "")\(hour):00:00+02:00")
            for round in 0..<7 {
                for subject in ["D-1", "D-2", "D-3"] {
                    _ = engine.read(subject: subject, fields: ["email"], purpose: "P-DEBT-COLLECT", actor: "collections-service")
                    if round % 3 == 0 { _ = engine.read(subject: subject, fields: ["email"], purpose: "P-CLIENT-MKT", actor: "marketing-service") }
                }
            }
            _ = engine.read(subject: "D-404", fields: ["email"], purpose: "P-DEBT-COLLECT", actor: "collections-service")
        }
        return fixture
    }

    @Test func pagesOfAnySizeGiveExactlyTheEntriesOfOneRead() throws {
        let fixture = try Self.loggedDay()
        let store = fixture.engine.store
        // The oracle: the log's own statement over the whole table, filtered here.
        let all = try store.log.entries()
        #expect(all.count > 60)
        let from = Instant(iso8601: "2025-06-02T10:00:00+02:00")!, to = Instant(iso8601: "2025-06-02T11:00:00+02:00")!
        let windows: [(from: Instant?, to: Instant?, subject: String?)] = [(nil, nil, nil), (nil, nil, "D-2"), (from, to, nil), (from, nil, "D-404"), (nil, from, "D-3"), (to, from, nil)]
        for window in windows {
            let expected = all.filter { entry in
                window.from.map { entry.at >= $0 } ?? true && window.to.map { entry.at < $0 } ?? true && window.subject.map { entry.subject == $0 } ?? true
            }.map(\.seq)
            for pageSize in [1, 2, 7, expected.count, expected.count + 1, 10_000] where pageSize > 0 {
                var seen: [Int64] = []
                try store.forEachLogEntry(from: window.from, to: window.to, subject: window.subject, pageSize: pageSize) { seen.append($0.seq) }
                #expect(seen == expected, "window \(window), pages of \(pageSize)")
            }
        }
    }

    @Test func theActivityReportAsksForOnePageAtATimeAndSaysWhatOneReadWould() throws {
        let fixture = try Self.loggedDay()
        let engine = fixture.engine
        let at = Instant(iso8601: "2025-06-02T17:00:00+02:00")!
        let renderer = ReportRenderer()
        for subject in [nil, "D-1"] as [String?] {
            let whole = try renderer.render(try #require(try engine.reporter.report(.activity, subject: subject, generatedAt: at)), as: .md)
            let spy = PageSpy(engine.store)
            let reporter = engine.reporter
            var paged = Reporter(policy: reporter.policy, clock: reporter.clock, source: spy, subjectExists: reporter.subjectExists)
            paged.pageSize = 5
            let document = try #require(try paged.report(.activity, subject: subject, generatedAt: at))
            #expect(try renderer.render(document, as: .md) == whole, "subject \(subject ?? "none")")
            let pages = spy.pages.withLock { $0 }
            #expect(!pages.isEmpty && pages.allSatisfy { $0.limit == 5 && $0.count <= 5 }, "\(pages)")
            let entries = pages.map(\.count).reduce(0, +)
            #expect(pages.count == entries / 5 + 1, "pages end at the first one not full")
            #expect(entries == (try engine.store.logEntries(from: nil, to: at, subject: subject)).count && entries > 5)
        }
    }

    /// The transfers report reads the disclosure ledger the same way: pages of any size give
    /// the report that pages of 10,000 give, its golden file's content.
    @Test func theTransfersReportReadsTheLedgerAPageAtATime() throws {
        let fixture = try ReportTests.scenario()
        let engine = fixture.engine
        let renderer = ReportRenderer()
        let whole = try renderer.render(try #require(try engine.reporter.report(.transfers, generatedAt: ReportTests.reportTime)), as: .md)
        let disclosures = try engine.store.disclosures(from: nil, to: nil).count
        #expect(String(decoding: whole, as: UTF8.self).contains("| TR |") && disclosures >= 3)
        for pageSize in [1, 2] {
            let spy = PageSpy(engine.store)
            let reporter = engine.reporter
            var paged = Reporter(policy: reporter.policy, clock: reporter.clock, source: spy, subjectExists: reporter.subjectExists)
            paged.pageSize = pageSize
            #expect(try renderer.render(try #require(try paged.report(.transfers, generatedAt: ReportTests.reportTime)), as: .md) == whole, "pages of \(pageSize)")
            let pages = spy.ledgerPages.withLock { $0 }
            #expect(pages.allSatisfy { $0.limit == pageSize } && pages.map(\.count).reduce(0, +) == disclosures && pages.count == disclosures / pageSize + 1)
        }
    }

    @Test func theDossierShowsTheLatestDecisionsAboutTheSubjectAndCountsThemAll() throws {
        let fixture = try Self.loggedDay()
        let engine = fixture.engine
        let shown = SubjectDossier.trailShown
        for _ in 0..<(shown + 31) { _ = engine.read(subject: "D-1", fields: ["email"], purpose: "P-DEBT-COLLECT", actor: "collections-service") }
        let trail = try engine.store.logEntries(from: nil, to: nil, subject: "D-1")
        let dossier = try #require(try engine.overview.dossier(of: "D-1"))
        #expect(dossier.trailCount == trail.count && trail.count > shown + 31)
        #expect(dossier.trail.map(\.seq) == trail.suffix(shown).map(\.seq))
        let quiet = try #require(try engine.overview.dossier(of: "D-3"))
        #expect(quiet.trail.map(\.seq) == (try engine.store.logEntries(from: nil, to: nil, subject: "D-3")).map(\.seq) && quiet.trailCount == quiet.trail.count)
    }

    @Test func pagesThatDoNotAdvanceAreAnErrorNotAnEndlessRead() throws {
        let fixture = try Self.loggedDay()
        let stuck = PageSpy(fixture.engine.store, stuck: true)
        var read = 0
        #expect(throws: StoreError.self) { try stuck.forEachLogEntry(from: nil, to: nil, subject: nil, pageSize: 4) { _ in read += 1 } }
        #expect(read == 8 && stuck.pages.withLock { $0.count } == 2, "the first page, read again once, and then the error")
    }
}

extension OnBothBackends {
/// The same pages on each backend: PostgreSQL answers a page with its own query.
struct LogPagesOnEachBackend {
    @Test(arguments: Backend.reachable) func pagesOfAnySizeGiveExactlyTheEntriesOfOneRead(_ backend: Backend) async throws {
        try await BackendFixture.with(backend) { fixture in
            for (id, marker) in [("D-1", "lq01"), ("D-2", "lq02")] { _ = try fixture.addDebtor(id, marker: marker) }
            for minute in 0..<12 {
                fixture.clock.set("2025-06-02T10:\(minute < 10 ? "0" : "")\(minute):00+02:00")
                for subject in ["D-1", "D-2", "D-9"] { _ = fixture.service.read(subject: subject, fields: ["email"], purpose: "P-DEBT-COLLECT", actor: "collections-service") }
                let shared = fixture.service.share(subject: minute % 2 == 0 ? "D-1" : "D-2", fields: ["person_name"], purpose: "P-DEBT-COLLECT", recipient: "R-BAILIFF-NL",
                                                   recipientName: nil, destination: nil, procedure: nil, actor: "collections-service")
                #expect(shared.decision.outcome == .permit)
            }
            let store = fixture.office.overview.store
            // The oracle: one page as large as the log.
            let all = try store.logEntries(from: nil, to: nil, subject: nil, after: .min, limit: 1_000_000)
            #expect(all.count >= 36)
            let from = Instant(iso8601: "2025-06-02T10:03:00+02:00")!, to = Instant(iso8601: "2025-06-02T10:09:00+02:00")!
            for window in [(nil, nil, nil), (nil, nil, "D-2"), (from, to, nil), (from, nil, "D-9")] as [(Instant?, Instant?, String?)] {
                let expected = all.filter { entry in
                    window.0.map { entry.at >= $0 } ?? true && window.1.map { entry.at < $0 } ?? true && window.2.map { entry.subject == $0 } ?? true
                }
                for pageSize in [1, 5, expected.count, 10_000] where pageSize > 0 {
                    var seen: [LogEntry] = []
                    try store.forEachLogEntry(from: window.0, to: window.1, subject: window.2, pageSize: pageSize) { seen.append($0) }
                    #expect(seen.map { "\($0.seq) \($0.subject) \($0.at) \($0.outcome)" } == expected.map { "\($0.seq) \($0.subject) \($0.at) \($0.outcome)" }, "\(backend) \(window) pages of \(pageSize)")
                }
            }
            // The disclosure ledger, by its rows, the same way.
            let ledger = try store.disclosures(from: nil, to: nil, after: .min, limit: 1_000_000).map(\.entry)
            #expect(ledger.count == 12)
            for window in [(nil, nil), (from, to), (to, from)] as [(Instant?, Instant?)] {
                let expected = ledger.filter { entry in window.0.map { entry.disclosure.at >= $0 } ?? true && window.1.map { entry.disclosure.at < $0 } ?? true }
                for pageSize in [1, 5, expected.count, 10_000] where pageSize > 0 {
                    var seen: [DisclosureRecordEntry] = []
                    try store.forEachDisclosure(from: window.0, to: window.1, pageSize: pageSize) { seen.append($0) }
                    #expect(seen == expected, "\(backend) ledger \(window) pages of \(pageSize)")
                }
            }
        }
    }
}
}

/// A report source that passes every call to the vault and notes the pages of the log and of
/// the disclosure ledger asked for; `stuck`, it answers every page from the start, as a faulty backend might.
private final class PageSpy: ReportSource {
    let store: VaultStore
    let stuck: Bool
    let pages = Mutex<[(limit: Int, count: Int)]>([])
    let ledgerPages = Mutex<[(limit: Int, count: Int)]>([])

    init(_ store: VaultStore, stuck: Bool = false) {
        self.store = store
        self.stuck = stuck
    }

    func logEntries(from: Instant?, to: Instant?, subject: String?, after: Int64, limit: Int) throws -> [LogEntry] {
        let page = try store.logEntries(from: from, to: to, subject: subject, after: stuck ? .min : after, limit: limit)
        pages.withLock { $0.append((limit, page.count)) }
        return page
    }

    func verifyLog() throws -> LogVerification { try store.verifyLog() }
    func lastCheckpoint() throws -> (seq: Int64, at: Instant)? { try store.lastCheckpoint() }
    func storeVersion() throws -> String { try store.storeVersion() }
    var isSimulation: Bool { store.isSimulation }
    func disclosures(from: Instant?, to: Instant?, after: Int64, limit: Int) throws -> [(row: Int64, entry: DisclosureRecordEntry)] {
        let page = try store.disclosures(from: from, to: to, after: after, limit: limit)
        ledgerPages.withLock { $0.append((limit, page.count)) }
        return page
    }
    func readConsentLedger(_ subject: ([ConsentHistoryEntry]) throws -> Void, refusal: (ConsentRefusal) throws -> Void) throws {
        try store.readConsentLedger(subject, refusal: refusal)
    }
}
