/// A language as the policy, the privacy centre and a consent's record name it: a two-letter
/// ISO 639-1 code in lower case (`nl`, `en`). One rule for every door, so a code the policy
/// accepts is one a consent can name.
///
/// ```swift
/// LanguageCode.isWellFormed("en")   // true
/// LanguageCode.isWellFormed("EN")   // false
/// ```
package enum LanguageCode {
    package static func isWellFormed(_ code: some StringProtocol) -> Bool {
        code.count == 2 && code.allSatisfy { $0.isASCII && $0.isLowercase }
    }
}
