/// Writes a decision as one line of JSON, byte for byte what `JSONEncoder` with sorted keys and
/// unescaped slashes writes (a test holds the two equal), without its generic machinery: the
/// batch path spent most of its time in `JSONEncoder`.
enum DecisionJSON {
    static func append(_ decision: Decision, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "{"))
        key("action", &out, first: true); string(decision.action.rawValue, &out)
        key("actor", &out); string(decision.actor, &out)
        if let basis = decision.basis { key("basis", &out); string(basis.rawValue, &out) }
        key("fields", &out)
        list(decision.fields, &out) { field, out in
            out.append(UInt8(ascii: "{"))
            key("field", &out, first: true); string(field.field, &out)
            key("outcome", &out); string(field.outcome.rawValue, &out)
            key("reasons", &out); list(field.reasons, &out) { code, out in string(code.rawValue, &out) }
            out.append(UInt8(ascii: "}"))
        }
        key("hypothetical", &out); literal(decision.hypothetical ? "true" : "false", &out)
        key("obligations", &out); list(decision.obligations, &out) { obligation, out in string(obligation.rawValue, &out) }
        key("outcome", &out); string(decision.outcome.rawValue, &out)
        key("policy-digest", &out); string(decision.policyDigest, &out)
        key("purpose", &out); string(decision.purpose, &out)
        key("reasons", &out)
        list(decision.reasons, &out) { reason, out in
            out.append(UInt8(ascii: "{"))
            key("article", &out, first: true); string(reason.article, &out)
            key("code", &out); string(reason.code.rawValue, &out)
            key("explanation", &out); explanation(reason.message, &out)
            key("fields", &out); list(reason.fields, &out) { field, out in string(field, &out) }
            out.append(UInt8(ascii: "}"))
        }
        if let recipient = decision.recipient { key("recipient", &out); string(recipient, &out) }
        key("subject", &out); string(decision.subject, &out)
        out.append(UInt8(ascii: "}"))
    }

    private static func key(_ name: StaticString, _ out: inout [UInt8], first: Bool = false) {
        if !first { out.append(UInt8(ascii: ",")) }
        out.append(UInt8(ascii: "\""))
        name.withUTF8Buffer { out.append(contentsOf: $0) }
        out.append(UInt8(ascii: "\""))
        out.append(UInt8(ascii: ":"))
    }

    private static func literal(_ text: StaticString, _ out: inout [UInt8]) {
        text.withUTF8Buffer { out.append(contentsOf: $0) }
    }

    private static func list<T>(_ items: [T], _ out: inout [UInt8], _ element: (T, inout [UInt8]) -> Void) {
        out.append(UInt8(ascii: "["))
        for (index, item) in items.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            element(item, &out)
        }
        out.append(UInt8(ascii: "]"))
    }

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    static func string(_ text: String, _ out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { escaped($0, &out) }
        out.append(UInt8(ascii: "\""))
    }

    /// An explanation's pieces, escaped, without joining them into a string first.
    static func explanation(_ message: Explanation, _ out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        message.forEachUTF8Piece { escaped($0, &out) }
        out.append(UInt8(ascii: "\""))
    }

    private static func escaped(_ bytes: UnsafeBufferPointer<UInt8>, _ out: inout [UInt8]) {
        // Most values need no escaping: copy them whole.
        if !bytes.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            out.append(contentsOf: bytes)
            return
        }
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x0A: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0x08: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
            case 0x0C: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
            case 0..<0x20:
                out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hex[Int(byte >> 4)], hex[Int(byte & 15)]])
            default: out.append(byte)
            }
        }
    }
}
