import CustosTestSupport
import Foundation
import Testing
@testable import Custos

/// An organisation's templates folder: a template replaces the built-in one, a catalogue of
/// texts is laid over the built-in one. What a person reads never shows a text's key or loses
/// a line, and a misspelt text is refused by its file rather than ignored.
struct OperatorTemplatesTests {
    @Test func theAccessAnswersTextsAreLaidOverTheBuiltInOnesAndCheckedAgainstTheTemplate() throws {
        let folder = try TemporaryDirectory()
        let builtIn = try AccessPackageHTML(templates: nil)
        // One text reworded: every other stays the built-in one.
        try folder.write(#"{"title": "Uw gegevens bij ons"}"#, to: "access-package.nl.json")
        let reworded = try AccessPackageHTML(templates: folder.url)
        #expect(reworded.texts["nl"] == builtIn.texts["nl"]?.merging(["title": "Uw gegevens bij ons"]) { $1 })
        #expect(reworded.texts["en"] == builtIn.texts["en"])
        // A misspelt text is refused by its file.
        try folder.write(#"{"titel": "Uw gegevens bij ons"}"#, to: "access-package.nl.json")
        let misspelt = #expect(throws: AccessPackageHTML.Failure.self) { try AccessPackageHTML(templates: folder.url) }
        #expect(misspelt?.description == folder.url.appendingPathComponent("access-package.nl.json").path + ": unknown titel")
        // A template's own text must be in each language's catalogue; then it is taken.
        try folder.write("<h1>{{t.title}}</h1><p>{{t.signature}}</p>", to: "access-package.html.mustache")
        try folder.write(#"{"signature": "De functionaris"}"#, to: "access-package.nl.json")
        let template = folder.url.appendingPathComponent("access-package.html.mustache").path
        let missing = #expect(throws: AccessPackageHTML.Failure.self) { try AccessPackageHTML(templates: folder.url) }
        #expect(missing?.description == "\(template) says signature, which access-package.en.json does not hold")
        try folder.write(#"{"signature": "The officer"}"#, to: "access-package.en.json")
        #expect(try AccessPackageHTML(templates: folder.url).texts["en"]?["signature"] == "The officer")
        try folder.write("nope", to: "access-package.en.json")
        let notJSON = #expect(throws: AccessPackageHTML.Failure.self) { try AccessPackageHTML(templates: folder.url) }
        #expect(notJSON?.description == folder.url.appendingPathComponent("access-package.en.json").path + ": not a JSON object of texts")
        // A file placed there that cannot be read is an error, not the built-in one in silence.
        let unreadable = folder.url.appendingPathComponent("access-package.en.json")
        try FileManager.default.removeItem(at: unreadable)
        try FileManager.default.createDirectory(at: unreadable, withIntermediateDirectories: false)
        let refused = #expect(throws: AccessPackageHTML.Failure.self) { try AccessPackageHTML(templates: folder.url) }
        #expect(refused?.description == unreadable.path + " cannot be read")
    }

    @Test func aTemplatesTextNamesAreReadFromEveryKindOfTag() {
        let names = OperatorTemplates.textNames(in: "{{t.a}} {{{t.b}}} {{#t.c}}x{{/t.c}} {{^t.d}}y{{/t.d}} {{&t.e}} {{ t.f }} {{title}} {{#fields}}{{.}}{{/fields}}")
        #expect(names == ["a", "b", "c", "d", "e", "f"])
    }
}
