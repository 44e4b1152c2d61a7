import Foundation
import CustosDecision
import CustosPolicy

/// Reads a `decide --batch` line (`{"request": …, "facts": …, "at": …}`) straight from its
/// bytes, for the keys and shapes the batch format documents. Anything else (an unknown or
/// repeated key, a `\u` escape, a number that is not a plain integer, a missing required value,
/// a value the types reject) returns nil, and the line goes to `JSONDecoder` and the types'
/// `Codable` code, which decides and words every error. So the fast path can only be faster,
/// never different: a test holds its results equal to the Codable path's.
enum BatchLineReader {
    enum Value {
        case object([(String, Value)])
        case array([Value])
        case string(String)
        case integer(Int)
        case bool(Bool)
        case null
    }

    static func read(_ line: Data.SubSequence) -> (request: DecisionRequest, facts: Facts, at: Instant?)? {
        let value: Value? = line.withUnsafeBytes { raw in
            var parser = Parser(bytes: raw.bindMemory(to: UInt8.self))
            guard let value = parser.value() else { return nil }
            parser.skipSpace()
            return parser.index == parser.bytes.count ? value : nil
        }
        guard let value, let line = Object(value, keys: ["request", "facts", "at"]),
              let request = line["request"].flatMap(decisionRequest), let facts = line["facts"].flatMap(facts) else { return nil }
        guard let at = line.optional("at", instant) else { return nil }
        return (request, facts, at)
    }

    // MARK: the documented shapes

    static func decisionRequest(_ value: Value) -> DecisionRequest? {
        guard let o = Object(value, keys: ["actor", "action", "subject", "purpose", "fields", "recipient", "destination", "procedure", "bulk",
                                           "foreign-order", "review", "at"]),
              let actor = o.required("actor", string), let action = o.required("action", { string($0).flatMap(Action.init(rawValue:)) }),
              let purpose = o.required("purpose", string),
              let subject = o.optional("subject", string), let fields = o.optional("fields", strings),
              let recipient = o.optional("recipient", string), let destination = o.optional("destination", string),
              let procedure = o.optional("procedure", string), let bulk = o.optional("bulk", bool), let foreignOrder = o.optional("foreign-order", bool),
              let review = o.optional("review", humanReview), let at = o.optional("at", instant) else { return nil }
        return DecisionRequest(actor: actor, action: action, subject: subject ?? "", purpose: purpose, fields: fields ?? [], recipient: recipient,
                               destination: destination, procedure: procedure, bulk: bulk ?? false, foreignOrder: foreignOrder ?? false,
                               review: review, at: at)
    }

    static func humanReview(_ value: Value) -> HumanReview? {
        guard let o = Object(value, keys: ["reviewer", "can-override", "at"]), let reviewer = o.required("reviewer", string),
              let canOverride = o.required("can-override", bool), let at = o.optional("at", instant) else { return nil }
        return HumanReview(reviewer: reviewer, canOverride: canOverride, at: at)
    }

    static func facts(_ value: Value) -> Facts? {
        guard let o = Object(value, keys: ["subject", "consents", "objections", "restrictions", "legal-holds", "events", "erased-fields", "fields", "transfers"]),
              let subject = o.optional("subject", subjectFacts), let consents = o.optional("consents", { list($0, consentRecord) }),
              let objections = o.optional("objections", { list($0, objection) }), let restrictions = o.optional("restrictions", { list($0, restriction) }),
              let holds = o.optional("legal-holds", { list($0, legalHold) }), let events = o.optional("events", { list($0, lifecycleEvent) }),
              let erased = o.optional("erased-fields", strings), let fields = o.optional("fields", { list($0, provenance) }),
              let transfers = o.optional("transfers", { list($0, transfer) }) else { return nil }
        return Facts(subject: subject, consents: consents ?? [], objections: objections ?? [], restrictions: restrictions ?? [], legalHolds: holds ?? [],
                     events: events ?? [], erasedFields: erased ?? [], fields: fields ?? [], transfers: transfers ?? [])
    }

