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
    /// The names of the values that list field ids (`"bank_account, email"`): a face with the
    /// policy says them by their titles in its language (`titled`).
    package let fieldLists: Set<String>

    package init(_ key: String, _ english: String, _ values: [String: String] = [:], phrases: [String: LibraryWords] = [:],
                 fieldLists: Set<String> = []) {
        (self.key, self.english, self.values, self.phrases, self.fieldLists) = (key, english, values, phrases, fieldLists)
    }

    /// The same words with each field id of the `fieldLists` values said by `title`.
    ///
    /// ```swift
    /// words.titled { policy.field($0)?.title(in: "nl") ?? $0 } // "fields": "Postadres"
    /// ```
    package func titled(_ title: (String) -> String) -> LibraryWords {
        var said = values
        for name in fieldLists {
            guard let list = values[name], !list.isEmpty else { continue }
            said[name] = list.components(separatedBy: ", ").map(title).joined(separator: ", ")
        }
        return LibraryWords(key, english, said, phrases: phrases.mapValues { $0.titled(title) }, fieldLists: fieldLists)
    }

    /// The same words with the values named `name` (in its phrases too) said by `say`: a code
    /// a face has words for, such as a request's channel.
    ///
    /// ```swift
    /// words.saying("channel") { ["phone": "telefoon"][$0] ?? $0 } // "via telefoon"
    /// ```
    package func saying(_ name: String, as say: (String) -> String) -> LibraryWords {
        var said = values
        if let value = values[name] { said[name] = say(value) }
        return LibraryWords(key, english, said, phrases: phrases.mapValues { $0.saying(name, as: say) }, fieldLists: fieldLists)
    }

    enum CodingKeys: String, CodingKey {
        case key, english, values, phrases, fieldLists
    }

    /// Words stored before they named their field lists read back with none.
    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        key = try container.decode(String.self, forKey: .key)
        english = try container.decode(String.self, forKey: .english)
        values = try container.decode([String: String].self, forKey: .values)
        phrases = try container.decode([String: LibraryWords].self, forKey: .phrases)
        fieldLists = try container.decodeIfPresent(Set<String>.self, forKey: .fieldLists) ?? []
    }

    /// Words without field lists are stored as they were before there were any.
    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(key, forKey: .key)
        try container.encode(english, forKey: .english)
        try container.encode(values, forKey: .values)
        try container.encode(phrases, forKey: .phrases)
        if !fieldLists.isEmpty { try container.encode(fieldLists.sorted(), forKey: .fieldLists) }
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
