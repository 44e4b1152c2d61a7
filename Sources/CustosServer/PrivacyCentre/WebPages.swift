import Foundation
import Hummingbird
internal import Mustache
import CustosStore
import Custos
import CustosPolicy

/// Server-rendered pages (DESIGN §11): Mustache templates and message catalogues kept as
/// resources (`Resources/Web` for the privacy centre, `Resources/Console` for the officer's
/// console), each overridable by a file of the same name in the organisation's folder (as the
/// report templates are). Dutch first, English beside it.
struct WebPages: Sendable {
    static let languages = ["nl", "en"]
    let library: MustacheLibrary
    let messages: [String: [String: String]]
    let stylesheet: Data
    let controller: (name: String, contact: String, dpo: String?)
    /// The face's home page, where the language switch of a form's answer leads.
    let home: String

    static let centreTemplates = ["header", "footer", "home", "request", "code", "opened", "message", "status", "preferences-start", "preferences"]

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    init(overrides: String?, controller: (name: String, contact: String, dpo: String?), folder: String = "Web",
         templates: [String] = centreTemplates, stylesheet: String = "centre.css", home: String = "/privacy") throws {
        self.controller = controller
        self.home = home
        let builtIn = Self.bundled(folder)
        func located(_ name: String) throws -> (data: Data, url: URL) {
            for folder in [overrides.map { URL(fileURLWithPath: $0) }, builtIn].compactMap({ $0 }) {
                let url = folder.appendingPathComponent(name)
                if let data = try? Data(contentsOf: url) { return (data, url) }
            }
            throw Failure(description: "the page file '\(name)' is missing; the built-in ones travel in 'Custos_CustosServer.resources/\(folder)' next to the executable")
        }
        func file(_ name: String) throws -> Data { try located(name).data }
        var library = MustacheLibrary()
        var saidByTemplates: [(url: URL, names: Set<String>)] = []
        for name in templates {
            let source = try located("\(name).mustache")
            let text = String(decoding: source.data, as: UTF8.self)
            do { try library.register(text, named: name) } catch { throw Failure(description: "template \(name).mustache: \(error)") }
            saidByTemplates.append((source.url, OperatorTemplates.textNames(in: text)))
        }
        self.library = library
        // An operator's catalogue is laid over the built-in one: it rewords the texts it holds
        // and keeps every other, so an upgrade's new texts never show as their keys. A key the
        // built-in catalogue lacks is refused, since a misspelt key would never show.
        func catalogue(_ data: Data, _ name: String) throws -> [String: String] {
            guard let catalogue = try? JSONSerialization.jsonObject(with: data) as? [String: String] else {
                throw Failure(description: "\(name) is not an object of texts")
            }
            return catalogue
        }
        var messages: [String: [String: String]] = [:]
        for language in Self.languages {
            let name = "messages/\(language).json"
            var own: [String: String]?
            if let overrides {
                // A catalogue the operator placed but that cannot be read is an error, not a
                // silent return to the built-in texts.
                let path = URL(fileURLWithPath: overrides).appendingPathComponent(name).path
                if FileManager.default.fileExists(atPath: path) {
                    guard let data = FileManager.default.contents(atPath: path) else { throw Failure(description: "\(path) cannot be read") }
                    own = try catalogue(data, path)
                }
            }
            guard let builtIn, let data = try? Data(contentsOf: builtIn.appendingPathComponent(name)) else {
                // No built-in catalogue next to the executable: the operator's must be whole.
                messages[language] = try own ?? catalogue(try file(name), name)
                continue
            }
            var merged = try catalogue(data, name)
            if let own {
                let unknown = Set(own.keys).subtracting(merged.keys)
                guard unknown.isEmpty else {
                    throw Failure(description: "\(overrides ?? "")/\(name) has texts the pages do not use: \(unknown.sorted().joined(separator: ", "))")
                }
                merged.merge(own) { _, operators in operators }
            }
            messages[language] = merged
        }
        // Every key of the Dutch catalogue must be in the English one and back: a missing text
        // would show as an empty space on a page.
        if let nl = messages["nl"], let en = messages["en"], Set(nl.keys) != Set(en.keys) {
            throw Failure(description: "messages/nl.json and messages/en.json differ in keys: " + Set(nl.keys).symmetricDifference(en.keys).sorted().joined(separator: ", "))
        }
        // A text a template says (`{{t.today_title}}` for `today.title`) that no catalogue
        // holds would leave a gap on the page: refused at start, naming the template.
        for language in Self.languages {
            let said = Set((messages[language] ?? [:]).keys.map { $0.replacingOccurrences(of: ".", with: "_") })
            for template in saidByTemplates {
                let missing = template.names.subtracting(said)
                guard missing.isEmpty else {
                    throw Failure(description: "\(template.url.path) says \(missing.sorted().map { "t.\($0)" }.joined(separator: ", ")), which messages/\(language).json does not hold")
                }
            }
        }
        self.messages = messages
        self.stylesheet = try file(stylesheet)
    }