    static func subjectFacts(_ value: Value) -> SubjectFacts? {
        guard let o = Object(value, keys: ["id", "category", "kind", "consumer", "birth-date", "contract-party"]),
              let id = o.required("id", string), let category = o.required("category", string),
              let kind = o.optional("kind", { string($0).flatMap(SubjectKind.init(rawValue:)) }), let consumer = o.optional("consumer", bool),
              let birthDate = o.optional("birth-date", date), let contractParty = o.optional("contract-party", bool) else { return nil }
        return SubjectFacts(id: id, category: category, kind: kind ?? .naturalPerson, consumer: consumer ?? true, birthDate: birthDate,
                            contractParty: contractParty ?? false)
    }

    static func consentRecord(_ value: Value) -> ConsentRecord? {
        guard let o = Object(value, keys: ["purpose", "notice", "events"]), let purpose = o.required("purpose", string),
              let notice = o.optional("notice", string), let events = o.required("events", { list($0, consentEvent) }) else { return nil }
        return ConsentRecord(purpose: purpose, notice: notice, events: events)
    }

    static func consentEvent(_ value: Value) -> ConsentEvent? {
        guard let o = Object(value, keys: ["state", "at", "method", "channel", "by", "pre-ticked", "conditional-on-service", "parental-authorisation",
                                           "evidence", "age-at-consent"]),
              let state = o.required("state", { string($0).flatMap(ConsentState.init(rawValue:)) }), let at = o.required("at", instant),
              let method = o.optional("method", { string($0).flatMap(ConsentMethod.init(rawValue:)) }), let channel = o.optional("channel", string),
              let by = o.optional("by", { string($0).flatMap(ConsentGiver.init(rawValue:)) }), let preTicked = o.optional("pre-ticked", bool),
              let conditional = o.optional("conditional-on-service", bool), let parental = o.optional("parental-authorisation", parentalAuthorisation),
              let evidence = o.optional("evidence", string), let age = o.optional("age-at-consent", integer) else { return nil }
        return ConsentEvent(state: state, at: at, method: method, channel: channel, by: by ?? .subject, preTicked: preTicked ?? false,
                            conditionalOnService: conditional ?? false, parentalAuthorisation: parental, evidence: evidence, ageAtConsent: age)
    }

    static func parentalAuthorisation(_ value: Value) -> ParentalAuthorisation? {
        guard let o = Object(value, keys: ["by", "verified-via"]), let by = o.required("by", string),
              let via = o.required("verified-via", string) else { return nil }
        return ParentalAuthorisation(by: by, verifiedVia: via)
    }

    static func objection(_ value: Value) -> Objection? {
        guard let o = Object(value, keys: ["purpose", "kind", "at", "assessment", "assessment-reference"]),
              let purpose = o.optional("purpose", string), let kind = o.required("kind", { string($0).flatMap(ObjectionKind.init(rawValue:)) }),
              let at = o.required("at", instant), let assessment = o.optional("assessment", { string($0).flatMap(ObjectionAssessment.init(rawValue:)) }),
              let reference = o.optional("assessment-reference", string) else { return nil }
        return Objection(purpose: purpose, kind: kind, at: at, assessment: assessment, assessmentReference: reference)
    }

    static func restriction(_ value: Value) -> Restriction? {
        guard let o = Object(value, keys: ["fields", "since", "lifted", "ground"]), let fields = o.optional("fields", strings),
              let since = o.required("since", instant), let lifted = o.optional("lifted", instant), let ground = o.optional("ground", string) else { return nil }
        return Restriction(fields: fields, since: since, lifted: lifted, ground: ground)
    }

    static func legalHold(_ value: Value) -> LegalHold? {
        guard let o = Object(value, keys: ["reference", "since", "until", "fields", "purposes"]), let reference = o.required("reference", string),
              let since = o.required("since", date), let until = o.optional("until", date), let fields = o.optional("fields", strings),
              let purposes = o.optional("purposes", strings) else { return nil }
        return LegalHold(reference: reference, since: since, until: until, fields: fields, purposes: purposes)
    }

