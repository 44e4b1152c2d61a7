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
        // `data(withJSONObject:)` traps on what is not JSON; the handlers build only JSON values.
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) else {
            return Problem.internalError().response
        }
        return Response(status: status, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// JSON already written (`ServerAnswer`).
    static func response(bytes: [UInt8], status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// A gated result's answer: the decision, its sequence number and, for reads and shares, the
    /// released values.
    static func gatedBytes(_ result: GatedResult, values: Bool) -> [UInt8] {
        ServerAnswer.gated(result.decision, seq: result.logSequence, values: values ? result.values : nil)
    }

    /// `{"results":[…]}` of answers already written.
    static func results(_ answers: [[UInt8]]) -> Response {
        var bytes = Array("{\"results\":[".utf8)
        for (index, answer) in answers.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            bytes.append(contentsOf: answer)
        }
        bytes.append(contentsOf: Array("]}".utf8))
        return response(bytes: bytes)
    }

    static func decision(_ decision: Decision) -> Any {
        (try? JSONSerialization.jsonObject(with: HypotheticalDecisions.json(decision))) ?? [:]
    }
}
