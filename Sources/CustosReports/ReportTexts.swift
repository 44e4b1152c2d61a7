package import Foundation
import CustosStore
package import CustosPolicy

/// The words of a report in one language: headings, notes, column names and the phrases in
/// its cells. Codes stay codes (purpose and recipient ids, reason codes, outcomes, request
/// types): an auditor matches them against the policy and the log. English is built in and is
/// the reference: a catalogue (`report-texts.<language>.json`, built in for Dutch, or in an
/// operator's templates folder) holds exactly its keys.
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

    /// A period of the policy in words: "2 years", "2 jaar".
    package func duration(_ duration: CalendarDuration) -> String {
        "\(duration.amount) " + self("unit.\(duration.unit.rawValue)" + (duration.amount == 1 ? "" : "s"))
    }

    /// A number written with a decimal point ("49.0%", "2.5") with the language's own ("49,0%").
    package func number(_ written: String) -> String {
        written.replacingOccurrences(of: ".", with: self("format.decimalPoint"))
    }

    /// The texts in `language`: `report-texts.<language>.json` from `templates` when it holds
    /// one, else the built-in ones. A catalogue that is not a JSON object of texts, or that
    /// lacks or adds a key, is refused naming its file.
    package static func load(language: String, templates: URL? = nil) throws -> ReportTexts {
        guard languages.contains(language) else { throw Failure.language(language) }
        let name = "report-texts.\(language).json"
        let custom = templates.map { $0.appendingPathComponent(name) }.flatMap { FileManager.default.fileExists(atPath: $0.path) ? $0 : nil }
        guard let url = custom ?? (language == "en" ? nil : ReportRenderer.bundledTemplates?.appendingPathComponent(name)) else {
            if language == "en" { return english }
            throw Failure.catalogue(name, "not found; the built-in catalogues travel in 'Custos_CustosReports.resources' next to the executable, or pass --templates DIR")
        }
        guard let data = FileManager.default.contents(atPath: url.path),
              let texts = try? JSONDecoder().decode([String: String].self, from: data) else {
            throw Failure.catalogue(url.path, "not a JSON object of texts")
        }
        let keys = Set(englishTexts.keys)
        let missing = keys.subtracting(texts.keys).sorted(), unknown = Set(texts.keys).subtracting(keys).sorted()
        guard missing.isEmpty, unknown.isEmpty else {
            let problems = [missing.isEmpty ? nil : "missing \(missing.joined(separator: ", "))", unknown.isEmpty ? nil : "unknown \(unknown.joined(separator: ", "))"]
            throw Failure.catalogue(url.path, problems.compactMap { $0 }.joined(separator: "; "))
        }
        return ReportTexts(language: language, texts: texts)
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
