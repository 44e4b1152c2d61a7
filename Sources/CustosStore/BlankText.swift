/// Whether a text says nothing: empty, or only ASCII spaces, tabs and line breaks. A
/// record's channel, a value's source and a field's value must say something: an empty
/// channel is no evidence of how a request or a consent arrived (Art. 7(1), 12), and an empty
/// e-mail address would be blind-indexed like a real one. Only ASCII whitespace counts, so
/// the rule is the one the service API's contract can state as a pattern (control characters
/// are refused there before this is asked).
///
/// ```swift
/// BlankText.isBlank(" \t")  // true
/// ```
package enum BlankText {
    package static func isBlank(_ text: String) -> Bool {
        text.utf8.allSatisfy { $0 == 0x20 || (0x09...0x0D).contains($0) }
    }
}
