package import Foundation
package import CustosPolicy
import CustosStore
import CustosDecision

/// Reads subjects from CSV or JSON Lines and imports them all, or none (docs/importing.md).
///
/// A person who is more than one kind of subject has their categories separated by `;`
/// (`debtor;website_user`), the first one first.
///
/// CSV: a header row with `id`, `category`, optional `kind`, `contract-party`, `source`,
/// `collected-at` (when the fields were collected: a date or an ISO 8601 instant), one
/// `event:NAME` column per lifecycle event (its date), then one column per field.
/// JSON Lines: `{"id", "category", "kind", "contract-party", "source", "collected-at",
/// "events": {"file-opened": "2025-01-10"}, "values": {field: value}}`; `collected-at` may
/// also be an object of instants per field.
///
/// Every problem is reported with its line (and column, for CSV), never with a value.
///
/// The file is read twice, so that an import of millions holds one page of subjects at a
/// time, never the whole file's: `parse` checks every line and keeps only the ids and their
/// lines; `forEachPage` reads it again and hands the subjects on a page at a time, which the
/// vault stores inside its one transaction.
///
/// ```swift
/// let parsed = SubjectImport.parse(text, fileName: "people.csv", policy: engine.policy)
/// let problems = try engine.importSubjects(parsed, by: "officer")
/// ```
package struct SubjectImport: Sendable {
    package struct Problem: Sendable, CustomStringConvertible {
        package let line: Int
        package let message: String
        package var description: String { "line \(line): \(message)" }
    }

    package let problems: [Problem]
    /// The subjects' ids, in the file's order.
    package let ids: [String]
    /// The line each subject came from.
    package let lines: [String: Int]
    /// The file, read again by `forEachPage`.
    private let data: Data
    private let isJSONLines: Bool
    private let policy: CompiledPolicy
    /// Subjects handed on at a time by `forEachPage`.
    package let pageSize: Int

    /// Subjects an import holds at a time, unless told otherwise.
    package static let defaultPageSize = 5_000

    static let metadataColumns: Set<String> = ["id", "category", "kind", "contract-party", "source", "collected-at"]
    static let jsonKeys = ["id", "category", "kind", "contract-party", "source", "collected-at", "events", "values"]
    static let eventPrefix = "event:"

    /// One row as read, before it is checked against the policy.
    private struct Row {
        var line: Int
        var metadata: [String: String] = [:]
        var values: [String: String] = [:]
        var events: [(name: String, date: String)] = []
        var collectedAt: [String: String] = [:]
        /// The CSV column of each key, for messages.
        var columns: [String: Int] = [:]
    }

    /// Checks `text`; JSON Lines when the file name ends in .jsonl or .ndjson, else CSV.
    package static func parse(_ text: String, fileName: String, policy: CompiledPolicy, pageSize: Int = defaultPageSize) -> SubjectImport {
        parse(Data(text.utf8), fileName: fileName, policy: policy, pageSize: pageSize)
    }

    /// Checks every line of `data` (UTF-8) against the policy and the import's rules, keeping
    /// the problems and the good lines' ids, not the subjects.
    package static func parse(_ data: Data, fileName: String, policy: CompiledPolicy, pageSize: Int = defaultPageSize) -> SubjectImport {
        precondition(pageSize > 0, "a page holds at least one subject")
        let isJSONLines = fileName.hasSuffix(".jsonl") || fileName.hasSuffix(".ndjson")
        var problems: [Problem] = []
        var seen: [String: Int] = [:]
        var ids: [String] = []
        if isUTF8(data) {
            forEachRow(of: data, isJSONLines: isJSONLines, problems: &problems) { row, problems in
                if let subject = check(row, policy: policy, seen: &seen, problems: &problems) { ids.append(subject.id) }
            }
        } else {
            problems.append(Problem(line: 1, message: "is not UTF-8 text"))
        }
        return SubjectImport(problems: problems.sorted { $0.line < $1.line }, ids: ids, lines: seen, data: data, isJSONLines: isJSONLines, policy: policy,
                             pageSize: pageSize)
    }

    /// The subjects `ids` names, read again from the file and handed on `pageSize` at a time,
    /// in the file's order. Only for a parse without problems; a line that reads differently
    /// the second time stops it with an error.
    package func forEachPage(_ body: ([NewSubject]) throws -> Void) throws {
        let size = pageSize
        guard problems.isEmpty else { throw StoreError.invalidInput("a file with problems is not imported") }
        var page: [NewSubject] = []
        page.reserveCapacity(min(size, ids.count))
        var handedOn = 0
        var unused: [Problem] = []
        let policy = policy
        try Self.forEachRow(of: data, isJSONLines: isJSONLines, problems: &unused) { row, problems in
            // Each id was checked once against the others; alone here, so nothing is held for it.
            var alone: [String: Int] = [:]
            guard let subject = Self.check(row, policy: policy, seen: &alone, problems: &problems), handedOn < ids.count, subject.id == ids[handedOn] else {
                throw StoreError.integrity("line \(row.line) of the import read differently the second time")
            }
            handedOn += 1
            page.append(subject)
            if page.count == size {
                try body(page)
                page.removeAll(keepingCapacity: true)
            }
        }
        if !page.isEmpty { try body(page) }
        guard handedOn == ids.count else { throw StoreError.integrity("the import read \(handedOn) subjects the second time, not \(ids.count)") }
    }

    /// Whether `data` is well-formed UTF-8, without making a string of it.
    package static func isUTF8(_ data: Data) -> Bool {
        data.withUnsafeBytes { raw in
            var bytes = raw.bindMemory(to: UInt8.self).makeIterator()
            var decoder = UTF8()
            while true {
                switch decoder.decode(&bytes) {
                case .scalarValue: continue
                case .emptyInput: return true
                case .error: return false
                }
            }
        }
    }

    /// Every row of the file, in order, each handed to `body` with the problems so far.
    private static func forEachRow(of data: Data, isJSONLines: Bool, problems: inout [Problem],
                                   _ body: (Row, inout [Problem]) throws -> Void) rethrows {
        if isJSONLines { try jsonLines(data, problems: &problems, body) } else { try csv(data, problems: &problems, body) }
    }

    private static func csv(_ data: Data, problems: inout [Problem], _ body: (Row, inout [Problem]) throws -> Void) rethrows {
        var header: [String]?
        var headerOK = false
        let malformed = try CSVRecords.forEach(in: data) { record in
            guard let header else {
                header = record.fields
                headerOK = checkHeader(record.fields, line: record.line, problems: &problems)
                return
            }
            guard headerOK else { return }
            guard record.fields.count == header.count else {
                problems.append(Problem(line: record.line, message: "has \(record.fields.count) columns, the header has \(header.count)"))
                return
            }
            var row = Row(line: record.line)
            for (index, (name, cell)) in zip(header, record.fields).enumerated() where !cell.isEmpty {
                row.columns[name] = index + 1
                if metadataColumns.contains(name) {
                    if name == "collected-at" { row.collectedAt["*"] = cell } else { row.metadata[name] = cell }
                } else if name.hasPrefix(eventPrefix) {
                    row.events.append((String(name.dropFirst(eventPrefix.count)), cell))
                } else {
                    row.values[name] = cell
                }
            }
            try body(row, &problems)
        }
        if let malformed {
            problems.append(Problem(line: malformed.line, message: "column \(malformed.column): \(malformed.message)"))
        } else if header == nil {
            problems.append(Problem(line: 1, message: "is not CSV with a header row"))
        }
    }

    /// Whether a header row names each column once; its problems otherwise.
    private static func checkHeader(_ header: [String], line: Int, problems: inout [Problem]) -> Bool {
        var headerOK = true
        var firstColumn: [String: Int] = [:]
        for (index, name) in header.enumerated() {
            if name.isEmpty {
                problems.append(Problem(line: line, message: "column \(index + 1): the header is empty"))
                headerOK = false
            } else if let first = firstColumn[name] {
                problems.append(Problem(line: line, message: "column \(index + 1): header '\(name)' repeats column \(first)"))
                headerOK = false
            } else {
                firstColumn[name] = index + 1
            }
        }
        return headerOK
    }

    private static func jsonLines(_ data: Data, problems: inout [Problem], _ body: (Row, inout [Problem]) throws -> Void) rethrows {
        try data.withUnsafeBytes { raw in
            let bytes = raw.bindMemory(to: UInt8.self)
            var start = 0
            var number = 0
            while start <= bytes.count {
                let end = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count
                number += 1
                let line = UnsafeBufferPointer(rebasing: bytes[start..<end])
                start = end + 1
                // A blank line (spaces, tabs, a carriage return) is skipped.
                guard line.contains(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0D }) else { continue }
                if let row = jsonRow(line, number: number, problems: &problems) { try body(row, &problems) }
            }
        }
    }

    /// One line of JSON Lines as a row; nil (with problems) when it is not one.
    private static func jsonRow(_ line: UnsafeBufferPointer<UInt8>, number: Int, problems: inout [Problem]) -> Row? {
        // Repeated and unknown keys are refused before the object is read.
        if let problem = StrictJSON.check(line, shape: .importLine) {
            problems.append(Problem(line: number, message: problem))
            return nil
        }
        guard let object = try? JSONSerialization.jsonObject(with: Data(buffer: line)) as? [String: Any] else {
            problems.append(Problem(line: number, message: "not a JSON object"))
            return nil
        }
        var row = Row(line: number)
        var bad = false
        func text(_ value: Any, _ path: String) -> String? {
            if let string = value as? String { return string }
            if let number = value as? NSNumber { return number.stringValue }
            problems.append(Problem(line: number, message: "\(path) must be a text or a number"))
            bad = true
            return nil
        }
        for key in ["id", "category", "kind", "contract-party", "source"] {
            if let value = object[key], !(value is NSNull) { row.metadata[key] = text(value, "$.\(key)") }
        }
        switch object["collected-at"] {
        case nil, is NSNull: break
        case let perField as [String: Any]:
            for (field, value) in perField { row.collectedAt[field] = text(value, "$.collected-at.\(field)") }
        case let value?: row.collectedAt["*"] = text(value, "$.collected-at")
        }
        switch object["events"] {
        case nil, is NSNull: break
        case let events as [String: Any]:
            for (name, value) in events.sorted(by: { $0.key < $1.key }) {
                if let date = text(value, "$.events.\(name)") { row.events.append((name, date)) }
            }
        default:
            problems.append(Problem(line: number, message: "$.events must be an object of event names and dates"))
            bad = true
        }
        switch object["values"] {
        case nil, is NSNull: break
        case let values as [String: Any]:
            for (field, value) in values { row.values[field] = text(value, "$.values.\(field)") }
        default:
            problems.append(Problem(line: number, message: "$.values must be an object of fields and values"))
            bad = true
        }
        return bad ? nil : row
    }

    /// Why a lifecycle event's date is refused (`LifecycleEventDates`, on real
    /// time as the rest of an import's checks), or nil.
    private static func eventDateProblem(_ date: LocalDate, policy: CompiledPolicy) -> String? {
        LifecycleEventDates.problem(date, today: policy.localDate(of: .now))?.description
    }

    /// The row against the policy and the import rules; nil (with problems) when it fails.
    private static func check(_ row: Row, policy: CompiledPolicy, seen: inout [String: Int], problems: inout [Problem]) -> NewSubject? {
        let line = row.line
        func at(_ key: String) -> String { row.columns[key].map { "column \($0) (\(key))" } ?? "'\(key)'" }
        func problem(_ message: String) -> NewSubject? { problems.append(Problem(line: line, message: message)); return nil }
        guard let id = row.metadata["id"], !id.isEmpty else { return problem("has no id") }
        if let invalid = SubjectId.problem(id) { return problem("\(at("id")): \(invalid)") }
        if let first = seen[id] { return problem("repeats subject \(id) of line \(first)") }
        seen[id] = line
        let categories = (row.metadata["category"] ?? "").split(separator: ";").map { String($0).trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        if categories.isEmpty { return problem("subject \(id): \(at("category")): no category") }
        if let undeclared = categories.first(where: { policy.subjects.id($0) == nil }) {
            return problem("subject \(id): \(at("category")): category '\(undeclared)' is not declared in the policy")
        }
        let category = categories[0]
        let kind = row.metadata["kind"].map { SubjectKind(rawValue: $0) } ?? .naturalPerson
        guard let kind else { return problem("subject \(id): \(at("kind")) must be natural-person or sole-trader") }
        let contractParty = row.metadata["contract-party"].map { $0 == "true" || $0 == "1" } ?? false
        if let party = row.metadata["contract-party"], !["true", "false", "1", "0"].contains(party) {
            return problem("subject \(id): \(at("contract-party")) must be true or false")
        }
        let unknown = row.values.keys.filter { policy.fields.id($0) == nil }.sorted()
        if !unknown.isEmpty {
            let hints = unknown.map { field in closestMatch(to: field, in: policy.policy.fields.map(\.id.id)).map { "\(field) (did you mean \($0)?)" } ?? field }
            return problem("subject \(id): unknown field \(hints.joined(separator: ", "))")
        }
        var failed = false
        for (field, value) in row.values.sorted(by: { $0.key < $1.key }) {
            if let invalid = FieldValueRules.problem(field: field, value: value, policy: policy, today: policy.localDate(of: .now)) {
                problems.append(Problem(line: line, message: "subject \(id): \(at(field)): \(invalid)"))
                failed = true
            }
        }
        var events: [LifecycleEventFact] = []
        for (name, text) in row.events {
            guard name == "collected" || policy.policy.lifecycleEvents.contains(where: { $0.id.id == name }) else {
                let hint = closestMatch(to: name, in: policy.policy.lifecycleEvents.map(\.id.id)).map { "; did you mean '\($0)'?" } ?? ""
                problems.append(Problem(line: line, message: "subject \(id): \(at(eventPrefix + name)): lifecycle event '\(name)' is not declared in the policy\(hint)"))
                failed = true
                continue
            }
            guard let date = LocalDate(parsing: text) else {
                problems.append(Problem(line: line, message: "subject \(id): \(at(eventPrefix + name)): the date of '\(name)' must be YYYY-MM-DD"))
                failed = true
                continue
            }
            // As `event record` refuses it: an event that has not happened yet starts a
            // retention period that has not begun.
            if let refusal = Self.eventDateProblem(date, policy: policy) {
                problems.append(Problem(line: line, message: "subject \(id): \(at(eventPrefix + name)): \(refusal)"))
                failed = true
                continue
            }
            events.append(LifecycleEventFact(event: name, date: date))
        }
        var collectedAt: [String: Instant] = [:]
        for (field, text) in row.collectedAt.sorted(by: { $0.key < $1.key }) {
            guard field == "*" || row.values[field] != nil else {
                problems.append(Problem(line: line, message: "subject \(id): collected-at names field '\(field)', which the line does not carry"))
                failed = true
                continue
            }
            guard let instant = Instant(iso8601: text) ?? LocalDate(parsing: text).flatMap({ (1900...9999).contains($0.year) ? policy.startOfDay($0) : nil }) else {
                problems.append(Problem(line: line, message: "subject \(id): \(at("collected-at")): must be a date (YYYY-MM-DD) or an ISO 8601 instant with offset"))
                failed = true
                continue
            }
            guard instant <= .now else {
                problems.append(Problem(line: line, message: "subject \(id): \(at("collected-at")): lies in the future"))
                failed = true
                continue
            }
            collectedAt[field] = instant
        }
        guard !failed else { return nil }
        return NewSubject(id: id, category: category, otherCategories: Array(categories.dropFirst()), kind: kind, contractParty: contractParty,
                          values: row.values, source: row.metadata["source"] ?? "import", collectedAt: collectedAt, events: events)
    }
}

