import Foundation

/// What the library says, kept apart from any one language: a stable key, the English the
/// library writes (the CLI, the API, logs) and the values it names. A refusal carries them, and
/// so does what a record says, stored beside its English: a request's outcome (`outcome.…`),
/// a detail of a request's or a breach's history (`requestEvent.…`, `breachEvent.…`). A face
/// with a catalogue of its own renders the key in its language (`WebPages.say`: the console's
/// and the privacy centre's Dutch); a key it lacks stays in English. `{name}` in a text is a
/// value; a phrase is words of their own (what an instant is of, say), rendered in the same
/// language. A store's refusal of an input carries them too (`StoreError.refused`), so the
/// console can say it in Dutch.
///
/// ```swift
/// throw BreachRefusal(LibraryWords("breach.closed", "{id} is closed", ["id": id]))
/// ```
package struct LibraryWords: Sendable, Hashable, Codable, CustomStringConvertible {
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
        let template = (key.isEmpty ? nil : pattern(key)) ?? { translated = false; return english }()
        let text = Self.fill(template) { name in
            if let phrase = phrases[name] {
                let part = phrase.render(pattern)
                translated = translated && part.translated
                return part.text
            }
            return values[name]
        }
        return (text, translated)
    }

    /// `template` with each `{name}` that `part` knows filled in, in one pass: a value that
    /// itself holds braces (an officer's reasons) is left as written. A value that ends a
    /// sentence of its own takes the place of the template's full stop after it, so reasons
    /// written with one do not end in two.
    ///
    /// ```swift
    /// let values = ["reasons": "asked {n} times."]
    /// LibraryWords.fill("rejected: {reasons}. You may complain") { values[$0] } // "rejected: asked {n} times. You may complain"
    /// ```
    package static func fill(_ template: String, _ part: (String) -> String?) -> String {
        var text = "", rest = template[...]
        while let open = rest.firstIndex(of: "{") {
            text += rest[..<open]
            let after = rest[rest.index(after: open)...]
            guard let close = after.firstIndex(of: "}") else {
                text += rest[open...]
                rest = rest[rest.endIndex...]
                break
            }
            rest = after[after.index(after: close)...]
            guard let value = part(String(after[..<close])) else {
                text += template[open...close]
                continue
            }
            text += value
            if rest.first == ".", let last = value.last, ".!?".contains(last) { rest = rest.dropFirst() }
        }
        return text + rest
    }

    /// The words as one line of JSON, as a store keeps them beside their English.
    package var stored: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? ""
    }

    /// Words a store kept (`stored`); nil for none, or for a row written before they were kept.
    package init?(stored: String?) {
        guard let stored, let words = try? JSONDecoder().decode(LibraryWords.self, from: Data(stored.utf8)) else { return nil }
        self = words
    }
}

extension LibraryWords {
    /// A request's type as a phrase: its raw value in English.
    package static func requestType(_ type: RightsRequestType) -> LibraryWords { LibraryWords("requestType.\(type.rawValue)", type.rawValue) }
    /// A request's status as a phrase: its raw value in English.
    package static func requestStatus(_ status: RightsRequestStatus) -> LibraryWords { LibraryWords("requestStatus.\(status.rawValue)", status.rawValue) }
}
