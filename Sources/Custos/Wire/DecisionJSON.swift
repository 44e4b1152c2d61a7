import CustosDecision

/// Writes a decision as one line of JSON, byte for byte what `JSONEncoder` with sorted keys and
/// unescaped slashes writes (a test holds the two equal), without its generic machinery: the
/// batch path spent most of its time in `JSONEncoder`. Keys and punctuation are written as
/// whole literals; values are copied whole unless they hold a byte that needs escaping.
enum DecisionJSON {
    /// The `policy-digest` member for one digest, escaped once: every decision of a batch
    /// carries the same one.
    struct DigestMember {
        let digest: String
        let bytes: [UInt8]

        init(_ digest: String) {
            self.digest = digest
            let out = ByteBuffer()
            out.append(",\"policy-digest\":")
            string(digest, out)
            bytes = Array(out.bytes)
        }
    }

    static func append(_ decision: Decision, to out: ByteBuffer, digest: DigestMember? = nil) {
        out.append("{\"action\":")
        Self.actions.append(decision.action, to: out)
        out.append(",\"actor\":")
        string(decision.actor, out)
        if let basis = decision.basis {
            out.append(",\"basis\":")
            Self.bases.append(basis, to: out)
        }
        out.append(",\"fields\":[")
        // Elements are read in place: `enumerated()` copied each one out, retaining and
        // releasing every string and list it holds.
        decision.fields.withUnsafeBufferPointer { fields in
            for index in fields.indices {
                out.append(index == 0 ? "{\"field\":" : ",{\"field\":")
                string(fields[index].field, out)
                out.append(fields[index].outcome == .permit ? ",\"outcome\":\"permit\",\"reasons\":[" : ",\"outcome\":\"deny\",\"reasons\":[")
                fields[index].reasons.withUnsafeBufferPointer { codes in
                    for position in codes.indices {
                        if position > 0 { out.append(UInt8(ascii: ",")) }
                        Self.codes.append(codes[position], to: out)
                    }
                }
                out.append("]}")
            }
        }
        out.append(decision.hypothetical ? "],\"hypothetical\":true,\"obligations\":[" : "],\"hypothetical\":false,\"obligations\":[")
        for (index, obligation) in decision.obligations.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            Self.obligations.append(obligation, to: out)
        }
        switch decision.outcome {
        case .permit: out.append("],\"outcome\":\"permit\"")
        case .partial: out.append("],\"outcome\":\"partial\"")
        case .deny: out.append("],\"outcome\":\"deny\"")
        }
        if let digest, digest.digest == decision.policyDigest {
            digest.bytes.withUnsafeBufferPointer { out.append($0) }
        } else {
            out.append(",\"policy-digest\":")
            string(decision.policyDigest, out)
        }
        out.append(",\"purpose\":")
        string(decision.purpose, out)
        out.append(",\"reasons\":[")
        decision.reasons.withUnsafeBufferPointer { reasons in
            for index in reasons.indices {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                Self.reasonOpenings[reasons[index].code.position].withUnsafeBufferPointer { out.append($0) }
                // In place: as a method call on the element, the explanation was copied out.
                Reason.forEachExplanationPiece(of: reasons.baseAddress! + index,
                                               literal: { if !out.appendPlainLiteral($0) { escaped($0, out) } },
                                               text: { escaped($0, out) })
                out.append("\",\"fields\":[")
                reasons[index].fields.withUnsafeBufferPointer { fields in
                    for position in fields.indices {
                        if position > 0 { out.append(UInt8(ascii: ",")) }
                        string(fields[position], out)
                    }
                }
                out.append("]}")
            }
        }
        out.append("]")
        if let recipient = decision.recipient {
            out.append(",\"recipient\":")
            string(recipient, out)
        }
        out.append(",\"subject\":")
        string(decision.subject, out)
        out.append(UInt8(ascii: "}"))
    }

    private static let actions = QuotedCases<Action>()
    private static let bases = QuotedCases<LegalBasis>()
    private static let obligations = QuotedCases<Obligation>()
    private static let codes = QuotedCases<ReasonCode>()

    /// Per reason code (by `position`), the bytes from a reason's opening brace to the first
    /// quote of its explanation: constants, escaped once.
    private static let reasonOpenings: [[UInt8]] = ReasonCode.allCases.map { code in
        let out = ByteBuffer()
        out.append("{\"article\":")
        string(code.article, out)
        out.append(",\"code\":")
        string(code.rawValue, out)
        out.append(",\"explanation\":\"")
        return Array(out.bytes)
    }

    /// The decision as bytes, for tests and single decisions.
    static func bytes(_ decision: Decision) -> [UInt8] {
        let out = ByteBuffer()
        append(decision, to: out)
        return Array(out.bytes)
    }

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    static func string(_ text: String, _ out: ByteBuffer) {
        out.append(UInt8(ascii: "\""))
        // Read in place (a native or small string always is): a mutable copy for `withUTF8`
        // retained and released the string on every value written.
        if text.utf8.withContiguousStorageIfAvailable({ escaped($0, out) }) == nil {
            var text = text
            text.withUTF8 { escaped($0, out) }
        }
        out.append(UInt8(ascii: "\""))
    }

    private static func escaped(_ bytes: UnsafeBufferPointer<UInt8>, _ out: ByteBuffer) {
        // Most values need no escaping: copied whole, checked as they are copied.
        if out.appendIfPlain(bytes) { return }
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "\""): out.append("\\\"")
            case UInt8(ascii: "\\"): out.append("\\\\")
            case 0x0A: out.append("\\n")
            case 0x0D: out.append("\\r")
            case 0x09: out.append("\\t")
            case 0x08: out.append("\\b")
            case 0x0C: out.append("\\f")
            case 0..<0x20:
                out.append("\\u00")
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 15)])
            default: out.append(byte)
            }
        }
    }
}
