/// Legal reference data: EEA members, adequacy decisions, public-holiday calendars. Shipped
/// with the engine (`BuiltInReferenceData`) and overridable per policy, because these change
/// with Commission decisions and a controller must be able to follow them without a release.
package struct ReferenceData: Sendable, Encodable {
    /// EU27 plus Iceland, Liechtenstein and Norway (ISO 3166 alpha-2).
    package var eea: [String]
    package var adequacy: [AdequacyDecision]
    package var holidayCalendars: [HolidayCalendar]

    package init(eea: [String], adequacy: [AdequacyDecision], holidayCalendars: [HolidayCalendar]) {
        self.eea = eea
        self.adequacy = adequacy
        self.holidayCalendars = holidayCalendars
    }

    package func isEEA(_ country: String) -> Bool { eea.contains(country) }

    package func adequacyDecision(for country: String) -> AdequacyDecision? {
        adequacy.first { $0.country == country }
    }

    package func holidayCalendar(named name: String) -> HolidayCalendar? {
        holidayCalendars.first { $0.name == name }
    }
}

/// An Art. 45 adequacy decision, in force from `validFrom` to `validUntil` inclusive, limited
/// to recipients that have every `requires` attribute and none of the `excludes` ones.
package struct AdequacyDecision: Sendable, Encodable {
    /// ISO 3166 alpha-2, or `org:NAME` for an international organisation.
    package var country: String
    package var name: String
    package var decision: String
    package var validFrom: LocalDate?
    package var validUntil: LocalDate?
    /// `dpf-certified` is computed from the recipient's DPF certification; other
    /// attributes come from the recipient's `attributes`.
    package var requires: [String]
    package var excludes: [String]
    package var note: String?

    package func isInForce(on date: LocalDate) -> Bool {
        if let from = validFrom, date < from { return false }
        if let until = validUntil, until < date { return false }
        return true
    }
}

/// Public holidays that move the last day of a period (Reg. 1182/71 Art. 3(4)).
package struct HolidayCalendar: Sendable, Encodable {
    package var name: String
    package var holidays: [HolidayRule]
}

package struct HolidayRule: Sendable, Encodable {
    package enum Timing: Sendable, Hashable, Encodable {
        /// A fixed month and day, moved by `sundayShift` days when it falls on a Sunday.
        case fixed(month: Int, day: Int, sundayShift: Int)
        /// Days after Easter Sunday (Easter Monday +1, Ascension +39, Whit Monday +50).
        case easter(offset: Int)

        package func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case let .fixed(month, day, shift): try container.encode("fixed \(month)-\(day) sunday\(shift)")
            case let .easter(offset): try container.encode("easter\(offset)")
            }
        }
    }

    package var name: String
    package var timing: Timing
    package var fromYear: Int?
    package var untilYear: Int?
}
