package import Foundation
import CustosPolicy

/// A strict reading of request and facts JSON before any decoder sees it. `JSONDecoder`
/// ignores unknown keys and keeps one of two repeated keys, so a misspelt `"restrictionz"`
/// would silently drop a restriction and turn a deny into a permit. This check refuses an
/// unknown key (with the nearest allowed one), a repeated key, nesting deeper than
/// `maximumDepth` and anything that is not JSON, naming the JSON path at fault and never a
/// value.
///
/// ```swift
/// try StrictJSON.check(data, shape: .request, what: "request")   // throws InputError
/// ```
package enum StrictJSON {
    static let maximumDepth = 32

    /// Where the text stops being JSON is named by line and column too (a file of several
    /// lines, `--request` or `--facts`, needs more than the path to find it); a key or a value
    /// that is not the one expected is named by its path alone.
    package static func check(_ data: Data, shape: WireShape, what: String) throws(InputError) {
        let problem: String? = data.withUnsafeBytes { raw in
            let bytes = raw.bindMemory(to: UInt8.self)
            var scanner = Scanner(bytes: bytes)
            guard let problem = scanner.document(shape: shape) else { return nil }
            guard let failedAt = scanner.failedAt else { return problem }
            let (line, column) = position(of: failedAt, in: bytes)
            return "line \(line), column \(column): \(problem)"
        }
        if let problem { throw InputError(message: "\(what): \(problem)") }
    }

    /// The line and character column (from 1) of a byte offset.
    static func position(of offset: Int, in bytes: UnsafeBufferPointer<UInt8>) -> (line: Int, column: Int) {
        var line = 1, column = 1
        for byte in bytes[..<min(offset, bytes.count)] {
            if byte == 0x0A {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
        }
        return (line, column)
    }

    static func check(_ bytes: UnsafeBufferPointer<UInt8>, shape: WireShape) -> String? {
        var scanner = Scanner(bytes: bytes)
        return scanner.document(shape: shape)
    }

    private struct Scanner {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0
        /// Where the text stopped being JSON, when that is the problem.
        var failedAt: Int?

        init(bytes: UnsafeBufferPointer<UInt8>) {
            self.bytes = bytes
        }

        mutating func document(shape: WireShape) -> String? {
            skipSpace()
            if let problem = value(shape: shape, path: "$", depth: 1) { return problem }
            skipSpace()
            return index == bytes.count ? nil : syntax("$: text follows the JSON value")
        }

        mutating func skipSpace() {
            while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x0D || bytes[index] == 0x09 { index += 1 }
        }

        var current: UInt8? { index < bytes.count ? bytes[index] : nil }

        /// A problem of JSON itself, at the scanner's place.
        mutating func syntax(_ problem: String, at offset: Int? = nil) -> String {
            failedAt = offset ?? index
            return problem
        }

        mutating func value(shape declared: WireShape?, path: String, depth: Int) -> String? {
            let shape: WireShape? = if case .any? = declared { nil } else { declared }
            guard depth <= StrictJSON.maximumDepth else { return "\(path): nested deeper than \(StrictJSON.maximumDepth) levels" }
            switch current {
            case UInt8(ascii: "{"):
                if case .scalar? = shape { return "\(path) must not be an object" }
                if case .scalars? = shape { return "\(path) must be a list of values" }
                if case .list? = shape { return "\(path) must be a list" }
                return object(shape: shape, path: path, depth: depth)
            case UInt8(ascii: "["):
                if case .scalar? = shape { return "\(path) must not be a list" }
                if case .object? = shape { return "\(path) must be an object" }
                let element: WireShape? = switch shape {
                case let .list(inner)?: inner
                case .scalars?: .scalar
                default: nil
                }
                return list(element: element, path: path, depth: depth)
            case UInt8(ascii: "\""):
                let start = index
                return string() == nil ? syntax("\(path): a text is not valid JSON (bad escape, control character or UTF-8)", at: start) : nil
            case nil:
                return syntax("\(path): the JSON ends too early")
            default:
                let start = index
                return scalar() ? nil : syntax("\(path): not valid JSON", at: start)
            }
        }

        mutating func object(shape: WireShape?, path: String, depth: Int) -> String? {
            index += 1
            skipSpace()
            if current == UInt8(ascii: "}") { index += 1; return nil }
            var seen: Set<String> = []
            while true {
                skipSpace()
                let keyStart = index
                guard current == UInt8(ascii: "\""), let key = string() else { return syntax("\(path): an object key must be a text", at: keyStart) }
                let keyPath = path + "." + (key.count > 64 ? String(key.prefix(64)) + "…" : key)
                guard seen.insert(key).inserted else { return "\(keyPath) appears twice" }
                var memberShape: WireShape?
                if let shape {
                    guard let known = shape.member(key) else {
                        let hint = closestMatch(to: key, in: shape.keys).map { "; did you mean '\($0)'?" } ?? ""
                        return "\(keyPath) is not a known key\(hint)"
                    }
                    memberShape = known
                }
                skipSpace()
                guard current == UInt8(ascii: ":") else { return syntax("\(keyPath): expected ':'") }
                index += 1
                skipSpace()
                if let problem = value(shape: memberShape, path: keyPath, depth: depth + 1) { return problem }
                skipSpace()
                switch current {
                case UInt8(ascii: ","): index += 1
                case UInt8(ascii: "}"): index += 1; return nil
                default: return syntax("\(path): expected ',' or '}'")
                }
            }
        }

        mutating func list(element: WireShape?, path: String, depth: Int) -> String? {
            index += 1
            skipSpace()
            if current == UInt8(ascii: "]") { index += 1; return nil }
            var position = 0
            while true {
                skipSpace()
                if let problem = value(shape: element, path: "\(path)[\(position)]", depth: depth + 1) { return problem }
                position += 1
                skipSpace()
                switch current {
                case UInt8(ascii: ","): index += 1
                case UInt8(ascii: "]"): index += 1; return nil
                default: return syntax("\(path): expected ',' or ']'")
                }
            }
        }

        /// A JSON string, unescaped; nil when it is not valid.
        mutating func string() -> String? {
            index += 1
            var text: [UInt8] = []
            while let byte = current {
                index += 1
                switch byte {
                case UInt8(ascii: "\""):
                    return String(validating: text, as: UTF8.self)
                case UInt8(ascii: "\\"):
                    guard let escape = current else { return nil }
                    index += 1
                    switch escape {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): text.append(escape)
                    case UInt8(ascii: "b"): text.append(8)
                    case UInt8(ascii: "f"): text.append(12)
                    case UInt8(ascii: "n"): text.append(10)
                    case UInt8(ascii: "r"): text.append(13)
                    case UInt8(ascii: "t"): text.append(9)
                    case UInt8(ascii: "u"):
                        guard var unit = hex4() else { return nil }
                        if (0xD800..<0xDC00).contains(unit) {
                            guard current == UInt8(ascii: "\\") else { return nil }
                            index += 1
                            guard current == UInt8(ascii: "u") else { return nil }
                            index += 1
                            guard let low = hex4(), (0xDC00..<0xE000).contains(low) else { return nil }
                            unit = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                        } else if (0xDC00..<0xE000).contains(unit) {
                            return nil
                        }
                        guard let scalar = Unicode.Scalar(unit) else { return nil }
                        text.append(contentsOf: Array(String(Character(scalar)).utf8))
                    default: return nil
                    }
                default:
                    guard byte >= 0x20 else { return nil }
                    text.append(byte)
                }
            }
            return nil
        }

        mutating func hex4() -> UInt32? {
            guard index + 4 <= bytes.count else { return nil }
            var value: UInt32 = 0
            for _ in 0..<4 {
                let byte = bytes[index]
                let digit: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
                default: return nil
                }
                value = value << 4 | UInt32(digit)
                index += 1
            }
            return value
        }

        /// true, false, null or a number as RFC 8259 writes it.
        mutating func scalar() -> Bool {
            for literal in ["true", "false", "null"] {
                let utf8 = Array(literal.utf8)
                if index + utf8.count <= bytes.count, Array(bytes[index..<index + utf8.count]) == utf8 {
                    index += utf8.count
                    return true
                }
            }
            let start = index
            if current == UInt8(ascii: "-") { index += 1 }
            guard let first = current, isDigit(first) else { return false }
            if first == UInt8(ascii: "0") { index += 1 } else { while let byte = current, isDigit(byte) { index += 1 } }
            if current == UInt8(ascii: ".") {
                index += 1
                guard let byte = current, isDigit(byte) else { return false }
                while let byte = current, isDigit(byte) { index += 1 }
            }
            if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
                index += 1
                if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { index += 1 }
                guard let byte = current, isDigit(byte) else { return false }
                while let byte = current, isDigit(byte) { index += 1 }
            }
            return index > start
        }

        func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
    }
}
