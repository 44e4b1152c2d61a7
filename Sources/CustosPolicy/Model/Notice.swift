/// A privacy or consent notice with its versions. A consent is given under one version;
/// comparing versions tells whether a later one changed the scope materially (gdpr.md §4.3).
public struct Notice: Sendable, Encodable {
    public var id: Ref
    public var title: String
    public var language: String
    public var versions: [NoticeVersion]

    /// The version in force on `date`: the latest whose effective date is not after it.
    public func version(inForceOn date: LocalDate) -> NoticeVersion? {
        versionIndex(inForceOn: date).map { versions[$0] }
    }

    /// The index of the version in force on `date`, found without copying any version:
    /// decisions on consent ask on every call.
    public func versionIndex(inForceOn date: LocalDate) -> Int? {
        var found: Int?
        for index in versions.indices where versions[index].effective <= date {
            // `max` kept the first of equal dates; so does `<` here.
            if found.map({ versions[$0].effective < versions[index].effective }) ?? true { found = index }
        }
        return found
    }

    /// The index of version `version`, when `notice` names this notice.
    public func versionIndex(of version: Int, notice: some StringProtocol) -> Int? {
        guard id.id == notice else { return nil }
        return versions.firstIndex { $0.version == version }
    }
}

public struct NoticeVersion: Sendable, Encodable {
    public var version: Int
    public var effective: LocalDate
    /// Path of the text file, relative to the policy folder.
    public var text: String
    /// BLAKE2b-256 of the text file, computed by the loader; nil when the file is missing.
    public var contentHash: String?
    public var language: String
    /// Whether this version changes scope materially against the previous one.
    public var materialChange: Bool
    /// What this version discloses, per purpose.
    public var purposes: [NoticeScope]
    public var location: SourceLocation

    private enum CodingKeys: String, CodingKey {
        case version, effective, text, contentHash, language, materialChange, purposes
    }

    public func scope(of purpose: String) -> NoticeScope? { purposes.first { $0.purpose.id == purpose } }
}

/// What a notice version discloses about one purpose.
public struct NoticeScope: Sendable, Encodable {
    public var purpose: Ref
    public var fields: [Ref]
    public var recipients: [Ref]
    /// Third countries named for transfers (ISO 3166 alpha-2).
    public var transfers: [String]
}
