package import Foundation
package import CustosDecision
package import CustosPolicy

/// The server's answers that carry a decision, written straight to bytes with the batch path's
/// writer: `{"decision":<docs/decisions.md>,"seq":<n or null>,"values":{…}}` with sorted keys,
/// byte for byte what the Foundation encoders write, without the three passes through them a
/// dictionary of values costs on every request.
package enum ServerAnswer {
    /// A decision, its log sequence number and, when `values` is given, the released values.
    package static func gated(_ decision: Decision, seq: Int64?, values: [String: String]?) -> [UInt8] {
        let out = ByteBuffer(capacity: 2048)
        out.append("{\"decision\":")
        DecisionJSON.append(decision, to: out)
        out.append(",\"seq\":")
        if let seq { for byte in String(seq).utf8 { out.append(byte) } } else { out.append("null") }
        if let values {
            out.append(",\"values\":{")
            for (index, key) in values.keys.sorted().enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                DecisionJSON.string(key, out)
                out.append(UInt8(ascii: ":"))
                DecisionJSON.string(values[key]!, out)
            }
            out.append(UInt8(ascii: "}"))
        }
        out.append(UInt8(ascii: "}"))
        return Array(out.bytes)
    }
}

/// A hypothetical decision's body (`{"request", "facts", "at"}`, the `decide --batch` line)
/// read straight from its bytes by the batch reader. Nil for anything but the documented shapes,
/// which the strict Codable path then reads and words the error of.
package enum HypotheticalBody {
    package static func read(_ body: Data, defaultActor: String) -> (request: DecisionRequest, facts: Facts, at: Instant?)? {
        body.withUnsafeBytes { raw -> (request: DecisionRequest, facts: Facts, at: Instant?)? in
            var line = BatchLineReader.Line()
            guard BatchLineReader.read(raw.bindMemory(to: UInt8.self), context: BatchLineReader.Context(), into: &line, defaultActor: defaultActor) else {
                return nil
            }
            return (line.request, line.facts, line.at)
        }
    }
}

/// A decision request body (`/v1/decisions`) read straight from its bytes; nil for anything
/// but the documented shape, which the strict Codable path then reads.
package enum DecisionRequestBody {
    package static func read(_ body: Data, defaultActor: String) -> DecisionRequest? {
        body.withUnsafeBytes { raw in BatchLineReader.readRequest(raw.bindMemory(to: UInt8.self), defaultActor: defaultActor) }
    }
}

/// A gated read's body (`/v1/subjects/{id}/read`) read straight from its bytes; nil for
/// anything but the documented shape, which the strict path then reads. Foundation's
/// `JSONSerialization` and the casts out of its dictionary were a tenth of the server's
/// processor under gated reads (BENCHMARKS.md, fifth session of 5 December).
package enum GatedReadBody {
    package static func read(_ body: Data) -> (purpose: String, fields: [String])? {
        body.withUnsafeBytes { raw in BatchLineReader.readGatedRead(raw.bindMemory(to: UInt8.self)) }
    }
}
