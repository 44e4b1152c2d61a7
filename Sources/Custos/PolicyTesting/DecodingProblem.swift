internal import Yams

/// Turns a `DecodingError` into a message and, where the YAML tree allows, a position: the
/// coding path is walked through the composed nodes to the offending one.
enum DecodingProblem {
    static func describe(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "cannot be read: \(type(of: error))" }
        switch error {
        case let .keyNotFound(key, context):
            return "\(path(context.codingPath)) needs '\(key.stringValue)'"
        case let .typeMismatch(type, context):
            return "\(path(context.codingPath)) must be \(describe(type))"
        case let .valueNotFound(type, context):
            return "\(path(context.codingPath)) must be \(describe(type)), found nothing"
        case let .dataCorrupted(context):
            // Only our own messages pass through: the decoders' texts may quote the value,
            // and facts carry personal data.
            let ours = context.debugDescription.hasPrefix("not ")
            return "\(path(context.codingPath)): \(ours ? context.debugDescription : "has a value that is not allowed here")"
        @unknown default:
            return "cannot be read"
        }
    }

    static func path(_ codingPath: [any CodingKey]) -> String {
        guard !codingPath.isEmpty else { return "the value" }
        return codingPath.map { key in key.intValue.map { "[\($0)]" } ?? ".\(key.stringValue)" }.joined().trimmingPrefix(".").description
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a text"
        case is Bool.Type: "true or false"
        case is Int.Type: "a whole number"
        default: "a \(type)"
        }
    }

    /// The position of the node the error's coding path leads to, as far as it exists.
    static func location(of error: any Error, in root: Node, file: String) -> SourceLocation? {
        guard let error = error as? DecodingError else { return nil }
        let codingPath: [any CodingKey]
        switch error {
        case let .keyNotFound(_, context), let .typeMismatch(_, context), let .valueNotFound(_, context), let .dataCorrupted(context):
            codingPath = context.codingPath
        @unknown default:
            return nil
        }
        var node = root
        for key in codingPath {
            if let index = key.intValue, case let .sequence(items) = node, index < items.count {
                node = items[index]
            } else if case let .mapping(mapping) = node, let value = mapping[key.stringValue] {
                node = value
            } else {
                break
            }
        }
        guard let mark = node.mark else { return nil }
        return SourceLocation(file: file, line: mark.line, column: mark.column)
    }
}
