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
        // By index: `firstIndex(where:)` handed the closure a copy of each version.
        for index in versions.indices where versions[index].version == version { return index }
        return nil
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
    /// The text file's contents, read once by the loader: what a person is shown is exactly
    /// what `contentHash` covers, however the file changes after the policy loaded.
    package var content: String?
    /// The same version in other languages (DESIGN §11), each with a hash of its own.
    package var translations: [NoticeText]
    /// Whether this version changes scope materially against the previous one.
    package var materialChange: Bool
    /// What this version discloses, per purpose.
    package var purposes: [NoticeScope]
    package var location: SourceLocation

    private enum CodingKeys: String, CodingKey {
        case version, effective, text, contentHash, language, translations, materialChange, purposes
    }

    package func scope(of purpose: String) -> NoticeScope? { purposes.first { $0.purpose.id == purpose } }

    /// The version's own text, when it was read.
    package var ownText: NoticeText? {
        guard let contentHash, let content else { return nil }
        return NoticeText(language: language, file: text, contentHash: contentHash, content: content)
    }

    /// The text in exactly `language` (the version's own, or a translation), or nil.
    package func text(exactly language: String) -> NoticeText? {
        language == self.language ? ownText : translations.first { $0.language == language }
    }

    /// The text a reader of `language` is shown: its translation where the version has one,
    /// else the version's own.
    package func text(for language: String?) -> NoticeText? {
        language.flatMap { text(exactly: $0) } ?? ownText
    }

    /// Every language this version can be shown in, its own first.
    package var languages: [String] { [language] + translations.map(\.language) }
}

/// A notice version's text in one language, as a person is shown it and as a consent given
/// under it records it (gdpr.md §4.4: `notice_hash`, `notice_language`).
package struct NoticeText: Sendable, Encodable, Equatable {
    /// ISO 639-1.
    package var language: String
    /// Path of the text file, relative to the policy folder.
    package var file: String
    /// BLAKE2b-256 of the file's bytes.
    package var contentHash: String
    /// The text, read by the loader (never encoded: the file is the source).
    package var content: String

    private enum CodingKeys: String, CodingKey { case language, file, contentHash }
}

/// What a notice version discloses about one purpose.
package struct NoticeScope: Sendable, Encodable {
    package var purpose: Ref
    package var fields: [Ref]
    package var recipients: [Ref]
    /// Third countries named for transfers (ISO 3166 alpha-2).
    package var transfers: [String]
}
