import Custos
import CustosStore
import CustosTestSupport
import Foundation
import Testing
@testable import CustosServer
@testable import CustosReports

/// The console shows the library's refusals in Dutch from its catalogue's `refusal.KEY` texts.
/// Every key the library writes must have one, naming the same values, or a Dutch officer
/// would read that refusal in English.
@Suite("the console's catalogue of the library's refusals")
struct RefusalCatalogueTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Every `LibraryWords("key", "English"` in the sources, with the phrases made per request
    /// type and status.
    static func libraryWords() throws -> [String: String] {
        var words: [String: String] = [:]
        let pattern = try NSRegularExpression(pattern: #"LibraryWords\(\s*"([^"]+)",\s*"((?:[^"\\]|\\.)*)""#)
        let sources = repository.appendingPathComponent("Sources")
        let files = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)?.compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" } ?? []
        for file in files {
            let text = try String(contentsOf: file, encoding: .utf8)
            for match in pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                let key = String(text[Range(match.range(at: 1), in: text)!]), english = String(text[Range(match.range(at: 2), in: text)!])
                #expect(words[key] == nil || words[key] == english, "\(key) has two English texts")
                words[key] = english
            }
        }
        for type in RightsRequestType.allCases { words["requestType.\(type.rawValue)"] = type.rawValue }
        for status in RightsRequestStatus.allCases { words["requestStatus.\(status.rawValue)"] = status.rawValue }
        for risk in Breach.Risk.allCases { words["breachEvent.risk.\(risk.rawValue)"] = risk.rawValue }
        for exception in Breach.SubjectsException.allCases { words["breachEvent.exception.\(exception.rawValue)"] = exception.rawValue }
        return words
    }

    static func placeholders(_ text: String) throws -> Set<String> {
        let pattern = try NSRegularExpression(pattern: #"\{([a-z]+)\}"#)
        return Set(pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)).map { String(text[Range($0.range(at: 1), in: text)!]) })
    }

    static func catalogue(_ language: String, of face: String = "Console") throws -> [String: String] {
        try JSONDecoder().decode([String: String].self, from: Data(contentsOf: repository
            .appendingPathComponent("Sources/CustosServer/Resources/\(face)/messages/\(language).json")))
    }

    @Test func everyRefusalTheLibraryWritesHasItsDutchWithTheSameValues() throws {
        let words = try Self.libraryWords().filter { word in !WebPages.recordedKinds.contains { word.key.hasPrefix($0) } }
        #expect(words.count > 60, "the sources were read")
        // The English catalogue holds the library's own words, so an operator's template
        // folder can reword them; they must not drift from the library's.
        let english = try Self.catalogue("en")
        for (key, text) in words { #expect(english["refusal.\(key)"] == text, "refusal.\(key) in en.json is not the library's English") }
        let catalogue = try Self.catalogue("nl")
        for (key, english) in words {
            guard let dutch = catalogue["refusal.\(key)"] else {
                Issue.record("refusal.\(key) is missing from the console's nl.json")
                continue
            }
            #expect(try Self.placeholders(dutch) == Self.placeholders(english), "refusal.\(key) names other values than its English")
        }
        let unused = catalogue.keys.filter { $0.hasPrefix("refusal.") && words[String($0.dropFirst("refusal.".count))] == nil }
        #expect(unused.isEmpty, "no longer written by the library: \(unused.sorted())")
    }

    @Test func aRefusalReadsInDutchWithItsValuesAndEnglishWhereTheCatalogueHasNoWords() throws {
        let pages = try WebPages(overrides: nil, controller: ("Invorderingsbedrijf B.V.", "privacy@example.nl", nil), folder: "Console",
                                 templates: Console.pageNames, stylesheet: "console.css", home: "/console")
        let late = RequestRefusal(code: .dsarExtensionLate, LibraryWords("extension.late", "the subject must be told by {due}; {sent} is too late",
                                                                         ["due": "2025-11-05", "sent": "2025-11-07"]))
        let dutch = Console.refusal(late, pages: pages, language: "nl")
        #expect(dutch.lines == ["DSAR_EXTENSION_LATE (Art. 12(3)): de betrokkene moest uiterlijk 2025-11-05 worden ingelicht; 2025-11-07 is te laat"])
        #expect(!dutch.english)
        let english = Console.refusal(late, pages: pages, language: "en")
        #expect(english.lines == ["DSAR_EXTENSION_LATE (Art. 12(3)): the subject must be told by 2025-11-05; 2025-11-07 is too late"])
        // A phrase is rendered in the same language: a status and a breach text's field.
        let closed = RequestRefusal(code: .dsarDeadline, LibraryWords("request.already", "request {id} is already {status}", ["id": "RQ-2025-0001"],
                                                                      phrases: ["status": .requestStatus(.rejected)]))
        #expect(Console.refusal(closed, pages: pages, language: "nl").lines.first?.hasSuffix("verzoek RQ-2025-0001 is al afgewezen") == true)
        #expect(closed.message == "request RQ-2025-0001 is already rejected", "the CLI's and the API's English")
        // A store's refusal of an input carries its words too: a label's, or an instant's.
        let label = try #require(LabelText.problem(" ", LibraryWords("what.requestChannel", "a request's channel (how it reached you: letter, e-mail, web-form, …)")))
        let blank = Console.refusal(StoreError.refused(label), pages: pages, language: "nl")
        #expect(blank.lines == ["het kanaal van een verzoek (hoe het binnenkwam: brief, e-mail, webformulier, …) mag niet leeg zijn"] && !blank.english)
        #expect(StoreError.refused(label).description == "a request's channel (how it reached you: letter, e-mail, web-form, …) may not be empty")
        // A store's message has no words in any catalogue: English, and said to be.
        let stored = Console.refusal(InformationRefusal(.english("a channel holds a control character")), pages: pages, language: "nl")
        #expect(stored.lines == ["a channel holds a control character"] && stored.english)
    }
}

