import Custos
import CustosTestSupport
import Foundation
import Testing
@testable import CustosPolicy
@testable import CustosReports

/// The reports in Dutch: a catalogue with every text the English has and the same names in
/// its braces, every text a report asks for in the catalogue, and each report the same
/// document as in English (its sections, tables and rows) in other words, its codes unchanged.
struct ReportLanguageTests {
    static func names(_ text: String) -> Set<String> {
        Set(text.matches(of: /\{([A-Za-z]+)\}/).map { String($0.output.1) })
    }

    @Test func theDutchCatalogueHoldsEveryEnglishTextWithTheSameNamesInItsBraces() throws {
        let dutch = try ReportTexts.load(language: "nl")
        #expect(Set(dutch.texts.keys) == Set(ReportTexts.englishTexts.keys))
        for (key, english) in ReportTexts.englishTexts {
            #expect(Self.names(dutch.texts[key] ?? "") == Self.names(english), "\(key)")
        }
        #expect(throws: ReportTexts.Failure.self) { try ReportTexts.load(language: "de") }
    }

    /// Read from the reports' sources: a text asked for by a key no catalogue holds would be
    /// printed as its key, and a text no report asks for is dead weight in every catalogue.
    @Test func everyTextAReportAsksForIsInTheCatalogueAndEveryTextIsAskedFor() throws {
        let folder = RepositoryPaths.root.appendingPathComponent("Sources/CustosReports")
        var asked = Set<String>(), prefixes = Set<String>()
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) where name.hasSuffix(".swift") && name != "ReportTexts+English.swift" {
            let source = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
            for match in source.matches(of: /"((?:header|period|template|value|section|column|activity|consent|breaches|requests|transfers|mechanism|safeguard|ropa|format)\.[A-Za-z0-9.-]*)(\\\(|")/) {
                if match.output.2 == "\"" { asked.insert(String(match.output.1)) } else { prefixes.insert(String(match.output.1)) }
            }
        }
        let english = Set(ReportTexts.englishTexts.keys)
        #expect(asked.subtracting(english).isEmpty, "asked for and not in the catalogue: \(asked.subtracting(english).sorted())")
        #expect(prefixes == ["breaches.status.", "mechanism.", "safeguard.why.", "template."], "keys made at run time: \(prefixes.sorted())")
        let made = Set(BreachesReport.Status.allCases.map { "breaches.status.\($0.rawValue)" } + TransfersReport.mechanisms.map { "mechanism.\($0)" }
            + Self.reportedReasons.map { "safeguard.why.\($0.key)" } + ReportContext.templateWordNames.map { "template.\($0)" }
            + CalendarDuration.Unit.allCases.flatMap { ["unit.\($0.rawValue)", "unit.\($0.rawValue)s"] })
        #expect(made.isSubset(of: english))
        // The library's words for a breach's history are asked for by the words the register
        // stored; CustosServerTests holds them to the library's English and the console's Dutch.
        let recorded = english.filter { $0.hasPrefix("breachEvent.") }
        #expect(recorded.count >= 10)
        #expect(english.subtracting(asked).subtracting(made).subtracting(recorded).isEmpty, "never asked for: \(english.subtracting(asked).subtracting(made).sorted())")
    }

    /// Every reason a report can give why a processor's agreement, a certification, clauses
    /// or an assessment does not hold: the instruments' statuses and dates.
    static let reportedReasons: [SafeguardHolding.Why] = {
        let day = LocalDate(year: 2026, month: 3, day: 1)!
        return (CertificationStatus.allCases.map(\.rawValue) + AgreementStatus.allCases.map(\.rawValue)).filter { $0 != "active" }.map { SafeguardHolding.Why.status($0) }
            + [.notSigned(until: day), .notCertified(until: day), .lapsed(after: day), .noAssessment, .assessmentLapsed(after: day)]
    }()

    /// The English catalogue says each reason as the evaluator's explanations do, so that the
    /// English report reads as before; the Dutch says it in Dutch, the date as given.
    @Test func whyASafeguardDoesNotHoldReadsInTheReportsLanguage() throws {
        let dutch = try ReportTexts.load(language: "nl")
        for why in Self.reportedReasons {
            #expect(SafeguardStates.reason(why, .english) == why.description, "\(why.key)")
            let said = SafeguardStates.reason(why, dutch)
            #expect(said != why.description && (why.values["day"].map(said.contains) ?? true), "\(why.key): \(said)")
        }
        // A reason only the evaluator gives (a sub-processor's authorisation) stays its English.
        #expect(SafeguardStates.reason(.noAuthorisation, dutch) == "no authorisation is recorded")
        let day = LocalDate(year: 2026, month: 10, day: 2)!
        #expect(SafeguardStates.describe(.fails(.lapsed(after: day)), on: day.adding(days: 3), dutch) == "NIET VAN KRACHT op 2026-10-05: verlopen na 2026-10-02")
    }

    @Test func everyReportInDutchIsTheSameDocumentInOtherWords() throws {
        let fixture = try ReportTests.scenario()
        let dutch = try ReportTexts.load(language: "nl")
        let keyLike = /^(header|period|template|value|section|column|activity|consent|breaches|requests|transfers|mechanism|safeguard|ropa)\.[A-Za-z]/
        for kind in ReportKind.allCases {
            let english = try fixture.engine.report(kind, generatedAt: ReportTests.reportTime)
            let translated = try fixture.engine.report(kind, generatedAt: ReportTests.reportTime, texts: dutch)
            #expect(translated.language == "nl" && translated.title != english.title, "\(kind)")
            #expect(translated.sections.map(\.id) == english.sections.map(\.id), "\(kind)")
            for (ours, theirs) in zip(translated.sections, english.sections) {
                #expect(ours.title != theirs.title || ours.title == "Register", "\(kind) \(ours.id): \(ours.title)")
                #expect(ours.notes.count == theirs.notes.count && ours.charts.count == theirs.charts.count)
                #expect(ours.tables.map(\.id) == theirs.tables.map(\.id) && ours.tables.map(\.rows.count) == theirs.tables.map(\.rows.count))
                for (table, english) in zip(ours.tables, theirs.tables) {
                    #expect(table.columns.count == english.columns.count)
                    // The first column holds the codes (ids, purposes, actors) in every table
                    // but the item tables, whose first column names the item, and the one
                    // row of all decisions.
                    if !table.isItemTable && table.id != "outcomes" { #expect(table.rows.map(\.first) == english.rows.map(\.first), "\(kind) \(table.id)") }
                }
                let words = [ours.title] + ours.notes + ours.tables.flatMap { [$0.caption] + $0.columns + $0.rows.flatMap { $0 } } + ours.charts.map(\.title)
                #expect(words.allSatisfy { $0.firstMatch(of: keyLike) == nil }, "\(kind) \(ours.id): a key said as itself")
            }
            #expect(translated.header.map(\.label) != english.header.map(\.label))
            let html = String(decoding: try ReportRenderer().render(translated, as: .html), as: UTF8.self)
            #expect(html.contains("<html lang=\"nl\">"))
        }
        // Phrases inside the cells are Dutch too, where the English said them.
        let breaches = try fixture.engine.report(.breaches, generatedAt: ReportTests.reportTime, texts: dutch)
        let register = breaches.sections.flatMap(\.tables).first { $0.id == "breaches" }
        #expect(register?.rows.map(\.last) == ["gemeld", "open"], "\(register?.rows ?? [])")
        #expect(register?.rows.contains { $0[2] == "de kluis" } == true)
        // The cause as its code, the other member states as recorded, a dash until assessed.
        #expect(register?.rows.map { Array($0.suffix(3).prefix(2)) } == [["unauthorised-access", "BE"], ["-", "-"]], "\(register?.rows ?? [])")
        // What the register recorded in the breach's history, in the report's language; the
        // event stays its code, as in the English.
        let history = breaches.sections.flatMap(\.tables).first { $0.id == "history" }?.rows ?? []
        #expect(history.contains { $0[2] == "assessed" && $0[3] == "risico: hoog" }, "\(history)")
        #expect(history.contains { $0[2] == "subjects-informed" && $0[3] == "1 persoon" }, "\(history)")
        #expect(register?.rows.first?[8].hasPrefix("1 persoon op ") == true, "\(register?.rows ?? [])")
        // A subject category by its title in the report's language, its id unchanged.
        let ropa = try fixture.engine.report(.ropa, generatedAt: ReportTests.reportTime, texts: dutch)
        let categories = ropa.sections.flatMap(\.tables).first { $0.id == "subject-categories" }?.rows ?? []
        #expect(categories.contains { $0[0] == "debtor" && $0[1] == "Schuldenaar" }, "\(categories)")
        // Numbers with the language's decimal comma.
        let requests = try fixture.engine.report(.requests, generatedAt: ReportTests.reportTime, texts: dutch)
        #expect(requests.sections.first?.notes.contains { $0.contains("op tijd beantwoord: 100,0%") } == true, "\(requests.sections.first?.notes ?? [])")
    }

    /// An operator's catalogue rewords the texts it holds and keeps the rest; one holding a
    /// text no report says (a misspelt key) or not JSON is refused by its path.
    @Test func anOperatorsCatalogueRewordsWhatItHoldsAndOneWithAnUnknownKeyIsRefusedByItsPath() throws {
        let folder = try TemporaryDirectory()
        let file = folder.url.appendingPathComponent("report-texts.nl.json")
        try JSONEncoder().encode(["ropa.title": "Verwerkingsregister van het kantoor"]).write(to: file)
        let reworded = try ReportTexts.load(language: "nl", templates: folder.url)
        #expect(reworded("ropa.title") == "Verwerkingsregister van het kantoor" && reworded("section.summary") == "Samenvatting")
        try JSONEncoder().encode(["ropa.titel": "Verwerkingsregister"]).write(to: file)
        do {
            _ = try ReportTexts.load(language: "nl", templates: folder.url)
            Issue.record("a catalogue with a misspelt key was taken")
        } catch {
            #expect("\(error)".contains(file.path) && "\(error)".contains("unknown ropa.titel"), "\(error)")
        }
        try Data("[1]".utf8).write(to: folder.url.appendingPathComponent("report-texts.en.json"))
        #expect(throws: ReportTexts.Failure.self) { try ReportTexts.load(language: "en", templates: folder.url) }
        #expect(ReportTexts.listed((1...12).map { "k\($0)" }).hasSuffix("k10 and 2 more"))
    }

    /// An operator's report template may say the texts a report gives its templates; one that
    /// says another (a misspelt name) would leave a gap, and is refused by its path.
    @Test func anOperatorsTemplateThatSaysATextNoReportGivesIsRefused() throws {
        let folder = try TemporaryDirectory()
        try folder.write("# {{{title}}}\n{{^sections}}{{t.noRow}}{{/sections}}\n", to: "report.md.mustache")
        let document = ReportDocument(report: "ropa", title: "Register", header: [], sections: [], language: "nl", simulated: false,
                                      templateWords: ["noRows": "geen regels"])
        let refusal = #expect(throws: ReportRenderer.Failure.self) { try ReportRenderer(templates: folder.url).render(document, as: .md) }
        #expect(refusal?.description.contains("report.md.mustache' cannot be used: says t.noRow, which no report gives") == true, "\(String(describing: refusal))")
        try folder.write("# {{{title}}}\n{{^sections}}{{t.noRows}}{{/sections}}\n", to: "report.md.mustache")
        #expect(String(decoding: try ReportRenderer(templates: folder.url).render(document, as: .md), as: UTF8.self) == "# Register\ngeen regels\n")
    }
}
