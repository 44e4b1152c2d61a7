public import CustosPolicy

/// What a caller asks: may `actor` do `action` with these `fields` of `subject` for
/// `purpose` (and, for a share, give them to `recipient`)?
///
/// ```swift
/// let request = DecisionRequest(actor: "collections-service", action: .read, subject: "D-1001",
///                               purpose: "P-DEBT-COLLECT", fields: ["email", "bank_account"])
/// ```
public struct DecisionRequest: Sendable, Hashable, Codable {
    /// The most fields one request may name (docs/decisions.md). A policy declares a few
    /// dozen; a request naming thousands is a caller's bug or an attack, refused before any
    /// work: the evaluator denies it with ENGINE_ERROR and the readers refuse it.
    public static let maximumFields = 1000

    public var actor: String
    public var action: Action
    public var subject: String
    public var purpose: String
    public var fields: [String]
    public var recipient: String?
    /// The actual recipient's name, for a recipient the policy names generically
    /// (`named-per-disclosure`); recorded with the disclosure, never decided on otherwise.
    public var recipientName: String?
    /// The destination country when the recipient's country is given per disclosure.
    public var destination: String?
    /// The procedure (court case or formal out-of-court procedure) an Art. 49(1)(e) transfer serves.
    public var procedure: String?
    /// The share is scheduled or part of a batch: never "occasional" (gdpr.md §12).
    public var bulk: Bool
    /// The share answers a foreign court or authority order alone (Art. 48).
    public var foreignOrder: Bool
    /// The human review of an automated decision (Art. 22(3)).
    public var review: HumanReview?
    /// The effect of the decision a `decide` request takes (Art. 22(1)): legal or similarly
    /// significant effects need a human review or a 22(2) exception. Left out, it is taken as
    /// significant under a purpose that declares automated decisions, and refused
    /// (`ADM_EFFECT_NOT_STATED`) under any other.
    public var effect: DecisionEffect?
    /// The instant of the request; honoured only for hypothetical decisions.
    public var at: Instant?

    @inlinable
    public init(
        actor: String, action: Action, subject: String, purpose: String, fields: [String],
        recipient: String? = nil, recipientName: String? = nil, destination: String? = nil, procedure: String? = nil,
        bulk: Bool = false, foreignOrder: Bool = false, review: HumanReview? = nil, effect: DecisionEffect? = nil, at: Instant? = nil
    ) {
        self.actor = actor
        self.action = action
        self.subject = subject
        self.purpose = purpose
        self.fields = fields
        self.recipient = recipient
        self.recipientName = recipientName
        self.destination = destination
        self.procedure = procedure
        self.bulk = bulk
        self.foreignOrder = foreignOrder
        self.review = review
        self.effect = effect
        self.at = at
    }

