import Foundation
internal import Mustache

/// The files of an organisation's templates folder (`--templates`, `console.templates`) beside
/// the built-in ones that travel in `Custos_Custos.resources/Templates`. A template replaces the
/// built-in one whole; a catalogue of texts is laid over the built-in catalogue of the same
/// name, so that an operator rewords some texts without copying every one and keeps the texts
/// a later version adds.
///
/// ```swift
/// let template = try OperatorTemplates.file("breach-letter.txt.mustache", templates: folder)
/// let texts = try OperatorTemplates.texts("breach-letter.nl.json", templates: folder, named: ["closing"], by: template.url)
/// ```
package enum OperatorTemplates {
    struct Failure: Error, CustomStringConvertible { let description: String }

    /// The operator's file where the folder has one, else the built-in one, with where it was read.
    static func file(_ name: String, templates: URL?) throws(Failure) -> (data: Data, url: URL) {
        if let own = try operatorsFile(name, templates: templates) { return own }
        if let url = bundled?.appendingPathComponent(name), let data = try? Data(contentsOf: url) { return (data, url) }
        throw Failure(description: "the template file '\(name)' is missing; the built-in ones travel in 'Custos_Custos.resources/Templates' next to the executable")
    }

    /// A Mustache template and, per language, its texts (`catalogue(language)`, laid over as
    /// `texts` lays them), checked against the names the template says and those the code
    /// says itself (`saidByTheCode`).
    static func template(_ name: String, texts catalogue: (String) -> String, languages: [String], saidByTheCode: Set<String> = [],
                         templates: URL?) throws(Failure) -> (template: MustacheTemplate, texts: [String: [String: String]]) {
        let source = try file(name, templates: templates)
        let text = String(decoding: source.data, as: UTF8.self)
        let template: MustacheTemplate
        do { template = try MustacheTemplate(string: text) } catch { throw Failure(description: "\(source.url.path): \(error)") }
        let named = textNames(in: text).union(saidByTheCode)
        var texts: [String: [String: String]] = [:]
        for language in languages.sorted() {
            texts[language] = try Self.texts(catalogue(language), templates: templates, named: named, by: source.url)
        }
        return (template, texts)
    }

    /// The built-in catalogue `name` with the operator's laid over it. A text that the
    /// operator gives and neither the built-in catalogue nor the template names (a misspelt
    /// key) is refused, and so is a text the template names (`named`, see `textNames`) that no
    /// catalogue holds: it would leave a gap in what a person reads. Each names its file.
    ///
    /// `by` is the template that names them; without one the names are the code's own and a
    /// missing one is the built-in catalogue's fault.
    static func texts(_ name: String, templates: URL?, named: Set<String>, by template: URL?) throws(Failure) -> [String: String] {
        let builtIn = try file(name, templates: nil)
        var texts = try catalogue(builtIn.data, builtIn.url)
        if let (data, url) = try operatorsFile(name, templates: templates) {
            let operators = try catalogue(data, url)
            let unknown = Set(operators.keys).subtracting(texts.keys).subtracting(named)
            guard unknown.isEmpty else { throw Failure(description: "\(url.path): unknown \(unknown.sorted().joined(separator: ", "))") }
            texts.merge(operators) { $1 }
        }
        let missing = named.subtracting(texts.keys)
        guard missing.isEmpty else {
            let list = missing.sorted().joined(separator: ", ")
            throw Failure(description: template.map { "\($0.path) says \(list), which \(name) does not hold" } ?? "\(builtIn.url.path): missing \(list)")
        }
        return texts
    }

    /// The operator's file `name`, nil where the folder has none. One placed there that cannot
    /// be read is an error, never a silent return to the built-in one.
    static func operatorsFile(_ name: String, templates: URL?) throws(Failure) -> (data: Data, url: URL)? {
        guard let url = templates?.appendingPathComponent(name), FileManager.default.fileExists(atPath: url.path) else { return nil }
        guard let data = FileManager.default.contents(atPath: url.path) else { throw Failure(description: "\(url.path) cannot be read") }
        return (data, url)
    }

    /// The names a Mustache template says as `{{t.NAME}}`, in a section or inverted section too.
    package static func textNames(in template: String) -> Set<String> {
        Set(template.matches(of: /\{\{\{?[#^\/&]?\s*t\.([A-Za-z0-9_-]+)/).map { String($0.output.1) })
    }

    static func catalogue(_ data: Data, _ url: URL) throws(Failure) -> [String: String] {
        guard let texts = try? JSONDecoder().decode([String: String].self, from: data) else {
            throw Failure(description: "\(url.path): not a JSON object of texts")
        }
        return texts
    }

    /// The built-in templates: the resource folder SwiftPM places next to the executable,
    /// found by hand, so that a missing bundle is an error, never a crash.
    static var bundled: URL? {
        let name = "Custos_Custos.resources"
        let places = [Bundle.main.bundleURL, Bundle.main.executableURL?.resolvingSymlinksInPath().deletingLastPathComponent(), Bundle.main.resourceURL]
        return places.compactMap { $0?.appendingPathComponent(name).appendingPathComponent("Templates") }.first { FileManager.default.fileExists(atPath: $0.path) }
    }
}
