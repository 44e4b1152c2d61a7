import Foundation
import CustosStore

/// The register's free texts (what happened, measures, consequences, reasons) go into the AP
/// notification, the letters to other people and the reports, so they must hold no personal
/// data. A person's name cannot be told from other words, but the identifiers that leak most
/// often can: an e-mail address, an IBAN, a telephone number, a citizen service number.
enum FreeTextCheck {
    /// A pattern that does not compile is kept as nil and matches everything: the check then
    /// refuses rather than lets a text through unread (its test would fail at once).
    private static let patterns: [(what: LibraryWords, regex: NSRegularExpression?)] = [
        (LibraryWords("identifier.email", "an e-mail address"), #"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}"#),
        (LibraryWords("identifier.iban", "an IBAN"), #"\b[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b"#),
        (LibraryWords("identifier.number", "a telephone or citizen service number"), #"(?<![0-9])\+?[0-9](?:[ -]?[0-9]){8,14}(?![0-9])"#),
    ].map { ($0.0, try? NSRegularExpression(pattern: $0.1)) }

    /// Nil when the text looks free of identifiers, else what it seems to hold.
    static func identifier(in text: String) -> LibraryWords? {
        let range = NSRange(text.startIndex..., in: text)
        return patterns.first { $0.regex.map { $0.firstMatch(in: text, range: range) != nil } ?? true }?.what
    }

    /// Refuses a text that seems to hold an identifier, naming the field.
    static func check(_ text: String?, field: LibraryWords) throws {
        guard let text else { return }
        if FreeText.hasControlCharacter(text) {
            throw BreachRefusal(LibraryWords("breach.textControl", "{field} may not hold control characters other than tabs and line ends", phrases: ["field": field]))
        }
        guard let what = identifier(in: text) else { return }
        throw BreachRefusal(LibraryWords("breach.textIdentifier",
                                         "{field} seems to hold {what}; this text goes into the AP notification, the letters and the reports and must hold no personal data",
                                         phrases: ["field": field, "what": what]))
    }
}