    static func lifecycleEvent(_ value: Value) -> LifecycleEventFact? {
        guard let o = Object(value, keys: ["event", "date"]), let event = o.required("event", string), let date = o.required("date", date) else { return nil }
        return LifecycleEventFact(event: event, date: date)
    }

    static func provenance(_ value: Value) -> FieldProvenance? {
        guard let o = Object(value, keys: ["field", "collected", "collected-for", "source", "kept-for"]), let field = o.required("field", string),
              let collected = o.optional("collected", date), let collectedFor = o.optional("collected-for", strings),
              let source = o.optional("source", string), let keptFor = o.optional("kept-for", strings) else { return nil }
        return FieldProvenance(field: field, collected: collected, collectedFor: collectedFor, source: source, keptFor: keptFor)
    }

    static func transfer(_ value: Value) -> TransferRecord? {
        guard let o = Object(value, keys: ["recipient", "destination", "procedure", "at"]), let recipient = o.required("recipient", string),
              let destination = o.optional("destination", string), let procedure = o.optional("procedure", string),
              let at = o.required("at", instant) else { return nil }
        return TransferRecord(recipient: recipient, destination: destination, procedure: procedure, at: at)
    }

    // MARK: values

    static func string(_ value: Value) -> String? { if case let .string(text) = value { text } else { nil } }
    static func bool(_ value: Value) -> Bool? { if case let .bool(flag) = value { flag } else { nil } }
    static func integer(_ value: Value) -> Int? { if case let .integer(number) = value { number } else { nil } }
    static func instant(_ value: Value) -> Instant? { string(value).flatMap(Instant.init(iso8601:)) }
    static func date(_ value: Value) -> LocalDate? { string(value).flatMap(LocalDate.init(parsing:)) }
    static func strings(_ value: Value) -> [String]? { list(value, string) }

    static func list<T>(_ value: Value, _ element: (Value) -> T?) -> [T]? {
        guard case let .array(items) = value else { return nil }
        var result: [T] = []
        result.reserveCapacity(items.count)
        for item in items {
            guard let converted = element(item) else { return nil }
            result.append(converted)
        }
        return result
    }

    /// An object whose keys are all among `keys`, none repeated.
    struct Object {
        let members: [(String, Value)]

        init?(_ value: Value, keys: Set<String>) {
            guard case let .object(members) = value else { return nil }
            for (index, member) in members.enumerated() {
                guard keys.contains(member.0), !members[..<index].contains(where: { $0.0 == member.0 }) else { return nil }
            }
            self.members = members
        }

        subscript(_ key: String) -> Value? { members.first { $0.0 == key }?.1 }

        /// Present and convertible, or nil (which sends the line to the Codable path).
        func required<T>(_ key: String, _ convert: (Value) -> T?) -> T? {
            self[key].flatMap(convert)
        }

        /// `.some(nil)` when absent or null; nil when present and not convertible.
        func optional<T>(_ key: String, _ convert: (Value) -> T?) -> T?? {
            guard let value = self[key] else { return .some(nil) }
            if case .null = value { return .some(nil) }
            guard let converted = convert(value) else { return nil }
            return .some(converted)
        }
    }

    // MARK: the parser

    struct Parser {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0
        /// The documented shapes nest four levels; a deeper line (a hostile one could nest
        /// thousands of brackets and exhaust the stack) goes to JSONDecoder, which has its own limit.
        var depth = 0
        static let maximumDepth = 16

        mutating func skipSpace() {
            while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x0D || bytes[index] == 0x09 { index += 1 }
        }

