import CustosDecision

/// Whether a text says nothing: empty, or only ASCII spaces, tabs and line breaks. A
/// record's channel, a value's source and a field's value must say something: an empty
/// channel is no evidence of how a request or a consent arrived (Art. 7(1), 12), and an empty
/// e-mail address would be blind-indexed like a real one. Only ASCII whitespace counts, so
/// the rule is the one the service API's contract can state as a pattern.
///
/// ```swift
/// BlankText.isBlank(" \t")  // true
/// ```
package enum BlankText {
    package static func isBlank(_ text: String) -> Bool {
        text.utf8.allSatisfy { $0 == 0x20 || (0x09...0x0D).contains($0) }
    }
}

/// A one-line label that records how, where or on what ground something happened: a channel,
/// a source, an identity check's method, a mandate, a hold's reference, a restriction's
/// ground. It must say something and hold no control character (C0, DEL or C1), whichever
/// door it came through: the service API's contract (`Label`) states the same rule, and a
/// control character in a record would reach an officer's terminal when the CLI prints it.
///
/// ```swift
/// let channel = LibraryWords("what.requestChannel", "a request's channel (how it reached you: letter, e-mail, web-form, …)")
/// try LabelText.check("letter", channel)         // fine
/// try LabelText.check("\u{1B}[2J", channel)      // StoreError.refused
/// ```
package enum LabelText {
    package static func check(_ text: String, _ what: LibraryWords) throws(StoreError) {
        if let problem = problem(text, what) { throw StoreError.refused(problem) }
    }

    /// What is wrong with the label, in words, or nil.
    package static func problem(_ text: String, _ what: LibraryWords) -> LibraryWords? {
        if BlankText.isBlank(text) { return LibraryWords("label.empty", "{what} may not be empty", phrases: ["what": what]) }
        if DecisionRequest.hasControlCharacter(text) {
            return LibraryWords("label.control", "{what} may not hold control characters: it is one line of text", phrases: ["what": what])
        }
        return nil
    }
}

/// A record's free text (the reasons for an extension or a rejection, a breach's description,
/// measures and consequences, an exception's ground) and a field's value: lines of words, so
/// tabs and line ends are kept, but no other control character (C0, DEL or C1), for the reason
/// a label holds none: the CLI prints them to an officer's terminal, and the AP notification
/// and the letters carry them.
///
/// ```swift
/// let reasons = LibraryWords("what.extensionReasons", "an extension's reasons")
/// FreeText.problem("Complex:\nthree creditors", reasons)   // nil
/// FreeText.problem("lost\u{1B}]0;x\u{7}", reasons)         // "… may not hold control characters …"
/// ```
package enum FreeText {
    package static func check(_ text: String, _ what: LibraryWords) throws(StoreError) {
        if let problem = problem(text, what) { throw StoreError.refused(problem) }
    }

    /// What is wrong with the text, in words, or nil.
    package static func problem(_ text: String, _ what: LibraryWords) -> LibraryWords? {
        hasControlCharacter(text)
            ? LibraryWords("freeText.control", "{what} may not hold control characters other than tabs and line ends", phrases: ["what": what]) : nil
    }

    /// A control character other than a tab, a line feed or a carriage return.
    package static func hasControlCharacter(_ text: String) -> Bool {
        text.unicodeScalars.contains { ($0.value < 0x20 && $0 != "\t" && $0 != "\n" && $0 != "\r") || (0x7F...0x9F).contains($0.value) }
    }
}
