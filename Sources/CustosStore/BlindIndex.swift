package import CustosPolicy
import Foundation

/// Normalises a value before its keyed hash, so that `Jan@Example.NL ` and `jan@example.nl`,
/// or `06 1234 5678` and `+31612345678`, find the same subject.
package enum BlindIndexNormaliser {
    package static func normalise(_ value: String, as kind: BlindIndexKind) -> String {
        switch kind {
        case .email:
            return value.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        case .iban:
            return String(value.uppercased().filter { $0.isLetter || $0.isNumber })
        case .phone:
            var digits = String(value.filter { $0.isNumber })
            if value.trimmingCharacters(in: .whitespaces).hasPrefix("+") { return "+" + digits }
            if digits.hasPrefix("00") { return "+" + digits.dropFirst(2) }
            if digits.hasPrefix("0") { digits = "31" + digits.dropFirst() }  // Dutch national number
            return "+" + digits
        }
    }
}
