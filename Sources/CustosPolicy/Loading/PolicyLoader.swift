import Foundation
internal import Yams

/// A policy folder read, validated and, when it has no errors, compiled.
public struct LoadedPolicy: Sendable {
    public let directory: String
    package let policy: Policy
    /// Every problem found, errors and warnings, sorted by file, line and column.
    public let diagnostics: [Diagnostic]
    /// The form the evaluator runs on; nil when the policy has errors.
    public let compiled: CompiledPolicy?

    public var isValid: Bool { compiled != nil }
}

/// Reads a policy folder: every `*.yaml` / `*.yml` file directly in it (subfolders such as
/// `tests/` are not policy), plus the notice texts the notices name.
///
/// ```swift
/// let loaded = PolicyLoader.load(directory: "policies/invorderingsbedrijf")
/// for problem in loaded.diagnostics { print(problem) }
/// if let compiled = loaded.compiled { print(compiled.digest) }
/// ```
package enum PolicyLoader {
    /// The day against which `load` checks the policy's dated safeguards, if any.
    package enum SafeguardCheck: Sendable {
        case none
        /// The controller's local date at this instant.
        case at(Instant)
        case on(LocalDate)
    }

    /// How far ahead `policy check` warns that a safeguard lapses.
    static let safeguardWarningDays = 90

    package static func load(directory: String, checkingSafeguards check: SafeguardCheck = .none) -> LoadedPolicy {
        let sink = DiagnosticSink()
        let folder = directory.hasSuffix("/") && directory.count > 1 ? String(directory.dropLast()) : directory
        let name = URL(fileURLWithPath: folder).standardizedFileURL.lastPathComponent
        var policy = Policy(name: name, referenceData: builtInReferenceData(sink: sink))

        let files = policyFiles(in: folder)
        if files.isEmpty {
            sink.error(.noPolicyFiles, "no policy files (*.yaml) in '\(folder)'", at: SourceLocation(file: folder, line: 1, column: 1))
        }
        var seen: [String: SourceLocation] = [:]
        for file in files {
            let path = folder + "/" + file
            let decoder = PolicyDecoder(reader: NodeReader(file: path, sink: sink)) { relative in
                FileManager.default.contents(atPath: folder + "/" + relative).map { [UInt8]($0) }
            }
            for root in roots(path: path, sink: sink, unreadableIds: &policy.unreadableIds) {
                decoder.decodeFile(root, into: &policy, seen: &seen)
            }
        }
        if !files.isEmpty {
            PolicyValidator(policy: policy, sink: sink, anchor: SourceLocation(file: folder + "/" + files[0], line: 1, column: 1)).validate()
            warnAboutSafeguards(policy, check: check, sink: sink)
        }
        let diagnostics = sink.items.sorted { ($0.location, $0.code.rawValue) < ($1.location, $1.code.rawValue) }
        let compiled = diagnostics.errors.isEmpty ? CompiledPolicy(policy) : nil
        return LoadedPolicy(directory: folder, policy: policy, diagnostics: diagnostics, compiled: compiled)
    }

    /// gdpr.md §10, §12: a lapsed safeguard carries nothing from the day after its last day,
    /// and the evaluator refuses what rests on it; warn before that happens.
    static func warnAboutSafeguards(_ policy: Policy, check: SafeguardCheck, sink: DiagnosticSink) {
        let today: LocalDate
        switch check {
        case .none: return
        case let .at(instant): today = CompiledPolicy.localDate(of: instant, in: CompiledPolicy.timeZone(of: policy))
        case let .on(date): today = date
        }
        let horizon = today.adding(days: safeguardWarningDays)
        for deadline in policy.safeguardDeadlines.sorted(by: { $0.lastDay < $1.lastDay }) where deadline.lastDay < horizon {
            if deadline.lastDay < today {
                sink.warning(.safeguardLapsed, "\(deadline.what) lapsed after \(deadline.lastDay); what rests on it is refused", at: deadline.location)
            } else {
                let days = deadline.lastDay.daysSinceEpoch - today.daysSinceEpoch
                sink.warning(.safeguardLapsing, "\(deadline.what) lapses after \(deadline.lastDay), in \(days) day\(days == 1 ? "" : "s"); renew it or what rests on it will be refused", at: deadline.location)
            }
        }
    }

    static func policyFiles(in folder: String) -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return [] }
        return names.filter { ($0.hasSuffix(".yaml") || $0.hasSuffix(".yml")) && !$0.hasPrefix(".") }.sorted()
    }

    /// Parses one file. After a syntax error, which is reported at its line and column, the
    /// sections and entries that can still be read are returned, so the rest of the policy is
    /// checked too and does not drown in reports of references to what could not be read.
    static func roots(path: String, sink: DiagnosticSink, unreadableIds: inout Set<String>) -> [Node] {
        guard let data = FileManager.default.contents(atPath: path) else {
            sink.error(.fileUnreadable, "cannot read the file", at: SourceLocation(file: path, line: 1, column: 1))
            return []
        }
        guard let text = String(data: data, encoding: .utf8) else {
            sink.error(.fileUnreadable, "the file is not UTF-8 text", at: SourceLocation(file: path, line: 1, column: 1))
            return []
        }
        let firstTry = DiagnosticSink()
        if let root = compose(text: text, file: path, sink: firstTry) { return [root] }
        // A duplicate key is reported by the recovery, at the second occurrence.
        let problems = firstTry.items.filter { $0.code != .duplicateId }
        for problem in problems { sink.error(problem.code, problem.message, at: problem.location) }
        let recovered = SyntaxRecovery(text: text, file: path, sink: sink, reported: Set(problems.map(\.location))).recover()
        unreadableIds.formUnion(recovered.unreadableIds)
        return recovered.roots
    }

    static func compose(text: String, file: String, sink: DiagnosticSink) -> Node? {
        do {
            return try Yams.compose(yaml: text) ?? Node("")
        } catch let error as YamlError {
            let (message, mark) = describe(error)
            let code: DiagnosticCode = if case .duplicatedKeysInMapping = error { .duplicateId } else { .yamlSyntax }
            sink.error(code, message, at: SourceLocation(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1))
        } catch {
            sink.error(.yamlSyntax, "the file is not valid YAML", at: SourceLocation(file: file, line: 1, column: 1))
        }
        return nil
    }

    /// The problem text and position of a Yams error, without the echo of the whole file
    /// that Yams' own description carries.
    private static func describe(_ error: YamlError) -> (String, Mark?) {
        switch error {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _), let .composer(context, problem, mark, _):
            let detail = context.map { "\(problem) \($0.text)" } ?? problem
            return ("YAML: \(detail)", mark)
        case let .reader(problem, _, _, _):
            return ("YAML: \(problem)", nil)
        case let .duplicatedKeysInMapping(duplicates, context):
            return ("duplicate key '\(duplicates.joined(separator: "', '"))' in one mapping", context.mark)
        default:
            return ("the file is not valid YAML", nil)
        }
    }

    static func builtInReferenceData(sink: DiagnosticSink) -> ReferenceData {
        var data = ReferenceData(eea: [], adequacy: [], holidayCalendars: [])
        if let root = compose(text: BuiltInReferenceData.yaml, file: BuiltInReferenceData.fileName, sink: sink) {
            ReferenceDataDecoder(reader: NodeReader(file: BuiltInReferenceData.fileName, sink: sink)).override(&data, with: root)
        }
        return data
    }
}