    enum CodingKeys: String, CodingKey {
        case actor, action, subject, purpose, fields, recipient, recipientName = "recipient-name", destination, procedure, bulk
        case foreignOrder = "foreign-order", review, effect, at
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        actor = try c.decode(String.self, forKey: .actor)
        action = try c.decode(Action.self, forKey: .action)
        subject = try c.decodeIfPresent(String.self, forKey: .subject) ?? ""
        purpose = try c.decode(String.self, forKey: .purpose)
        fields = try c.decodeIfPresent([String].self, forKey: .fields) ?? []
        guard fields.count <= Self.maximumFields else {
            throw DecodingError.dataCorruptedError(forKey: .fields, in: c, debugDescription: "not more than \(Self.maximumFields) fields in one request")
        }
        recipient = try c.decodeIfPresent(String.self, forKey: .recipient)
        recipientName = try c.decodeIfPresent(String.self, forKey: .recipientName)
        destination = try c.decodeIfPresent(String.self, forKey: .destination)
        procedure = try c.decodeIfPresent(String.self, forKey: .procedure)
        bulk = try c.decodeIfPresent(Bool.self, forKey: .bulk) ?? false
        foreignOrder = try c.decodeIfPresent(Bool.self, forKey: .foreignOrder) ?? false
        review = try c.decodeIfPresent(HumanReview.self, forKey: .review)
        effect = try c.decodeIfPresent(DecisionEffect.self, forKey: .effect)
        at = try c.decodeIfPresent(Instant.self, forKey: .at)
        for (key, value) in [(CodingKeys.actor, actor), (.subject, subject), (.purpose, purpose), (.recipient, recipient ?? ""), (.destination, destination ?? ""),
                             (.recipientName, recipientName ?? "")]
        where Self.hasControlCharacter(value) {
            throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "not an id: it contains a control character")
        }
        if fields.contains(where: Self.hasControlCharacter) {
            throw DecodingError.dataCorruptedError(forKey: .fields, in: c, debugDescription: "not field ids: one contains a control character")
        }
    }

    /// No policy id holds a control character (U+0000–U+001F, U+007F–U+009F), and the decision
    /// log could not keep one faithfully (a NUL ends an SQLite text, a line end separates fields).
    package static func hasControlCharacter(_ text: String) -> Bool {
        if let found = text.utf8.withContiguousStorageIfAvailable(hasControlCharacter) { return found }
        var text = text
        return text.withUTF8 { hasControlCharacter($0) }
    }

    /// The same test on UTF-8 bytes: a byte below 0x20, DEL, or a C1 control (0xC2 0x80–0x9F).
    /// Every gated read tests a dozen ids; eight bytes are tested at a time while they are
    /// printable ASCII, and the first word that is not is tested byte by byte with the rest.
    package static func hasControlCharacter(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = bytes.baseAddress else { return false }
        let raw = UnsafeRawPointer(base)
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        var offset = 0
        while offset + 8 <= bytes.count {
            let word = raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
            // A byte below 0x20, a byte equal to 0x7F, a byte of 0x80 or above: each sets the
            // high bit of some byte (the first two exact as tests, borrows aside).
            let delFree = word ^ (ones &* 0x7F)
            let suspect = ((word &- ones &* 0x20) & ~word) | ((delFree &- ones) & ~delFree) | word
            if suspect & highs != 0 { break }
            offset += 8
        }
        // The bytes before `offset` are printable ASCII, so none of them begins a C1 control.
        var previous: UInt8 = 0
        while offset < bytes.count {
            let byte = base[offset]
            if byte < 0x20 || byte == 0x7F || (previous == 0xC2 && byte >= 0x80 && byte <= 0x9F) { return true }
            previous = byte
            offset += 1
        }
        return false
    }

    /// Whether any id of the request holds a control character (which the readers refuse).
    package var hasControlCharacterInIds: Bool {
        Self.hasControlCharacter(actor) || Self.hasControlCharacter(subject) || Self.hasControlCharacter(purpose)
            || fields.contains(where: Self.hasControlCharacter) || recipient.map(Self.hasControlCharacter) == true
            || destination.map(Self.hasControlCharacter) == true || recipientName.map(Self.hasControlCharacter) == true
    }

    /// The request with every control character in its ids written as `\u{…}`: such an id is
    /// declared nowhere, so the decision is the same refusal, and the log keeps what it says.
    /// The engine applies this to requests that do not come through a reader (library callers).
    package var withControlCharactersEscaped: DecisionRequest {
        func escaped(_ text: String) -> String {
            guard Self.hasControlCharacter(text) else { return text }
            return text.unicodeScalars.map { scalar in
                scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) ? "\\u{\(String(scalar.value, radix: 16))}" : String(scalar)
            }.joined()
        }
        // Nearly every request has none: one scan, and no copy of its lists.
        guard hasControlCharacterInIds else { return self }
        var copy = self
        copy.actor = escaped(actor)
        copy.subject = escaped(subject)
        copy.purpose = escaped(purpose)
        copy.fields = fields.map(escaped)
        copy.recipient = recipient.map(escaped)
        copy.recipientName = recipientName.map(escaped)
        copy.destination = destination.map(escaped)
        return copy
    }
}

/// The processing a request asks for.
public enum Action: String, Sendable, Hashable, Codable, CaseIterable {
    case read, share, store, erase
    /// An automated decision (Art. 22).
    case decide
}

/// A human review of an automated decision; a review that cannot change the outcome counts
/// as none (gdpr.md §9).
public struct HumanReview: Sendable, Hashable, Codable {
    public var reviewer: String
    public var canOverride: Bool
    public var at: Instant?

    public init(reviewer: String, canOverride: Bool, at: Instant? = nil) {
        self.reviewer = reviewer
        self.canOverride = canOverride
        self.at = at
    }

    enum CodingKeys: String, CodingKey {
        case reviewer, canOverride = "can-override", at
    }
}