extension PrivacyEngine {
    /// Imports every subject of a parsed file, or none: problems in the file, or ids already
    /// in the vault, stop the whole import.
    package func importSubjects(_ parsed: SubjectImport, by actor: String) throws -> [SubjectImport.Problem] {
        let problems = parsed.problems(existing: try store.vault.existingSubjects(parsed.ids))
        guard problems.isEmpty else { return problems }
        try store.vault.importSubjects(at: clock(), by: actor) { try parsed.forEachPage($0) }
        return []
    }

    /// The imported subjects that the next retention sweep would touch today: their data is
    /// held by no purpose that is under way (a debtor without a `file-opened` event, say).
    /// `subject import` warns about them; an import is rarely meant to be swept away.
    package func unheldAfterImport(_ subjects: [String]) throws -> [RetentionSchedule.Plan] {
        try SubjectImport.unheld(subjects, policy: policy, today: policy.localDate(of: clock())) { try store.vault.facts(of: $0) }
    }
}

/// The import's rules, the same on either backend.
extension SubjectImport {
    /// The parse's problems and the ids already in the vault, in line order; empty when the
    /// import may go ahead.
    package func problems(existing: Set<String>) -> [Problem] {
        var found = problems
        for id in existing { found.append(Problem(line: lines[id] ?? 0, message: "subject \(id) is already in the vault")) }
        return found.sorted { $0.line < $1.line }
    }

    /// The imported subjects that the next retention sweep would touch today.
    package static func unheld(_ subjects: [String], policy: CompiledPolicy, today: LocalDate,
                               facts: (String) throws -> Facts?) throws -> [RetentionSchedule.Plan] {
        let schedule = RetentionSchedule(policy: policy)
        return try subjects.compactMap { id in
            guard let facts = try facts(id) else { return nil }
            let plan = schedule.plan(for: facts, on: today)
            return plan.expired.isEmpty ? nil : plan
        }
    }
}