        mutating func value() -> Value? {
            skipSpace()
            guard index < bytes.count else { return nil }
            switch bytes[index] {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                guard depth < Self.maximumDepth else { return nil }
                depth += 1
                defer { depth -= 1 }
                return bytes[index] == UInt8(ascii: "{") ? object() : array()
            case UInt8(ascii: "\""): return string().map(Value.string)
            case UInt8(ascii: "t"): return literal("true", .bool(true))
            case UInt8(ascii: "f"): return literal("false", .bool(false))
            case UInt8(ascii: "n"): return literal("null", .null)
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return integer()
            default: return nil
            }
        }

        mutating func literal(_ text: StaticString, _ value: Value) -> Value? {
            let count = text.utf8CodeUnitCount
            guard index + count <= bytes.count else { return nil }
            for offset in 0..<count where bytes[index + offset] != text.utf8Start[offset] { return nil }
            index += count
            return value
        }

        /// Plain integers only; a fraction or exponent goes to the Codable path.
        mutating func integer() -> Value? {
            var negative = false
            if bytes[index] == UInt8(ascii: "-") { negative = true; index += 1 }
            let start = index
            var number = 0
            while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) {
                let (times, overflow1) = number.multipliedReportingOverflow(by: 10)
                let (sum, overflow2) = times.addingReportingOverflow(Int(bytes[index] - UInt8(ascii: "0")))
                guard !overflow1, !overflow2 else { return nil }
                number = sum
                index += 1
            }
            guard index > start, index - start == 1 || bytes[start] != UInt8(ascii: "0") else { return nil }
            if index < bytes.count, [UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E")].contains(bytes[index]) { return nil }
            return .integer(negative ? -number : number)
        }

        /// A string without `\u` escapes (those go to the Codable path).
        mutating func string() -> String? {
            index += 1
            let start = index
            var escaped = false
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") { break }
                if byte < 0x20 { return nil }
                if byte == UInt8(ascii: "\\") { escaped = true; index += 2; continue }
                index += 1
            }
            guard index < bytes.count else { return nil }
            let raw = UnsafeBufferPointer(rebasing: bytes[start..<index])
            index += 1
            guard escaped else { return String(validating: raw, as: UTF8.self) }
            var unescaped: [UInt8] = []
            unescaped.reserveCapacity(raw.count)
            var position = 0
            while position < raw.count {
                let byte = raw[position]
                guard byte == UInt8(ascii: "\\") else { unescaped.append(byte); position += 1; continue }
                guard position + 1 < raw.count else { return nil }
                switch raw[position + 1] {
                case UInt8(ascii: "\""): unescaped.append(UInt8(ascii: "\""))
                case UInt8(ascii: "\\"): unescaped.append(UInt8(ascii: "\\"))
                case UInt8(ascii: "/"): unescaped.append(UInt8(ascii: "/"))
                case UInt8(ascii: "n"): unescaped.append(0x0A)
                case UInt8(ascii: "r"): unescaped.append(0x0D)
                case UInt8(ascii: "t"): unescaped.append(0x09)
                case UInt8(ascii: "b"): unescaped.append(0x08)
                case UInt8(ascii: "f"): unescaped.append(0x0C)
                default: return nil
                }
                position += 2
            }
            return String(validating: unescaped, as: UTF8.self)
        }

        mutating func array() -> Value? {
            index += 1
            var items: [Value] = []
            skipSpace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") { index += 1; return .array(items) }
            while true {
                guard let item = value() else { return nil }
                items.append(item)
                skipSpace()
                guard index < bytes.count else { return nil }
                if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                if bytes[index] == UInt8(ascii: "]") { index += 1; return .array(items) }
                return nil
            }
        }

        mutating func object() -> Value? {
            index += 1
            var members: [(String, Value)] = []
            skipSpace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") { index += 1; return .object(members) }
            while true {
                skipSpace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\""), let key = string() else { return nil }
                skipSpace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { return nil }
                index += 1
                guard let member = value() else { return nil }
                members.append((key, member))
                skipSpace()
                guard index < bytes.count else { return nil }
                if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                if bytes[index] == UInt8(ascii: "}") { index += 1; return .object(members) }
                return nil
            }
        }
    }
}
