/// The keys each object of the request and facts JSON may have (docs/decisions.md). One list
/// serves the strict check of every reader (`StrictJSON`) and the fast batch reader
/// (`BatchLineReader.Keys`, which numbers keys by their position here, so order matters).
package indirect enum WireShape: Sendable {
    /// A string, number, boolean or null: its type is the decoder's to check.
    case scalar
    /// A list of scalars or strings (`fields`, `purposes`).
    case scalars
    case object([(String, WireShape)])
    case list(WireShape)
    /// Any JSON value; repeated keys are still refused.
    case any

    static let lineKeys = ["request", "facts", "at"]
    static let requestKeys = ["actor", "action", "subject", "purpose", "fields", "recipient", "destination", "procedure", "bulk", "foreign-order", "review", "effect", "at", "recipient-name"]
    static let reviewKeys = ["reviewer", "can-override", "at"]
    static let factsKeys = ["subject", "consents", "objections", "restrictions", "legal-holds", "events", "erased-fields", "fields", "transfers", "sub-processors", "information"]
    static let subjectKeys = ["id", "category", "kind", "consumer", "birth-date", "contract-party", "categories"]
    static let consentRecordKeys = ["purpose", "notice", "events"]
    static let consentEventKeys = ["state", "at", "method", "channel", "by", "pre-ticked", "conditional-on-service", "parental-authorisation", "evidence", "age-at-consent"]
    static let parentalKeys = ["by", "verified-via"]
    static let objectionKeys = ["purpose", "kind", "at", "assessment", "assessment-reference"]
    static let restrictionKeys = ["fields", "since", "lifted", "ground"]
    static let legalHoldKeys = ["reference", "since", "until", "fields", "purposes"]
    static let lifecycleEventKeys = ["event", "date"]
    static let provenanceKeys = ["field", "collected", "collected-for", "source", "kept-for"]
    static let transferKeys = ["recipient", "destination", "procedure", "at"]
    static let subProcessorKeys = ["recipient", "state", "at"]
    static let informationKeys = ["notice", "at", "exception"]
    /// A gated read's body (`POST /v1/subjects/{id}/read`).
    static let gatedReadKeys = ["purpose", "fields"]

    /// Scalars for every key but the ones given a shape.
    private static func object(_ keys: [String], _ nested: [String: WireShape] = [:]) -> WireShape {
        .object(keys.map { ($0, nested[$0] ?? .scalar) })
    }

    package static let request = object(requestKeys, ["fields": .scalars, "review": object(reviewKeys)])
    package static let gatedRead = object(gatedReadKeys, ["fields": .scalars])

    package static let facts = object(factsKeys, [
        "subject": object(subjectKeys, ["categories": .scalars]),
        "consents": .list(object(consentRecordKeys, ["events": .list(object(consentEventKeys, ["parental-authorisation": object(parentalKeys)]))])),
        "objections": .list(object(objectionKeys)),
        "restrictions": .list(object(restrictionKeys, ["fields": .scalars])),
        "legal-holds": .list(object(legalHoldKeys, ["fields": .scalars, "purposes": .scalars])),
        "events": .list(object(lifecycleEventKeys)),
        "erased-fields": .scalars,
        "fields": .list(object(provenanceKeys, ["collected-for": .scalars, "kept-for": .scalars])),
        "transfers": .list(object(transferKeys)),
        "sub-processors": .list(object(subProcessorKeys)),
        "information": .list(object(informationKeys)),
    ])

    static let batchLine = object(lineKeys, ["request": request, "facts": facts])

    /// The shape of a member, nil when the key is not allowed.
    func member(_ key: String) -> WireShape? {
        guard case let .object(members) = self else { return nil }
        return members.first { $0.0 == key }?.1
    }

    var keys: [String] {
        guard case let .object(members) = self else { return [] }
        return members.map(\.0)
    }
}

extension WireShape {
    /// A JSON Lines subject of `subject import`; its values, events and instants are objects of
    /// any keys, checked against the policy afterwards.
    static let importLine = WireShape.object([
        ("id", .scalar), ("category", .scalar), ("kind", .scalar), ("contract-party", .scalar), ("source", .scalar),
        ("collected-at", .any), ("events", .any), ("values", .any),
    ])
}
