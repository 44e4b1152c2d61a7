import Foundation
internal import CustosCrypto

extension Policy {
    /// Version tag of the canonical form; bump it when the form changes, so digests of
    /// different forms can never collide.
    static let canonicalFormVersion = "custos-policy-canonical/1"

    /// The policy as JSON with sorted keys and every collection sorted by id, without source
    /// positions or folder name: splitting a policy over other files or reordering it does not change it.
    package func canonicalJSON() -> [UInt8] {
        // Encoding plain value types with string keys cannot fail; an empty result would
        // still give a digest that matches no real policy.
        (try? KebabJSON.encoder(pretty: false).encode(CanonicalPolicy(self))).map { [UInt8]($0) } ?? []
    }

    /// `blake2b-256:` + hex of the canonical form.
    package var digest: String {
        "blake2b-256:" + Blake2b.hex(Blake2b.hash(Array(Self.canonicalFormVersion.utf8) + [0] + canonicalJSON()))
    }

    /// The canonical policy as pretty JSON, for `policy show -o json`.
    package func json() -> String {
        KebabJSON.string(CanonicalPolicy(self))
    }
}

/// JSON with kebab-case keys, as policies and `-o json` spell them.
package enum KebabJSON {
    /// Encodes a value with sorted keys; pretty unless `compact`.
    package static func string(_ value: some Encodable, compact: Bool = false) -> String {
        guard let data = try? encoder(pretty: !compact).encode(value) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }

    static func encoder(pretty: Bool) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .custom { path in
            KebabKey(path.last.map { kebabCase($0.stringValue) } ?? "")
        }
        return encoder
    }
}

/// The policy with every collection in id order.
private struct CanonicalPolicy: Encodable {
    let policy: Policy
    init(_ policy: Policy) { self.policy = policy }

    // The folder name is not part of the policy: a copy elsewhere has the same digest.
    enum CodingKeys: String, CodingKey {
        case controller, actors, lifecycleEvents, subjectCategories, fields, purposes, notices, recipients, retentionRules, decisionLog, consentProof, referenceData
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(policy.controller, forKey: .controller)
        try c.encode(policy.actors.sorted { $0.id.id < $1.id.id }, forKey: .actors)
        try c.encode(policy.lifecycleEvents.sorted { $0.id.id < $1.id.id }, forKey: .lifecycleEvents)
        try c.encode(policy.subjectCategories.sorted { $0.id.id < $1.id.id }, forKey: .subjectCategories)
        try c.encode(policy.fields.sorted { $0.id.id < $1.id.id }, forKey: .fields)
        try c.encode(policy.purposes.sorted { $0.id.id < $1.id.id }, forKey: .purposes)
        try c.encode(policy.notices.sorted { $0.id.id < $1.id.id }, forKey: .notices)
        try c.encode(policy.recipients.sorted { $0.id.id < $1.id.id }, forKey: .recipients)
        try c.encode(policy.retentionRules.sorted { $0.id.id < $1.id.id }, forKey: .retentionRules)
        try c.encodeIfPresent(policy.decisionLog, forKey: .decisionLog)
        try c.encodeIfPresent(policy.consentProof, forKey: .consentProof)
        var reference = policy.referenceData
        reference.eea.sort()
        reference.adequacy.sort { $0.country < $1.country }
        reference.holidayCalendars.sort { $0.name < $1.name }
        try c.encode(reference, forKey: .referenceData)
    }
}

private struct KebabKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ string: String) { stringValue = string }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// `subjectCategories` → `subject-categories`. Ids used as keys (`P-DEBT-COLLECT`,
/// `person_name`, `debtor`) never start lower-case with an upper-case letter after it, so
/// they pass unchanged.
func kebabCase(_ name: String) -> String {
    guard let first = name.first, first.isLowercase else { return name }
    var out = ""
    var previousWasLower = false
    for character in name {
        if character.isUppercase, previousWasLower {
            out.append("-")
            out.append(contentsOf: character.lowercased())
        } else {
            out.append(character)
        }
        previousWasLower = character.isLowercase || character.isNumber
    }
    return out
}
