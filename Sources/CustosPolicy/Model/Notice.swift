/// A privacy or consent notice with its versions. A consent is given under one version;
/// comparing versions tells whether a later one changed the scope materially (gdpr.md §4.3).
package struct Notice: Sendable, Encodable {
    package var id: Ref
    package var title: String
    package var language: String
    package var versions: [NoticeVersion]

    /// The version in force on `date`: the latest whose effective date is not after it.
    package func version(inForceOn date: LocalDate) -> NoticeVersion? {
        versionIndex(inForceOn: date).map { versions[$0] }
    }

    /// The index of the version in force on `date`, found without copying any version:
    /// decisions on consent ask on every call.
    package func versionIndex(inForceOn date: LocalDate) -> Int? {
        var found: Int?
        for index in versions.indices where versions[index].effective <= date {
            // `max` kept the first of equal dates; so does `<` here.
            if found.map({ versions[$0].effective < versions[index].effective }) ?? true { found = index }
        }
        return found
    }

    /// The index of version `version`, when `notice` names this notice.
    package func versionIndex(of version: Int, notice: some StringProtocol) -> Int? {
        guard id.id == notice else { return nil }
        return versions.firstIndex { $0.version == version }
    }
}

package struct NoticeVersion: Sendable, Encodable {
    package var version: Int
    package var effective: LocalDate
    /// Path of the text file, relative to the policy folder.
    package var text: String
    /// BLAKE2b-256 of the text file, computed by the loader; nil when the file is missing.
    package var contentHash: String?
    package var language: String
    /// Whether this version changes scope materially against the previous one.
    package var materialChange: Bool
    /// What this version discloses, per purpose.
    package var purposes: [NoticeScope]
    package var location: SourceLocation

    private enum CodingKeys: String, CodingKey {
        case version, effective, text, contentHash, language, materialChange, purposes
    }

    package func scope(of purpose: String) -> NoticeScope? { purposes.first { $0.purpose.id == purpose } }
}

/// What a notice version discloses about one purpose.
package struct NoticeScope: Sendable, Encodable {
    package var purpose: Ref
    package var fields: [Ref]
    package var recipients: [Ref]
    /// Third countries named for transfers (ISO 3166 alpha-2).
    package var transfers: [String]
}
