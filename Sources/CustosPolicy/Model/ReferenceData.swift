/// Legal reference data: EEA members, adequacy decisions, public-holiday calendars. Shipped
/// with the engine (`BuiltInReferenceData`) and overridable per policy, because these change
/// with Commission decisions and a controller must be able to follow them without a release.
public struct ReferenceData: Sendable, Encodable {
    /// EU27 plus Iceland, Liechtenstein and Norway (ISO 3166 alpha-2).
    public var eea: [String]
    public var adequacy: [AdequacyDecision]
    public var holidayCalendars: [HolidayCalendar]

    public init(eea: [String], adequacy: [AdequacyDecision], holidayCalendars: [HolidayCalendar]) {
        self.eea = eea
        self.adequacy = adequacy
        self.holidayCalendars = holidayCalendars
    }

    public func isEEA(_ country: String) -> Bool { eea.contains(country) }

    public func adequacyDecision(for country: String) -> AdequacyDecision? {
        adequacy.first { $0.country == country }
    }

    public func holidayCalendar(named name: String) -> HolidayCalendar? {
        holidayCalendars.first { $0.name == name }
    }
}

/// An Art. 45 adequacy decision, in force from `validFrom` to `validUntil` inclusive, limited
/// to recipients that have every `requires` attribute and none of the `excludes` ones.
public struct AdequacyDecision: Sendable, Encodable {
    /// ISO 3166 alpha-2, or `org:NAME` for an international organisation.
    public var country: String
    public var name: String
    public var decision: String
    public var validFrom: LocalDate?
    public var validUntil: LocalDate?
    /// `dpf-certified` is computed from the recipient's DPF certification; other
    /// attributes come from the recipient's `attributes`.
    public var requires: [String]
    public var excludes: [String]
    public var note: String?

    public func isInForce(on date: LocalDate) -> Bool {
        if let from = validFrom, date < from { return false }
        if let until = validUntil, until < date { return false }
        return true
    }
}

/// Public holidays that move the last day of a period (Reg. 1182/71 Art. 3(4)).
public struct HolidayCalendar: Sendable, Encodable {
    public var name: String
    public var holidays: [HolidayRule]
}

public struct HolidayRule: Sendable, Encodable {
    public enum Timing: Sendable, Hashable, Encodable {
        /// A fixed month and day, moved by `sundayShift` days when it falls on a Sunday.
        case fixed(month: Int, day: Int, sundayShift: Int)
        /// Days after Easter Sunday (Easter Monday +1, Ascension +39, Whit Monday +50).
        case easter(offset: Int)

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case let .fixed(month, day, shift): try container.encode("fixed \(month)-\(day) sunday\(shift)")
            case let .easter(offset): try container.encode("easter\(offset)")
            }
        }
    }

    public var name: String
    public var timing: Timing
    public var fromYear: Int?
    public var untilYear: Int?
}
