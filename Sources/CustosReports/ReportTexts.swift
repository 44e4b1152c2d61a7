package import Foundation
package import CustosStore
package import CustosPolicy

/// The words of a report in one language: headings, notes, column names and the phrases in
/// its cells. Codes stay codes (purpose and recipient ids, reason codes, outcomes, request
/// types): an auditor matches them against the policy and the log. English is built in and is
/// the reference: the built-in Dutch catalogue (`report-texts.nl.json`) holds exactly its keys,
/// and an operator's (`report-texts.<language>.json` in a templates folder) rewords some.
///
/// ```swift
/// let dutch = try ReportTexts.load(language: "nl")
/// let ropa = try engine.report(.ropa, texts: dutch)
/// ```
package struct ReportTexts: Sendable {
    /// `en` or `nl`: the HTML's `lang` and the language the console asks for.
    package let language: String
    let texts: [String: String]

    /// The languages a report is written in.
    package static let languages = ["en", "nl"]

    package static let english = ReportTexts(language: "en", texts: englishTexts)

    /// The text of `key` with its `{names}` filled in one pass; a key no catalogue holds is
    /// said as itself, which a test rules out for every key the reports use.
    package func callAsFunction(_ key: String, _ values: [String: String] = [:]) -> String {
        let text = texts[key] ?? key
        return values.isEmpty ? text : LibraryWords.fill(text) { values[$0] }
    }

    /// The text of `key` where this catalogue holds one, with no fallback.
    func catalogued(_ key: String) -> String? { texts[key] }

    /// What the library recorded with its words (a breach event's detail) in this language,
    /// or the English it was recorded with: in English, in a row written before the words
    /// were kept, and for any part this catalogue has no text for. The English report stays
    /// byte for byte what the register holds.
    package func recorded(_ words: LibraryWords?, english: String?) -> String? {
        guard language != "en", let words else { return english }
        return words.render { key in key.hasPrefix("breachEvent.") ? texts[key] : nil }.text
    }

    /// A period of the policy in words: "2 years", "2 jaar".
    package func duration(_ duration: CalendarDuration) -> String {
        "\(duration.amount) " + self("unit.\(duration.unit.rawValue)" + (duration.amount == 1 ? "" : "s"))
    }

    /// A number written with a decimal point ("49.0%", "2.5") with the language's own ("49,0%").
    package func number(_ written: String) -> String {
        written.replacingOccurrences(of: ".", with: self("format.decimalPoint"))
    }

    /// The texts in `language`: the built-in ones (English in the code, Dutch in
    /// `report-texts.nl.json` beside the executable), with those of `report-texts.<language>.json`
    /// in `templates` laid over them, so an operator rewords a heading without copying every
    /// text and keeps the new ones of a later version. A catalogue that is not a JSON object of
    /// texts, or that holds a key no report says, is refused naming its file; a built-in one
    /// must hold every key.
    package static func load(language: String, templates: URL? = nil) throws -> ReportTexts {
        guard languages.contains(language) else { throw Failure.language(language) }
        let name = "report-texts.\(language).json"
        var texts = englishTexts
        if language != "en" {
            guard let url = ReportRenderer.bundledTemplates?.appendingPathComponent(name) else {
                throw Failure.catalogue(name, "not found; the built-in catalogues travel in 'Custos_CustosReports.resources' next to the executable")
            }
            texts = try catalogue(url)
            let missing = Set(englishTexts.keys).subtracting(texts.keys).sorted()
            guard missing.isEmpty else { throw Failure.catalogue(url.path, "missing " + listed(missing)) }
        }
        if let custom = templates?.appendingPathComponent(name), FileManager.default.fileExists(atPath: custom.path) {
            texts.merge(try catalogue(custom)) { $1 }
        }
        return ReportTexts(language: language, texts: texts)
    }

    /// A catalogue's texts, every key one the reports say.
    static func catalogue(_ url: URL) throws -> [String: String] {
        guard let data = FileManager.default.contents(atPath: url.path),
              let texts = try? JSONDecoder().decode([String: String].self, from: data) else {
            throw Failure.catalogue(url.path, "not a JSON object of texts")
        }
        let unknown = Set(texts.keys).subtracting(englishTexts.keys).sorted()
        guard unknown.isEmpty else { throw Failure.catalogue(url.path, "unknown " + listed(unknown)) }
        return texts
    }

    /// Keys named in an error: the first ten, and how many more.
    static func listed(_ keys: [String]) -> String {
        keys.prefix(10).joined(separator: ", ") + (keys.count > 10 ? " and \(keys.count - 10) more" : "")
    }

    package enum Failure: Error, Sendable, CustomStringConvertible {
        case language(String)
        case catalogue(String, String)

        package var description: String {
            switch self {
            case let .language(language): "reports are written in \(ReportTexts.languages.joined(separator: " or ")), not '\(language)'"
            case let .catalogue(file, why): "report texts '\(file)': \(why)"
            }
        }
    }
}
