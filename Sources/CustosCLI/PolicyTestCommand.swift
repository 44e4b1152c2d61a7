import ArgumentParser
import Custos
import Foundation

struct PolicyTest: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Run policy test files: facts, a request and the expected decision per case.",
        discussion: """
        PATH is a policy folder (its tests/ folder is run), a folder of test files, or one test file. The policy is --policies, or else the folder that holds the tests folder. Prints one line per failing case and ends with 'N passed, M failed'; exit 0 when all pass, 4 otherwise.

        Examples:
          custos policy test policies/invorderingsbedrijf
          custos policy test --policies policies/invorderingsbedrijf \\
              policies/invorderingsbedrijf/tests/consent.yaml
        """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("Policy folder, tests folder or test file.", valueName: "path"))
    var paths: [String] = []

    func run() throws {
        let targets = paths.isEmpty ? [global.policyFolder].compactMap { $0 } : paths
        guard !targets.isEmpty else {
            throw ValidationError("give a policy folder or test files, e.g. 'custos policy test policies/invorderingsbedrijf/tests'")
        }
        var passed = 0, failed = 0
        var lines: [String] = [], problems: [[String: Any]] = []
        for target in targets {
            guard FileManager.default.fileExists(atPath: target) else {
                StandardError.error("'\(target)' not found: give a policy folder, its tests folder or test files")
                throw ExitStatus.runtimeError
            }
            let (policyFolder, testPath) = Self.resolve(target, explicitPolicy: global.policyFolder)
            let loaded = Custos.checkPolicy(directory: try existingPolicyFolder(policyFolder))
            guard let compiled = loaded.compiled else {
                for diagnostic in loaded.diagnostics.errors { StandardError.write(diagnostic.description) }
                StandardError.error("policy '\(policyFolder)' is invalid; its tests cannot run")
                throw ExitStatus.invalidPolicy
            }
            let files = PolicyTestRunner.testFiles(at: testPath)
            if files.isEmpty {
                StandardError.error("no test files at '\(testPath)'")
                throw ExitStatus.invalidPolicy
            }
            let report = PolicyTestRunner(policy: compiled).run(files: files)
            lines += report.errors.map(\.description) + report.failures.map(\.description)
            problems += report.errors.map { ["location": $0.location.description, "error": $0.message] as [String: Any] }
            problems += report.failures.map { ["location": $0.location.description, "name": $0.name, "differences": $0.differences] as [String: Any] }
            passed += report.passed
            failed += report.failed
        }
        lines.append("\(passed) passed, \(failed) failed")
        try answer(global.output, lines, json: ["passed": passed, "failed": failed, "failures": problems])
        if failed > 0 { throw ExitStatus.invalidPolicy }
    }

    /// Which policy a path's tests run against, and where the tests are.
    static func resolve(_ path: String, explicitPolicy: String?) -> (policy: String, tests: String) {
        let url = URL(fileURLWithPath: path)
        var isDirectory: ObjCBool = false
        _ = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
        if isDirectory.boolValue, FileManager.default.fileExists(atPath: url.appendingPathComponent("tests").path) {
            return (explicitPolicy ?? path, url.appendingPathComponent("tests").path)
        }
        let folder = isDirectory.boolValue ? url : url.deletingLastPathComponent()
        return (explicitPolicy ?? folder.deletingLastPathComponent().path, path)
    }
}
