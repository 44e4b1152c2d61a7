package import CustosPolicy

/// The words both backends use when an officer's record cannot be changed as asked: the id is
/// unknown or already closed, or the dates would make the record say something that cannot have
/// happened (a hold ending before it began; a subject told of a restriction's lifting before it
/// was placed).
///
/// ```swift
/// throw StoreError.invalidInput(OfficerRecordRefusal.restrictionNotLiftable(7))
/// ```
package enum OfficerRecordRefusal {
    package static func holdNotLiftable(_ id: Int64, until: LocalDate) -> String {
        "no open legal hold #\(id) that began on or before \(until): a hold ends after it began"
    }

    package static func restrictionNotLiftable(_ id: Int64) -> String {
        "no restriction #\(id) in force since before the subject was told: tell the subject of the lifting while it is in force (Art. 18(3))"
    }

    package static let toldLater = "the subject must be told before the restriction is lifted (Art. 18(3)); the time given is later than now"
}
