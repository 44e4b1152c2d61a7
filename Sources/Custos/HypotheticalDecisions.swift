public import Foundation
public import CustosDecision
public import CustosPolicy

/// Decisions on supplied facts (policy tests, `decide --facts`, `decide --batch`): marked
/// hypothetical and never logged. The caller's `at` is honoured only here.
///
/// ```swift
/// let decider = HypotheticalDecisions(policy: try PrivacyEngine.compilePolicy("policies/invorderingsbedrijf"))
/// let request = try HypotheticalDecisions.decodeRequest(requestJSON)   // strict: unknown keys are errors
/// let facts = try HypotheticalDecisions.decodeFacts(factsJSON)
/// let decision = decider.decide(request: request, facts: facts, defaultAt: .now)
/// ```
public struct HypotheticalDecisions: Sendable {
    package let evaluator: Evaluator

    public init(policy: CompiledPolicy) {
        evaluator = Evaluator(policy: policy)
    }

    /// One line of `decide --batch`: a request with its facts, and optionally the instant.
    struct BatchLine: Decodable {
        var request: DecisionRequest
        var facts: Facts
        var at: Instant?
    }

    /// A request with its facts. The instant is the request's `at`, else `defaultAt`.
    public func decide(request: DecisionRequest, facts: Facts, defaultAt: Instant) -> Decision {
        var decision = Decision.blank(request.action, hypothetical: true)
        decide(request: request, facts: facts, defaultAt: defaultAt, into: &decision)
        return decision
    }

    /// As `decide(request:facts:defaultAt:)`, into `decision`, whose lists keep their storage:
    /// a batch worker decides line after line into one decision.
    func decide(request: DecisionRequest, facts: Facts, defaultAt: Instant, into decision: inout Decision) {
        guard request.subject.isEmpty, let subject = facts.subject else {
            evaluator.decide(request, facts: facts, at: request.at ?? defaultAt, hypothetical: true, into: &decision)
            return
        }
        var request = request
        request.subject = subject.id
        evaluator.decide(request, facts: facts, at: request.at ?? defaultAt, hypothetical: true, into: &decision)
    }

    public static func decodeRequest(_ data: Data) throws(InputError) -> DecisionRequest {
        try decode(DecisionRequest.self, from: data, what: "request", shape: .request)
    }

    public static func decodeFacts(_ data: Data) throws(InputError) -> Facts {
        try decode(Facts.self, from: data, what: "facts", shape: .facts)
    }

    /// Strict first (unknown and repeated keys are refused, `StrictJSON`), then typed.
    static func decode<T: Decodable>(_ type: T.Type, from data: Data, what: String, shape: WireShape) throws(InputError) -> T {
        try StrictJSON.check(data, shape: shape, what: what)
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch let error as DecodingError {
            throw InputError(message: "\(what): \(DecodingProblem.describe(error))")
        } catch {
            throw InputError(message: "\(what) is not valid JSON")
        }
    }

    /// Encodes a decision as one line of JSON with sorted keys.
    public static func json(_ decision: Decision, pretty: Bool = false) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(decision)) ?? Data("{\"outcome\":\"deny\",\"reasons\":[{\"code\":\"ENGINE_ERROR\"}]}".utf8)
    }

    /// The longest batch line read, in bytes (its line end not counted): the limit on an HTTP
    /// request's body. A longer line is denied unread (`oversized`), so one line without a
    /// line end cannot make a batch hold the whole input.
    static let lineByteLimit = 1 << 20

    static func oversized(line: Int, length: Int, digest: String) -> Decision {
        Decision(
            outcome: .deny, action: .read, subject: "", purpose: "", actor: "", recipient: nil, fields: [],
            basis: nil, reasons: [Reason(code: .engineError, explanation: "line \(line) cannot be read: it is \(length) bytes long, over the limit of \(lineByteLimit) bytes")],
            obligations: [], policyDigest: digest, hypothetical: true)
    }

    static func unreadable(line: Int, error: any Error, digest: String) -> Decision {
        let detail = (error as? InputError)?.message ?? (error as? DecodingError).map(DecodingProblem.describe) ?? "not valid JSON"
        return Decision(
            outcome: .deny, action: .read, subject: "", purpose: "", actor: "", recipient: nil, fields: [],
            basis: nil, reasons: [Reason(code: .engineError, explanation: "line \(line) cannot be read: \(detail)")],
            obligations: [], policyDigest: digest, hypothetical: true)
    }
}

/// Counts of a batch run, for the closing line on standard error.
package struct BatchSummary: Sendable {
    package var lines = 0
    package var permit = 0
    package var partial = 0
    package var deny = 0

    mutating func add(_ other: BatchSummary) {
        lines += other.lines
        permit += other.permit
        partial += other.partial
        deny += other.deny
    }

    mutating func count(_ outcome: Outcome) {
        switch outcome {
        case .permit: permit += 1
        case .partial: partial += 1
        case .deny: deny += 1
        }
    }
}

/// Input that cannot be read; the message names the part at fault, never a value.
public struct InputError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