    /// The resource folder SwiftPM places next to the executable, found by hand: a missing
    /// bundle must be an error at start, never a crash.
    static func bundled(_ folder: String) -> URL? {
        let name = "Custos_CustosServer.resources"
        let places = [Bundle.main.bundleURL, Bundle.main.executableURL?.resolvingSymlinksInPath().deletingLastPathComponent(), Bundle.main.resourceURL]
        return places.compactMap { $0?.appendingPathComponent(name).appendingPathComponent(folder) }.first { FileManager.default.fileExists(atPath: $0.path) }
    }

    /// The catalogue's own text for `key` in `language`, with no fallback: nil where it has none.
    func catalogued(_ key: String, _ language: String) -> String? { messages[language]?[key] }

    /// The library's words in `language`: what a record says (a request's outcome, a
    /// request's or a breach's history: `recordedKinds`) from its own key, anything else (a
    /// refusal, a phrase in any) from `refusal.KEY`. `translated` is false where a part had no
    /// text in the catalogue and stayed in English.
    func say(_ words: LibraryWords, _ language: String) -> (text: String, translated: Bool) {
        words.render { key in catalogued(Self.recordedKinds.contains { key.hasPrefix($0) } ? key : "refusal.\(key)", language) }
    }

    /// The prefixes of the keys of what the library records, rather than refuses.
    static let recordedKinds = ["outcome.", "requestEvent.", "breachEvent."]

    /// What a record says, in `language`: from its words, or, for a row written before they
    /// were kept, its English. `english` says it stays in English on a page in another
    /// language (for `lang="en"`). Nil where nothing is recorded.
    func recorded(_ words: LibraryWords?, english: String?, _ language: String) -> (text: String, english: Bool)? {
        let said: (text: String, translated: Bool)? = words.map { say($0, language) } ?? english.map { ($0, false) }
        return said.map { ($0.text, !$0.translated && language != "en") }
    }

    /// What closing `request` did, for a page's `{{#outcome}}` (`text`, `english`), its fields
    /// by their titles in `policy` where the words list them.
    func outcome(of request: RightsRequest, _ language: String, policy: Policy) -> [String: Any]? {
        let words = request.outcomeWords.map { $0.titled { id in policy.field(id)?.title(in: language) ?? id } }
        return recorded(words, english: request.outcome, language).map { ["text": $0.text, "english": $0.english] }
    }

    /// A text of the catalogue, with `{name}` placeholders filled in.
    func text(_ key: String, _ language: String, _ values: [String: String] = [:]) -> String {
        LibraryWords.fill(messages[language]?[key] ?? messages["nl"]?[key] ?? key) { values[$0] }
    }

    /// Renders a page. `here` is the path the language switch links back to (a GET page), or
    /// nil for the answer to a form, whose switch leads home.
    func page(_ template: String, language: String, title: String, here: String?, values: [String: Any] = [:],
              status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var context = values
        context["lang"] = language
        // Catalogue keys such as `today.title` read as `{{t.today_title}}`: a dot in a
        // Mustache name would look inside `today`.
        context["t"] = Dictionary((messages[language] ?? [:]).map { ($0.key.replacingOccurrences(of: ".", with: "_"), $0.value) }, uniquingKeysWith: { first, _ in first })
        context["title"] = title
        context["controller"] = controller.name
        context["contact"] = controller.contact
        if let dpo = controller.dpo { context["dpo"] = dpo }
        context["languages"] = Self.languages.map { code -> [String: Any] in
            ["code": code, "name": messages[code]?["name"] ?? code, "current": code == language, "href": (here ?? home) + "?lang=\(code)"]
        }
        let html = library.render(context, withTemplate: template) ?? ""
        var fields = headers
        fields[.contentType] = "text/html; charset=utf-8"
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
    }

    /// A page with a heading, paragraphs and a link onwards.
    func message(_ key: String, language: String, status: HTTPResponse.Status, link: (href: String, label: String)? = nil) -> Response {
        let heading = text("page.\(key).title", language)
        var values: [String: Any] = ["heading": heading, "paragraphs": [text("page.\(key).text", language)]]
        let onwards = link ?? (home, text("page.start", language))
        values["link"] = ["href": onwards.href, "label": onwards.label]
        return page("message", language: language, title: heading, here: nil, values: values, status: status)
    }
}
