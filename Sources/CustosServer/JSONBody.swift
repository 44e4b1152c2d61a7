import Foundation
import Hummingbird
import Custos

/// Reading and writing JSON bodies: strictly (`StrictJSON` through the facade's decoders),
/// within the size limit, and answering with the decision JSON of docs/decisions.md.
enum JSONBody {
    static func read(_ request: Request, limit: Int) async throws -> Data {
        var request = request
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: limit)
        } catch {
            throw Problem.tooLarge(limit)
        }
        return Data(buffer.readableBytesView)
    }

    /// A JSON object, refusing anything else; `what` names it in messages.
    static func object(_ data: Data, what: String) throws -> [String: Any] {
        guard String(data: data, encoding: .utf8) != nil else { throw Problem.badRequest("\(what): the body is not UTF-8") }
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw Problem.badRequest("\(what): the body must be a JSON object")
        }
        return object
    }

    static func response(_ object: Any, status: HTTPResponse.Status = .ok) -> Response {
        guard JSONSerialization.isValidJSONObject(object) else { return Problem.internalError().response }
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        return Response(status: status, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// A decision as docs/decisions.md writes it, with the log sequence number and, for reads
    /// and shares, the released values.
    static func gated(_ result: GatedResult, values: Bool) -> [String: Any] {
        var object: [String: Any] = ["decision": decision(result.decision), "seq": result.logSequence.map { $0 as Any } ?? NSNull()]
        if values { object["values"] = result.values }
        return object
    }

    static func decision(_ decision: Decision) -> Any {
        (try? JSONSerialization.jsonObject(with: HypotheticalDecisions.json(decision))) ?? [:]
    }
}