/// The console's own answers to a change (`ResultLine.said("key", …)`, each on one line) are `result.KEY` texts:
/// a key missing from a catalogue would show as the key itself, and a value the text names but
/// the console does not give would show as `{value}`.
@Suite("the console's catalogue of its result lines")
struct ResultCatalogueTests {
    @Test func everyResultLineTheConsoleSaysHasItsTextsNamingOnlyTheValuesGiven() throws {
        let file = RefusalCatalogueTests.repository.appendingPathComponent("Sources/CustosServer/Console/Console+Requests.swift")
        let source = try String(contentsOf: file, encoding: .utf8)
        // The key, then the values' names up to the line's end or the next line said on it
        // (values, phrases and a list).
        let pattern = try NSRegularExpression(pattern: #"\.said\("([A-Za-z]+)"((?:(?!\.said\()[^\n])*)"#)
        var said: [String: Set<String>] = [:]
        for match in pattern.matches(in: source, range: NSRange(source.startIndex..., in: source)) {
            let key = String(source[Range(match.range(at: 1), in: source)!]), rest = String(source[Range(match.range(at: 2), in: source)!])
            let names = try NSRegularExpression(pattern: #""([a-z]+)": "#).matches(in: rest, range: NSRange(rest.startIndex..., in: rest))
                .map { String(rest[Range($0.range(at: 1), in: rest)!]) }
            said[key, default: []].formUnion(names + (rest.contains("list:") ? ["list"] : []))
        }
        #expect(said.count >= 15, "the console's result lines were read")
        for language in ["nl", "en"] {
            let catalogue = try RefusalCatalogueTests.catalogue(language)
            for (key, given) in said {
                guard let text = catalogue["result.\(key)"] else {
                    Issue.record("result.\(key) is missing from the console's \(language).json")
                    continue
                }
                #expect(try RefusalCatalogueTests.placeholders(text).isSubset(of: given), "result.\(key) in \(language).json names a value the console does not give")
            }
            let unused = catalogue.keys.filter { $0.hasPrefix("result.") && said[String($0.dropFirst("result.".count))] == nil }
            #expect(unused.isEmpty, "no longer said by the console: \(unused.sorted())")
        }
    }
}

/// A closed request's outcome and the history of a request or a breach are kept as words
/// (`outcome.KEY`, `requestEvent.KEY`, `breachEvent.KEY`) beside their English. The console
/// says them in the page's language, the privacy centre a request's outcome. The console's
/// English is the library's own; the privacy centre speaks to the subject in words of its own,
/// naming no value the library does not give.
@Suite("the catalogues of what the library records")
struct OutcomeCatalogueTests {
    @Test func everyOutcomeAndEventTheLibraryRecordsHasItsTextsInEachFaceThatShowsIt() throws {
        let library = try RefusalCatalogueTests.libraryWords()
        let outcomes = library.filter { $0.key.hasPrefix("outcome.") }
        let events = library.filter { $0.key.hasPrefix("requestEvent.") || $0.key.hasPrefix("breachEvent.") }
        #expect(outcomes.count >= 15 && events.count >= 20, "the library's outcomes and events were read")
        let english = try RefusalCatalogueTests.catalogue("en")
        for (key, text) in outcomes.merging(events, uniquingKeysWith: { $1 }) {
            #expect(english[key] == text, "\(key) in the console's en.json is not the library's English")
        }
        for (face, language) in [("Console", "nl"), ("Web", "nl"), ("Web", "en")] {
            let catalogue = try RefusalCatalogueTests.catalogue(language, of: face)
            let shown = face == "Console" ? outcomes.merging(events, uniquingKeysWith: { $1 }) : outcomes
            for (key, text) in shown {
                guard let said = catalogue[key] else {
                    Issue.record("\(key) is missing from \(face)/messages/\(language).json")
                    continue
                }
                let named = try RefusalCatalogueTests.placeholders(said), given = try RefusalCatalogueTests.placeholders(text)
                #expect(face == "Web" ? named.isSubset(of: given) : named == given, "\(key) in \(face)/\(language).json names other values than the library gives")
            }
            let unused = catalogue.keys.filter { key in WebPages.recordedKinds.contains { key.hasPrefix($0) } && shown[key] == nil }
            #expect(unused.isEmpty, "no longer recorded by the library, or not shown by this face: \(unused.sorted())")
        }
    }

    /// The breaches report says a breach's history in its language from texts of its own:
    /// the library's English and the console's Dutch, so that the report and the console's
    /// breach page never say the same event two ways.
    @Test func theReportsWordsForABreachsHistoryAreTheLibrarysEnglishAndTheConsolesDutch() throws {
        let library = try RefusalCatalogueTests.libraryWords().filter { $0.key.hasPrefix("breachEvent.") }
        let report = ReportTexts.englishTexts.filter { $0.key.hasPrefix("breachEvent.") }
        #expect(report == library, "report texts: \(Set(report.keys).symmetricDifference(library.keys).sorted())")
        let dutch = try ReportTexts.load(language: "nl"), console = try RefusalCatalogueTests.catalogue("nl")
        for key in library.keys { #expect(dutch(key) == console[key], "\(key)") }
    }

    @Test func everyKindOfEventInARequestsOrABreachsHistoryHasItsNameInBothConsoleCatalogues() throws {
        for (prefix, kinds) in [("history.", RequestEvent.allCases.map(\.rawValue)), ("breachHistory.", BreachEvent.allCases.map(\.rawValue))] {
            let kinds = Set(kinds.map { prefix + $0 })
            for language in ["nl", "en"] {
                let named = Set(try RefusalCatalogueTests.catalogue(language).keys.filter { $0.hasPrefix(prefix) })
                #expect(named == kinds, "\(language).json: missing \(kinds.subtracting(named).sorted()), unused \(named.subtracting(kinds).sorted())")
            }
        }
    }

    @Test func anOutcomeReadsInTheSubjectsLanguageWithTheOfficersReasonsAsWritten() throws {
        let centre = try WebPages(overrides: nil, controller: ("Invorderingsbedrijf B.V.", "privacy@example.nl", nil))
        let english = "rejected: {reasons}. You may complain to the Autoriteit Persoonsgegevens and seek a judicial remedy (Art. 12(4), 77, 79)."
        // The library's own reasons, a phrase in a phrase, are the privacy centre's words too.
        let notPortable = LibraryWords("outcome.rejected", english, phrases: ["reasons": LibraryWords("outcome.coded", "{code}: {reason}", ["code": "PORTABILITY_BASIS_NOT_ELIGIBLE"],
            phrases: ["reason": LibraryWords("request.portabilityNoBasis", "no data the subject provided is processed on consent or contract (Art. 20(1))")])])
        let dutch = centre.say(notPortable, "nl")
        #expect(dutch.translated && dutch.text.hasPrefix("Afgewezen: wij verwerken geen gegevens die u zelf verstrekte"), "\(dutch.text)")
        #expect(notPortable.description.hasPrefix("rejected: PORTABILITY_BASIS_NOT_ELIGIBLE: no data the subject provided"), "the CLI's and the API's English")
        // An officer's reasons are a value, shown as written, braces and all.
        let written = LibraryWords("outcome.rejected", english, ["reasons": "asked {id} times this month"])
        #expect(centre.say(written, "nl").text == "Afgewezen: asked {id} times this month.")
        #expect(written.description.hasPrefix("rejected: asked {id} times this month. You may complain"))
        // Reasons written as a sentence of their own do not end in two full stops.
        let sentence = LibraryWords("outcome.rejected", english, ["reasons": "Asked four times this month."])
        #expect(centre.say(sentence, "nl").text == "Afgewezen: Asked four times this month.")
        #expect(sentence.description.hasPrefix("rejected: Asked four times this month. You may complain"))
        #expect(LibraryWords.fill("{a}.{b}") { ["a": "Why?", "b": "{a}"][$0] } == "Why?{a}", "one pass; an unknown {name} stays")
        // A purpose in an outcome is an id, the same in every language: the outcome is not
        // taken for English left untranslated.
        let upheld = LibraryWords("outcome.objectionUpheld", "objection #{id} upheld: processing under {scope} stopped on {since}", ["id": "4", "since": "2025-10-08"],
                                  phrases: ["scope": LibraryWords("outcome.purpose", "'{purpose}'", ["purpose": "P-SCORING"])])
        let toSubject = centre.say(upheld, "nl")
        #expect(toSubject.translated && toSubject.text == "Uw bezwaar is gegrond: de verwerking onder 'P-SCORING' is gestopt.")
        // Stored and read back as they were; a row from before the words were kept has none.
        #expect(LibraryWords(stored: notPortable.stored) == notPortable)
        #expect(LibraryWords(stored: nil) == nil && LibraryWords(stored: "rejected: too often") == nil)
    }

    /// A restriction's or a rectification's outcome lists field ids; a face with the policy
    /// says them by their titles in its language, the CLI by their ids.
    @Test func theFieldsAnOutcomeListsAreSaidByTheirTitlesInThePagesLanguage() throws {
        let centre = try WebPages(overrides: nil, controller: ("Invorderingsbedrijf B.V.", "privacy@example.nl", nil))
        let policy = SeedPolicy.compiled.policy
        let restricted = LibraryWords("outcome.restricted", "restriction #{id} on {fields} ({article}); lifted only after the subject is told; {recipients} recipients to notify",
                                      ["id": "3", "fields": "postal_address, bank_account", "article": "Art. 18(1)(a)", "recipients": "1"], fieldLists: ["fields"])
        let titled = restricted.titled { policy.field($0)?.title(in: "nl") ?? $0 }
        #expect(centre.say(titled, "nl").text.hasPrefix("De verwerking van Postadres, Bankrekening (IBAN) is beperkt."), "\(centre.say(titled, "nl").text)")
        #expect(restricted.description.hasPrefix("restriction #3 on postal_address, bank_account"), "the CLI's and the API's English keep the ids")
        // Stored with its field lists; words stored before there were any read back with none,
        // and words without any are stored exactly as before.
        #expect(LibraryWords(stored: restricted.stored) == restricted && restricted.stored.contains("\"fieldLists\":[\"fields\"]"))
        let old = #"{"english":"restriction #{id} on {fields}","key":"outcome.restricted","phrases":{},"values":{"fields":"email","id":"1"}}"#
        #expect(LibraryWords(stored: old)?.fieldLists == [] && LibraryWords(stored: old)?.titled { _ in "E-mailadres" }.values["fields"] == "email")
        #expect(LibraryWords(stored: old)?.stored == old)
    }

    /// A request's channel is a value in its history's words; the console says it in words
    /// where it has them and as written otherwise, in the phrases too.
    @Test func aValueAFaceHasWordsForIsSaidInThem() throws {
        let received = LibraryWords("requestEvent.received", "via {channel}, due {due}", ["channel": "phone", "due": "2025-10-16"])
        let words = ["phone": "telefoon"]
        #expect(received.saying("channel") { words[$0] ?? $0 }.description == "via telefoon, due 2025-10-16")
        #expect(received.saying("due") { _ in "x" }.values["channel"] == "phone", "only the value named")
        let nested = LibraryWords("outcome.rejected", "rejected: {reasons}", phrases: ["reasons": received])
        #expect(nested.saying("channel") { words[$0] ?? $0 }.description == "rejected: via telefoon, due 2025-10-16")
        let written = LibraryWords("requestEvent.received", "via {channel}, due {due}", ["channel": "fax", "due": "2025-10-16"])
        #expect(written.saying("channel") { words[$0] ?? $0 }.description == "via fax, due 2025-10-16")
    }
}
