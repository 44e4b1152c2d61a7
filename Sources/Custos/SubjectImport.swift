import Foundation
internal import CSV
public import CustosPolicy
public import CustosStore

/// Reads subjects from CSV (a header row: `id`, `category`, optional `kind`, `contract-party`,
/// `source`, then one column per field) or JSON Lines (`{"id", "category", "kind",
/// "contract-party", "source", "values": {field: value}}`) and imports them all, or none.
/// Problems are reported per line, without values.
public struct SubjectImport: Sendable {
    public struct Problem: Sendable, CustomStringConvertible {
        public let line: Int
        public let message: String
        public var description: String { "line \(line): \(message)" }
    }

    public let subjects: [NewSubject]
    public let problems: [Problem]
    /// The line each subject came from.
    public let lines: [String: Int]

    static let metadataColumns: Set<String> = ["id", "category", "kind", "contract-party", "source"]

    /// Parses `text`; JSON Lines when the file name ends in .jsonl or .ndjson, else CSV.
    public static func parse(_ text: String, fileName: String, policy: CompiledPolicy) -> SubjectImport {
        let isJSONLines = fileName.hasSuffix(".jsonl") || fileName.hasSuffix(".ndjson")
        var rows: [(line: Int, fields: [String: String])] = []
        var problems: [Problem] = []
        if isJSONLines {
            for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() where !line.trimmingCharacters(in: .whitespaces).isEmpty {
                guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                    problems.append(Problem(line: index + 1, message: "not a JSON object"))
                    continue
                }
                var fields: [String: String] = [:]
                for key in metadataColumns { if let value = object[key] { fields[key] = "\(value)" } }
                if let values = object["values"] as? [String: Any] {
                    for (key, value) in values { fields[key] = value as? String ?? "\(value)" }
                }
                rows.append((index + 1, fields))
            }
        } else {
            do {
                let reader = try CSVReader(string: text, hasHeaderRow: true, trimFields: true)
                let header = reader.headerRow ?? []
                var line = 1
                while let row = reader.next() {
                    line += 1
                    guard row.count == header.count else {
                        problems.append(Problem(line: line, message: "has \(row.count) columns, the header has \(header.count)"))
                        continue
                    }
                    rows.append((line, Dictionary(zip(header, row), uniquingKeysWith: { first, _ in first }).filter { !$0.value.isEmpty }))
                }
            } catch {
                problems.append(Problem(line: 1, message: "is not CSV with a header row"))
            }
        }
        var subjects: [NewSubject] = []
        var seen: [String: Int] = [:]
        for (line, fields) in rows {
            guard let id = fields["id"], !id.isEmpty else { problems.append(Problem(line: line, message: "has no id")); continue }
            if let first = seen[id] { problems.append(Problem(line: line, message: "repeats subject \(id) of line \(first)")); continue }
            seen[id] = line
            guard let category = fields["category"], policy.subjects.id(category) != nil else {
                problems.append(Problem(line: line, message: "subject \(id): category '\(fields["category"] ?? "")' is not declared in the policy"))
                continue
            }
            let kind = fields["kind"].map { SubjectKind(rawValue: $0) } ?? .naturalPerson
            guard let kind else { problems.append(Problem(line: line, message: "subject \(id): kind must be natural-person or sole-trader")); continue }
            let values = fields.filter { !metadataColumns.contains($0.key) }
            let unknown = values.keys.filter { policy.fields.id($0) == nil }.sorted()
            if !unknown.isEmpty { problems.append(Problem(line: line, message: "subject \(id): unknown field \(unknown.joined(separator: ", "))")); continue }
            subjects.append(NewSubject(id: id, category: category, kind: kind, contractParty: fields["contract-party"] == "true",
                                       values: values, source: fields["source"] ?? "import"))
        }
        return SubjectImport(subjects: subjects, problems: problems.sorted { $0.line < $1.line }, lines: seen)
    }
}

extension PrivacyEngine {
    /// Imports every subject of a parsed file, or none: problems in the file, or ids already
    /// in the vault, stop the whole import.
    public func importSubjects(_ parsed: SubjectImport, by actor: String) throws -> [SubjectImport.Problem] {
        var problems = parsed.problems
        let existing = try store.vault.existingSubjects(parsed.subjects.map(\.id))
        for id in existing { problems.append(SubjectImport.Problem(line: parsed.lines[id] ?? 0, message: "subject \(id) is already in the vault")) }
        guard problems.isEmpty else { return problems.sorted { $0.line < $1.line } }
        try store.vault.importSubjects(parsed.subjects, at: clock(), by: actor)
        return []
    }
}
