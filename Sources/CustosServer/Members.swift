import Foundation
import Custos
import CustosStore

/// The members of one JSON object of a request body, read by type: a member of the wrong type
/// is a 400 naming its JSON path, never ignored or coerced. Absent and `null` are the same
/// (the OpenAPI document declares optional members nullable).
struct Members {
    let object: [String: Any]
    /// The object's JSON path, for messages: `$`, `$.requests[3]`.
    let path: String

    init(_ object: [String: Any], path: String = "$") {
        self.object = object
        self.path = path
    }

    func has(_ key: String) -> Bool { object[key].map { !($0 is NSNull) } ?? false }

    private func value(_ key: String) -> Any? {
        guard let value = object[key], !(value is NSNull) else { return nil }
        return value
    }

    func wrong(_ key: String, _ expected: String) -> Problem { Problem.badRequest("\(path).\(key) must be \(expected)") }

    func text(_ key: String) throws -> String? {
        guard let value = value(key) else { return nil }
        guard let text = value as? String, !(value is NSNumber) else { throw wrong(key, "a text") }
        return text
    }

    func requiredText(_ key: String) throws -> String {
        guard let text = try text(key) else { throw wrong(key, "a text") }
        return text
    }

    /// An id: a text without control characters (they can only hide what an id says).
    func id(_ key: String) throws -> String? {
        guard let text = try text(key) else { return nil }
        guard !Self.hasControlCharacter(text) else { throw wrong(key, "an id without control characters") }
        return text
    }

    /// A label that records how or where something arrived (a channel, a source): a text
    /// without control characters that is not empty or only spaces (the contract's `Label`).
    func label(_ key: String) throws -> String? {
        guard let text = try text(key) else { return nil }
        guard LabelText.problem(text, .english(key)) == nil else { throw wrong(key, "a text that is not empty or blank, without control characters") }
        return text
    }

    func requiredLabel(_ key: String) throws -> String {
        guard let label = try label(key) else { throw wrong(key, "a text") }
        return label
    }

    func requiredId(_ key: String) throws -> String {
        guard let id = try id(key) else { throw wrong(key, "a text") }
        return id
    }

    func bool(_ key: String) throws -> Bool? {
        guard let value = value(key) else { return nil }
        guard let number = value as? NSNumber, Self.isBoolean(number) else { throw wrong(key, "true or false") }
        return number.boolValue
    }

    /// A whole number within `range`.
    func integer(_ key: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let value = value(key) else { return nil }
        // JSON Schema's integer is any number without a fraction: 5 and 5.0 alike.
        guard let number = value as? NSNumber, !Self.isBoolean(number), number.doubleValue.rounded() == number.doubleValue,
              Double(range.lowerBound) <= number.doubleValue, number.doubleValue <= Double(range.upperBound) else {
            throw wrong(key, "a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return Int(number.doubleValue)
    }

    /// A list of ids, `minimum` to `maximum` of them.
    func ids(_ key: String, minimum: Int = 0, maximum: Int) throws -> [String]? {
        guard let value = value(key) else { return nil }
        guard let list = value as? [Any], list.count >= minimum, list.count <= maximum else {
            throw wrong(key, "a list of \(minimum) to \(maximum) ids")
        }
        // Each id once: a field or purpose named twice would be decided, logged and recorded
        // twice (the contract says uniqueItems).
        var seen = Set<String>()
        return try list.enumerated().map { index, item in
            guard let text = item as? String, !(item is NSNumber), !Self.hasControlCharacter(text) else {
                throw Problem.badRequest("\(path).\(key)[\(index)] must be an id without control characters")
            }
            guard seen.insert(text).inserted else { throw Problem.badRequest("\(path).\(key)[\(index)] names an id the list already holds") }
            return text
        }
    }

    func object(_ key: String) throws -> Members? {
        guard let value = value(key) else { return nil }
        guard let object = value as? [String: Any] else { throw wrong(key, "an object") }
        return Members(object, path: "\(path).\(key)")
    }

    /// One of `allowed` (an enumeration's raw values).
    func choice(_ key: String, of allowed: [String]) throws -> String? {
        guard let text = try text(key) else { return nil }
        guard allowed.contains(text) else { throw wrong(key, "one of " + allowed.joined(separator: ", ")) }
        return text
    }

    /// JSONSerialization gives booleans as NSNumber too: a boolean's Objective-C type is "c".
    static func isBoolean(_ number: NSNumber) -> Bool { String(cString: number.objCType) == "c" }

    /// C0 and C1 controls and DEL: the decision request's own rule, so every route refuses
    /// the same ids.
    static func hasControlCharacter(_ text: String) -> Bool { DecisionRequest.hasControlCharacter(text) }
}
