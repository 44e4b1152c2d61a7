import Custos
import Testing
@testable import CustosServer

/// The console's subject page says a consent's state and how it was given, and the subject's
/// kind, in words: one without its text in a catalogue would show as the key itself.
@Suite("the console's words for a subject's kind and consents")
struct ConsoleWordsTests {
    /// The actions the library gives an Art. 19 notification or a processor instruction, read
    /// from its sources, each with its words in both catalogues.
    @Test func everyActionOfARecipientTaskHasItsWordsInBothConsoleCatalogues() throws {
        var actions = Set<String>()
        for file in ["Sources/Custos/Rights/Erasure.swift", "Sources/Custos/Rights/Rectification.swift", "Sources/Custos/Rights/RestrictionAndObjection.swift",
                     "Sources/Custos/RetentionSweep.swift"] {
            let source = try String(contentsOf: RefusalCatalogueTests.repository.appendingPathComponent(file), encoding: .utf8)
            actions.formUnion(source.matches(of: /notifications\(subject:[^\n]*action: "([^"]+)"/).map { String($0.output.1) })
        }
        #expect(actions == ["erase", "rectify", "restrict", "erase (retention ended)"], "\(actions)")
        for language in ["nl", "en"] {
            let catalogue = try RefusalCatalogueTests.catalogue(language)
            let named = Set(catalogue.keys.filter { $0.hasPrefix("task.action.") })
            #expect(named == Set(actions.map { "task.action.\($0)" }), "\(language).json")
        }
    }

    @Test func everySubjectKindConsentStateAndMethodHasItsWordsInBothConsoleCatalogues() throws {
        let expected = Set(ConsentState.allCases.map { "consent.state.\($0.rawValue)" } + ConsentMethod.allCases.map { "consent.method.\($0.rawValue)" }
            + SubjectKind.allCases.map { "subject.kind.\($0.rawValue)" })
        for language in ["nl", "en"] {
            let catalogue = try RefusalCatalogueTests.catalogue(language)
            let named = Set(catalogue.keys.filter { $0.hasPrefix("consent.state.") || $0.hasPrefix("consent.method.") || $0.hasPrefix("subject.kind.") })
            #expect(named == expected, "\(language).json: missing \(expected.subtracting(named).sorted()), unused \(named.subtracting(expected).sorted())")
        }
        // A method that does not count as consent says so in every language, so that an officer
        // reading the page does not take a pre-ticked box for a valid consent.
        for method in ConsentMethod.allCases where !method.isAffirmative {
            #expect(try RefusalCatalogueTests.catalogue("nl")["consent.method.\(method.rawValue)"]?.contains("niet geldig") == true, "\(method)")
            #expect(try RefusalCatalogueTests.catalogue("en")["consent.method.\(method.rawValue)"]?.contains("not valid") == true, "\(method)")
        }
    }
}
