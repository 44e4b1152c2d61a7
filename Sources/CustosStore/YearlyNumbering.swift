/// Request and breach numbers: `RQ-2026-0001`, `BR-2026-0001`, a sequence per kind and year
/// from 1, in at least four digits, so that `RQ-2026-10000` follows `RQ-2026-9999` (four
/// digits and no more wrapped round at 10,000 and refused the next request as a duplicate).
/// The next number is one past the highest of the year (never a count, which a gap would turn
/// into a duplicate); SQLite reads only the year's range of the primary key's index (its
/// `LIKE`, which ignores case, cannot use the index), PostgreSQL under the kind's advisory lock.
///
/// ```swift
/// let numbering = YearlyNumbering(kind: "RQ", year: 2026)
/// numbering.id(after: nil)      // "RQ-2026-0001"
/// numbering.id(after: 9_999)    // "RQ-2026-10000"
/// ```
package struct YearlyNumbering: Sendable {
    /// `RQ-2026-`: every id of the year starts with it.
    package let prefix: String

    package init(kind: String, year: Int) {
        prefix = "\(kind)-\(year)-"
    }

    /// Ids of the year are those from `prefix` (inclusive) to this (exclusive) in byte order:
    /// the prefix with its final `-` raised to `.`, the next byte.
    package var end: String { String(prefix.dropLast()) + "." }

    /// Where the number starts in an id, counted from 1 as SQL's `substr` counts.
    package var numberStart: Int { prefix.utf8.count + 1 }

    /// The id after the year's highest number (nil: none yet).
    package func id(after highest: Int?) -> String {
        let number = (highest ?? 0) + 1
        let digits = String(number)
        return prefix + String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
