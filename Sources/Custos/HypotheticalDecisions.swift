public import Foundation
public import CustosDecision
public import CustosPolicy

/// Decisions on supplied facts (policy tests, `decide --facts`, `decide --batch`): marked
/// hypothetical and never logged. The caller's `at` is honoured only here.
///
/// ```swift
/// let decider = HypotheticalDecisions(policy: compiled)
/// let decision = try decider.decide(requestJSON: request, factsJSON: facts, defaultAt: now)
/// ```
public struct HypotheticalDecisions: Sendable {
    public let evaluator: Evaluator

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
        var request = request
        if request.subject.isEmpty, let subject = facts.subject { request.subject = subject.id }
        return evaluator.decide(request, facts: facts, at: request.at ?? defaultAt, hypothetical: true)
    }

    public static func decodeRequest(_ data: Data) throws(InputError) -> DecisionRequest {
        try decode(DecisionRequest.self, from: data, what: "request")
    }

    public static func decodeFacts(_ data: Data) throws(InputError) -> Facts {
        try decode(Facts.self, from: data, what: "facts")
    }

    static func decode<T: Decodable>(_ type: T.Type, from data: Data, what: String) throws(InputError) -> T {
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

    /// Streams JSON Lines from `input` to `output`, one decision per line, in bounded memory.
    /// A line that cannot be read is answered with a deny (`ENGINE_ERROR`) naming the line
    /// number, and the stream goes on.
    /// `progress` is called with the number of lines answered every 100,000 lines.
    public func streamBatch(from input: FileHandle, to output: FileHandle, defaultAt: Instant,
                            progress: ((Int) -> Void)? = nil) -> BatchSummary {
        var summary = BatchSummary()
        let decoder = JSONDecoder()
        var bytes: [UInt8] = []
        bytes.reserveCapacity(4_096)
        var pending = Data()
        var out = Data()
        out.reserveCapacity(1 << 20)

        func handle(_ line: Data) {
            summary.lines += 1
            let trimmed = line.last == 13 ? line.dropLast() : line[...]
            guard !trimmed.allSatisfy({ $0 == 32 || $0 == 9 }) else { summary.lines -= 1; return }
            let decision: Decision
            do {
                // The documented shapes are read directly; anything else, and every error, takes
                // the Codable path.
                if let fast = BatchLineReader.read(trimmed) {
                    var request = fast.request
                    if request.at == nil { request.at = fast.at }
                    decision = decide(request: request, facts: fast.facts, defaultAt: defaultAt)
                } else {
                    let parsed = try decoder.decode(BatchLine.self, from: trimmed)
                    var request = parsed.request
                    if request.at == nil { request.at = parsed.at }
                    decision = decide(request: request, facts: parsed.facts, defaultAt: defaultAt)
                }
            } catch {
                decision = Self.unreadable(line: summary.lines, error: error, digest: evaluator.policy.digest)
            }
            summary.count(decision.outcome)
            if summary.lines % 100_000 == 0 { progress?(summary.lines) }
            DecisionJSON.append(decision, to: &bytes)
            bytes.append(10)
            out.append(contentsOf: bytes)
            bytes.removeAll(keepingCapacity: true)
            if out.count >= 1 << 20 {
                output.write(out)
                out.removeAll(keepingCapacity: true)
            }
        }

        while let chunk = try? input.read(upToCount: 1 << 20), !chunk.isEmpty {
            pending.append(chunk)
            var start = pending.startIndex
            while let newline = pending[start...].firstIndex(of: 10) {
                handle(pending[start..<newline])
                start = newline + 1
            }
            pending.removeSubrange(pending.startIndex..<start)
        }
        if !pending.isEmpty { handle(pending) }
        if !out.isEmpty { output.write(out) }
        return summary
    }

    static func unreadable(line: Int, error: any Error, digest: String) -> Decision {
        let detail = (error as? DecodingError).map(DecodingProblem.describe) ?? "not valid JSON"
        return Decision(
            outcome: .deny, action: .read, subject: "", purpose: "", actor: "", recipient: nil, fields: [],
            basis: nil, reasons: [Reason(code: .engineError, explanation: "line \(line) cannot be read: \(detail)")],
            obligations: [], policyDigest: digest, hypothetical: true)
    }
}

/// Counts of a batch run, for the closing line on standard error.
public struct BatchSummary: Sendable {
    public var lines = 0
    public var permit = 0
    public var partial = 0
    public var deny = 0

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
