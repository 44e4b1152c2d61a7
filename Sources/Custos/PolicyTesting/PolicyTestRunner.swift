import Foundation
package import CustosDecision
package import CustosPolicy
internal import Yams

/// Runs policy test files against a compiled policy, like `opa test` or `cedar run-tests`.
///
/// ```swift
/// let report = PolicyTestRunner(policy: compiled).run(files: ["policies/invorderingsbedrijf/tests/consent.yaml"])
/// print(report.summary)   // "84 passed, 0 failed"
/// ```
package struct PolicyTestRunner: Sendable {
    package let evaluator: Evaluator

    package init(policy: CompiledPolicy) {
        evaluator = Evaluator(policy: policy)
    }

    package struct Failure: Sendable, CustomStringConvertible {
        package let location: SourceLocation
        package let name: String
        package let differences: [String]
        package var description: String { "\(location): FAIL \(name): \(differences.joined(separator: "; "))" }
    }

    package struct Report: Sendable {
        package var passed = 0
        package var failures: [Failure] = []
        /// Files that could not be read, each as one failure line.
        package var errors: [Diagnostic] = []
        package var failed: Int { failures.count + errors.count }
        package var summary: String { "\(passed) passed, \(failed) failed" }
    }

    package func run(files: [String]) -> Report {
        var report = Report()
        for file in files { run(file: file, into: &report) }
        return report
    }

    private func run(file: String, into report: inout Report) {
        guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8) else {
            report.errors.append(Diagnostic(.error, .fileUnreadable, "cannot read the test file", at: SourceLocation(file: file, line: 1, column: 1)))
            return
        }
        let root: Node
        do {
            guard let composed = try Yams.compose(yaml: text) else { return }
            root = composed
        } catch {
            report.errors.append(Diagnostic(.error, .yamlSyntax, "the test file is not valid YAML", at: location(of: error, file: file)))
            return
        }
        guard case let .sequence(cases) = root else {
            report.errors.append(Diagnostic(.error, .wrongType, "a test file is a list of cases", at: SourceLocation(file: file, line: root.mark?.line ?? 1, column: root.mark?.column ?? 1)))
            return
        }
        for node in cases {
            let where_ = SourceLocation(file: file, line: node.mark?.line ?? 1, column: node.mark?.column ?? 1)
            if let (path, key) = PolicyTestShape.unknownKey(in: node, shape: PolicyTestShape.testCase) {
                let at = SourceLocation(file: file, line: key.mark?.line ?? where_.line, column: key.mark?.column ?? where_.column)
                report.errors.append(Diagnostic(.error, .unknownKey, "unknown key '\(path)'", at: at))
                continue
            }
            let testCase: PolicyTestCase
            do {
                testCase = try YAMLDecoder().decode(PolicyTestCase.self, from: node)
            } catch {
                report.errors.append(Diagnostic(.error, .invalidValue, DecodingProblem.describe(error), at: DecodingProblem.location(of: error, in: node, file: file) ?? where_))
                continue
            }
            let decision = evaluator.decide(testCase.request, facts: testCase.facts, at: testCase.at, hypothetical: true)
            let differences = testCase.expect.differences(from: decision)
            if differences.isEmpty {
                report.passed += 1
            } else {
                report.failures.append(Failure(location: where_, name: testCase.name, differences: differences))
            }
        }
    }

    private func location(of error: any Error, file: String) -> SourceLocation {
        if let yaml = error as? YamlError {
            switch yaml {
            case let .scanner(_, _, mark, _), let .parser(_, _, mark, _), let .composer(_, _, mark, _):
                return SourceLocation(file: file, line: mark.line, column: mark.column)
            default: break
            }
        }
        return SourceLocation(file: file, line: 1, column: 1)
    }

    /// The test files a path stands for: a `.yaml` file, or every `.yaml` file in a folder.
    package static func testFiles(at path: String) -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return [] }
        guard isDirectory.boolValue else { return [path] }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        let folder = path.hasSuffix("/") ? String(path.dropLast()) : path
        return names.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted().map { folder + "/" + $0 }
    }
}
