/// Where personal data comes from when not from the subject (Art. 14): a creditor who hands
/// a claim over, a package register. The Art. 14 information must name it (14(2)(f)).
///
/// ```yaml
/// data-sources:
///   creditor: {title: The creditor who handed the claim over, recorded-as: [client]}
/// ```
package struct DataSource: Sendable, Encodable {
    package var id: Ref
    package var title: String
    /// The title in other languages, by ISO 639-1 code.
    package var titles: [String: String] = [:]
    /// The provenance values the vault records for data from this source (`source` of a
    /// stored field); the source's id when the policy names none.
    package var recordedAs: [String]
    /// A register open to the package (Art. 14(2)(f) asks whether the source is).
    package var publiclyAccessible: Bool

    /// The title in `language` where the policy gives one, else the title.
    package func title(in language: String) -> String { titles[language] ?? title }
}

/// The fields a purpose obtains from one source rather than from the subject.
package struct IndirectCollection: Sendable, Encodable {
    package var source: Ref
    package var fields: [Ref]
}
