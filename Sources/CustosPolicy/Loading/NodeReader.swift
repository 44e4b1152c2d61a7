internal import Yams

/// Collects diagnostics while a policy is read; local to one load, never shared.
final class DiagnosticSink {
    private(set) var items: [Diagnostic] = []

    func error(_ code: DiagnosticCode, _ message: String, at location: SourceLocation) {
        items.append(Diagnostic(.error, code, message, at: location))
    }

    func warning(_ code: DiagnosticCode, _ message: String, at location: SourceLocation) {
        items.append(Diagnostic(.warning, code, message, at: location))
    }
}

/// Typed reading of a composed YAML tree. Every mismatch is reported with the node's own
/// line and column and reading goes on, so one run shows every problem in a file.
struct NodeReader {
    let file: String
    let sink: DiagnosticSink

    func location(_ node: Node) -> SourceLocation {
        let mark = node.mark
        return SourceLocation(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1)
    }

    private func kindName(_ node: Node) -> String {
        switch node {
        case .scalar: "a scalar"
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .alias: "an alias"
        }
    }

    private func wrongType(_ node: Node, expected: String, what: String) {
        sink.error(.wrongType, "\(what) must be \(expected), found \(kindName(node))", at: location(node))
    }

    // MARK: containers

    /// The entries of a mapping, keys as strings, in file order.
    func entries(_ node: Node, what: String) -> [(key: String, keyNode: Node, value: Node)]? {
        guard case let .mapping(mapping) = node else {
            wrongType(node, expected: "a mapping", what: what)
            return nil
        }
        var result: [(String, Node, Node)] = []
        for (keyNode, value) in mapping {
            guard case let .scalar(scalar) = keyNode else {
                wrongType(keyNode, expected: "a scalar key", what: "a key in \(what)")
                continue
            }
            result.append((scalar.string, keyNode, value))
        }
        return result
    }

    func list(_ node: Node, what: String) -> [Node]? {
        if case let .sequence(sequence) = node { return Array(sequence) }
        wrongType(node, expected: "a list", what: what)
        return nil
    }

    /// An object with a fixed set of keys; unknown keys are reported with a suggestion.
    func object(_ node: Node, what: String, keys allowed: [String]) -> ObjectReader? {
        guard let items = entries(node, what: what) else { return nil }
        var values: [String: (Node, Node)] = [:]
        for item in items {
            if allowed.contains(item.key) {
                values[item.key] = (item.keyNode, item.value)
            } else {
                var message = "unknown key '\(item.key)' in \(what)"
                if let near = closestMatch(to: item.key, in: allowed) { message += "; did you mean '\(near)'?" }
                sink.error(.unknownKey, message, at: location(item.keyNode))
            }
        }
        return ObjectReader(reader: self, node: node, what: what, values: values)
    }

    // MARK: scalars

    func isNull(_ node: Node) -> Bool {
        if case let .scalar(scalar) = node { return scalar.style == .plain && (scalar.string.isEmpty || scalar.string == "~" || scalar.string == "null") }
        return false
    }

    func string(_ node: Node, what: String) -> String? {
        guard case let .scalar(scalar) = node else {
            wrongType(node, expected: "a text value", what: what)
            return nil
        }
        let text = scalar.string
        if scalar.style == .plain && text.isEmpty {
            sink.error(.invalidValue, "\(what) must not be empty", at: location(node))
            return nil
        }
        return text
    }

    func bool(_ node: Node, what: String) -> Bool? {
        guard case let .scalar(scalar) = node else {
            wrongType(node, expected: "true or false", what: what)
            return nil
        }
        switch scalar.string {
        case "true": return true
        case "false": return false
        default:
            sink.error(.wrongType, "\(what) must be true or false, found '\(scalar.string)'", at: location(node))
            return nil
        }
    }

    func int(_ node: Node, what: String, range: ClosedRange<Int>) -> Int? {
        guard case let .scalar(scalar) = node, let value = Int(scalar.string) else {
            wrongType(node, expected: "a whole number", what: what)
            return nil
        }
        guard range.contains(value) else {
            sink.error(.invalidValue, "\(what) must be between \(range.lowerBound) and \(range.upperBound), found \(value)", at: location(node))
            return nil
        }
        return value
    }

    func date(_ node: Node, what: String) -> LocalDate? {
        guard let text = string(node, what: what) else { return nil }
        guard let date = LocalDate(parsing: text) else {
            sink.error(.invalidValue, "\(what) must be a date as YYYY-MM-DD, found '\(text)'", at: location(node))
            return nil
        }
        return date
    }

    func duration(_ node: Node, what: String) -> CalendarDuration? {
        guard let text = string(node, what: what) else { return nil }
        guard let duration = CalendarDuration(parsing: text) else {
            sink.error(.invalidValue, "\(what) must be a period such as '5 years', '24 months' or '30 days', found '\(text)'", at: location(node))
            return nil
        }
        guard duration.isWithinBounds else {
            sink.error(.invalidValue, "\(what) is longer than \(CalendarDuration.longestYears) years ('\(text)'); no retention or validity lasts that long", at: location(node))
            return nil
        }
        return duration
    }

