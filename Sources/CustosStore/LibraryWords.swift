/// What the library says, kept apart from any one language: a stable key, the English the
/// library writes (the CLI, the API, logs) and the values it names. A face with a catalogue of
/// its own renders the key in its language (the console's Dutch, `refusal.KEY`); a key it lacks
/// stays in English. `{name}` in a text is a value; a phrase is words of their own (what an
/// instant is of, say), rendered in the same language. A store's refusal of an input carries
/// them too (`StoreError.refused`), so the console can say it in Dutch.
///
/// ```swift
/// throw BreachRefusal(LibraryWords("breach.closed", "{id} is closed", ["id": id]))
/// ```
package struct LibraryWords: Sendable, Equatable, CustomStringConvertible {
    package let key: String
    package let english: String
    package let values: [String: String]
    package let phrases: [String: LibraryWords]

    package init(_ key: String, _ english: String, _ values: [String: String] = [:], phrases: [String: LibraryWords] = [:]) {
        (self.key, self.english, self.values, self.phrases) = (key, english, values, phrases)
    }

    /// Words only in English: a store's message, which no catalogue renders.
    package static func english(_ text: String) -> LibraryWords { LibraryWords("", text) }

    /// In English.
    package var description: String { render { _ in nil }.text }

    /// Rendered with `pattern` giving a key's text in another language (nil: its English);
    /// `translated` says whether every part had one.
    package func render(_ pattern: (String) -> String?) -> (text: String, translated: Bool) {
        var translated = true
        var text = (key.isEmpty ? nil : pattern(key)) ?? { translated = false; return english }()
        for (name, phrase) in phrases {
            let part = phrase.render(pattern)
            translated = translated && part.translated
            text = text.replacingOccurrences(of: "{\(name)}", with: part.text)
        }
        for (name, value) in values { text = text.replacingOccurrences(of: "{\(name)}", with: value) }
        return (text, translated)
    }
}

extension LibraryWords {
    /// A request's type as a phrase: its raw value in English.
    package static func requestType(_ type: RightsRequestType) -> LibraryWords { LibraryWords("requestType.\(type.rawValue)", type.rawValue) }
    /// A request's status as a phrase: its raw value in English.
    package static func requestStatus(_ status: RightsRequestStatus) -> LibraryWords { LibraryWords("requestStatus.\(status.rawValue)", status.rawValue) }
}
