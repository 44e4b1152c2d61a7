import CustosPolicy
import CustosTestSupport
import Foundation
import Testing
import Yams

/// Runs Corpus/validation-cases.yaml: every validation code, each with a failing example
/// (an edit of Corpus/base) and the unedited base as the passing one.
struct ValidationCorpusTests {
    struct Edit: Decodable {
        var file: String?
        var find: String?
        var replace: String?
        var remove: String?
        var write: String?
        var text: String?
        var base64: String?
    }

    struct Expectation: Decodable {
        var code: String
        var file: String?
        var at: String?
        var occurrence: Int?
        var line: Int?
        var column: Int?
        var folder: Bool?
    }

    struct Case: Decodable, CustomTestStringConvertible, Sendable {
        var name: String
        var code: String
        /// The day dated safeguards are checked against; none when absent.
        var today: String?
        var edits: [Edit]
        var expect: [Expectation]
        var testDescription: String { "\(code): \(name)" }
    }

    static let cases: [Case] = {
        let url = RepositoryPaths.policyCorpus.appendingPathComponent("validation-cases.yaml")
        guard let text = try? String(contentsOf: url, encoding: .utf8),
              let cases = try? YAMLDecoder().decode([Case].self, from: text) else { return [] }
        return cases
    }()

    @Test func corpusIsReadable() {
        #expect(Self.cases.count >= DiagnosticCode.allCases.count)
    }

    @Test func everyCodeHasAFailingCase() {
        let covered = Set(Self.cases.map(\.code))
        for code in DiagnosticCode.allCases {
            #expect(covered.contains(code.rawValue), "no validation case triggers \(code.rawValue)")
        }
    }

    @Test func basePolicyIsThePassingExample() {
        let loaded = PolicyLoader.load(directory: RepositoryPaths.policyCorpus.appendingPathComponent("base").path)
        #expect(loaded.diagnostics.isEmpty, "\(loaded.diagnostics)")
        #expect(loaded.isValid)
    }

    @Test(arguments: cases)
    func failingExample(_ testCase: Case) throws {
        let folder = try TemporaryDirectory()
        try folder.copyContents(of: RepositoryPaths.policyCorpus.appendingPathComponent("base"))
        var edited: [String: String] = [:]
        for edit in testCase.edits {
            try apply(edit, in: folder, edited: &edited)
        }
        let check: PolicyLoader.SafeguardCheck = testCase.today.flatMap(LocalDate.init(parsing:)).map { .on($0) } ?? .none
        let loaded = PolicyLoader.load(directory: folder.path, checkingSafeguards: check)

        let expected = try testCase.expect.map { try location(of: $0, in: folder, edited: edited) }.sorted()
        let expectedCodes = Set(testCase.expect.map(\.code))
        let actual = loaded.diagnostics.filter { expectedCodes.contains($0.code.rawValue) }
            .map { "\($0.code.rawValue)@\($0.location)" }.sorted()
        #expect(actual == expected, "all: \(loaded.diagnostics.map(\.description))")

        let otherErrors = loaded.diagnostics.errors.filter { !expectedCodes.contains($0.code.rawValue) }
        #expect(otherErrors.isEmpty, "unexpected errors: \(otherErrors.map(\.description))")
        let expectsError = loaded.diagnostics.errors.contains { expectedCodes.contains($0.code.rawValue) }
        #expect(loaded.isValid == !expectsError)
    }

    private func apply(_ edit: Edit, in folder: TemporaryDirectory, edited: inout [String: String]) throws {
        let manager = FileManager.default
        if let remove = edit.remove {
            try manager.removeItem(at: folder.url.appendingPathComponent(remove))
        } else if let name = edit.write {
            if let base64 = edit.base64, let data = Data(base64Encoded: base64) {
                try data.write(to: folder.url.appendingPathComponent(name))
            } else {
                let text = try #require(edit.text)
                try folder.write(text, to: name)
                edited[name] = text
            }
        } else {
            let name = try #require(edit.file)
            let find = try #require(edit.find)
            let url = folder.url.appendingPathComponent(name)
            let text = try edited[name] ?? String(contentsOf: url, encoding: .utf8)
            let pieces = text.components(separatedBy: find)
            try #require(pieces.count == 2, "edit text must occur exactly once in \(name): \(find)")
            let result = pieces.joined(separator: edit.replace ?? "")
            try Data(result.utf8).write(to: url)
            edited[name] = result
        }
    }

    /// `CODE@file:line:col` for an expectation, finding `at` text in the edited file.
    private func location(of expectation: Expectation, in folder: TemporaryDirectory, edited: [String: String]) throws -> String {
        if expectation.folder == true {
            return "\(expectation.code)@\(folder.path):1:1"
        }
        let file = try #require(expectation.file)
        let path = folder.path + "/" + file
        if let line = expectation.line, let column = expectation.column {
            return "\(expectation.code)@\(path):\(line):\(column)"
        }
        let marker = try #require(expectation.at)
        let text = try edited[file] ?? String(contentsOfFile: path, encoding: .utf8)
        var remaining = expectation.occurrence ?? 1
        for (index, line) in text.components(separatedBy: "\n").enumerated() {
            var searchStart = line.startIndex
            while let range = line.range(of: marker, range: searchStart..<line.endIndex) {
                remaining -= 1
                if remaining == 0 {
                    let column = line.unicodeScalars.distance(from: line.unicodeScalars.startIndex, to: range.lowerBound) + 1
                    return "\(expectation.code)@\(path):\(index + 1):\(column)"
                }
                searchStart = range.upperBound
            }
        }
        Issue.record("marker '\(marker)' not found in \(file)")
        return ""
    }
}