    func enumeration<E: PolicyEnumeration>(_ node: Node, what: String, as type: E.Type = E.self) -> E? {
        guard let text = string(node, what: what) else { return nil }
        if let value = E(rawValue: text) { return value }
        let allowed = E.allCases.map(\.rawValue)
        var message = "\(what) must be one of \(allowed.joined(separator: ", ")); found '\(text)'"
        if let near = closestMatch(to: text, in: allowed) { message += "; did you mean '\(near)'?" }
        sink.error(.invalidValue, message, at: location(node))
        return nil
    }

    func country(_ node: Node, what: String) -> String? {
        guard let text = string(node, what: what) else { return nil }
        guard Self.isCountryCode(text) else {
            sink.error(.invalidValue, "\(what) must be an ISO 3166 alpha-2 code such as NL, found '\(text)'", at: location(node))
            return nil
        }
        return text
    }

    static func isCountryCode(_ text: String) -> Bool {
        if text.hasPrefix("org:") { return text.count > 4 }
        return text.count == 2 && text.unicodeScalars.allSatisfy { ("A"..."Z").contains($0) }
    }

    /// A list of texts; a single text is accepted as a list of one.
    func strings(_ node: Node, what: String) -> [String]? {
        if case .scalar = node { return string(node, what: what).map { [$0] } }
        guard let items = list(node, what: what) else { return nil }
        return items.compactMap { string($0, what: "an entry of \(what)") }
    }

    func ref(_ node: Node, what: String) -> Ref? {
        string(node, what: what).map { Ref($0, at: location(node)) }
    }

    func refs(_ node: Node, what: String) -> [Ref]? {
        if case .scalar = node { return ref(node, what: what).map { [$0] } }
        guard let items = list(node, what: what) else { return nil }
        return items.compactMap { ref($0, what: "an entry of \(what)") }
    }
}

/// The keys of one YAML object, read by name. Missing required keys are reported at the
/// object's own position.
struct ObjectReader {
    let reader: NodeReader
    let node: Node
    let what: String
    let values: [String: (key: Node, value: Node)]

    var location: SourceLocation { reader.location(node) }

    func has(_ key: String) -> Bool { values[key] != nil }

    /// The value node of `key`, or nil (explicit nulls count as absent).
    func node(_ key: String) -> Node? {
        guard let value = values[key]?.value, !reader.isNull(value) else { return nil }
        return value
    }

    func keyLocation(_ key: String) -> SourceLocation? {
        values[key].map { reader.location($0.key) }
    }

    func required(_ key: String) -> Node? {
        if let value = node(key) { return value }
        reader.sink.error(.missingKey, "\(what) needs '\(key)'", at: location)
        return nil
    }

    func string(_ key: String) -> String? { node(key).flatMap { reader.string($0, what: "'\(key)' of \(what)") } }
    func requiredString(_ key: String) -> String? { required(key).flatMap { reader.string($0, what: "'\(key)' of \(what)") } }
    func bool(_ key: String, default value: Bool = false) -> Bool {
        node(key).flatMap { reader.bool($0, what: "'\(key)' of \(what)") } ?? value
    }
    func date(_ key: String) -> LocalDate? { node(key).flatMap { reader.date($0, what: "'\(key)' of \(what)") } }
    func duration(_ key: String) -> CalendarDuration? { node(key).flatMap { reader.duration($0, what: "'\(key)' of \(what)") } }
    func strings(_ key: String) -> [String] { node(key).flatMap { reader.strings($0, what: "'\(key)' of \(what)") } ?? [] }
    func ref(_ key: String) -> Ref? { node(key).flatMap { reader.ref($0, what: "'\(key)' of \(what)") } }
    func refs(_ key: String) -> [Ref] { node(key).flatMap { reader.refs($0, what: "'\(key)' of \(what)") } ?? [] }
    func enumeration<E: PolicyEnumeration>(_ key: String, as type: E.Type = E.self) -> E? {
        node(key).flatMap { reader.enumeration($0, what: "'\(key)' of \(what)", as: type) }
    }
}

/// The allowed word closest to a misspelt one, if it is close enough to be a typo. Words
/// longer than 64 characters are nobody's typo (and would cost a quadratic comparison).
package func closestMatch(to word: String, in candidates: [String]) -> String? {
    guard word.count <= 64 else { return nil }
    let limit = max(2, word.count / 3)
    var best: (String, Int)?
    for candidate in candidates {
        let distance = editDistance(word, candidate)
        if distance <= limit, distance < (best?.1 ?? .max) { best = (candidate, distance) }
    }
    return best?.0
}

func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous = Array(0...b.count)
    var current = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
        current[0] = i
        for j in 1...b.count {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        swap(&previous, &current)
    }
    return previous[b.count]
}
