package import CustosPolicy

/// When a subject must have the Art. 14 information about data obtained from others
/// (gdpr.md §13): the earliest of one month after the data was obtained (the last day rolled
/// past weekends and holidays, Reg. 1182/71 Art. 3(4)), the first communication with the
/// subject and the first disclosure to a recipient (Art. 14(3)(a)–(c)).
///
/// ```swift
/// let deadline = InformationDeadline(obtainedAt: received, firstCommunication: nil, firstDisclosure: shared, policy: policy)
/// deadline.due      // the share's instant, when it came before the month was out
/// deadline.trigger  // .firstDisclosure
/// ```
package struct InformationDeadline: Sendable, Hashable {
    package enum Trigger: String, Sendable, Hashable, CaseIterable {
        case oneMonth = "one-month"
        case firstCommunication = "first-communication"
        case firstDisclosure = "first-disclosure"

        /// The provision that sets the deadline.
        package var article: String {
            switch self {
            case .oneMonth: "Art. 14(3)(a)"
            case .firstCommunication: "Art. 14(3)(b)"
            case .firstDisclosure: "Art. 14(3)(c)"
            }
        }
    }

    /// The day the earliest value was obtained, in the controller's time zone.
    package let obtainedOn: LocalDate
    /// The last day of the one-month period, rolled to a working day.
    package let monthDue: LocalDate
    /// The moment the information must have reached the subject.
    package let due: Instant
    /// Which of the three limits came first.
    package let trigger: Trigger

    package init(obtainedAt: Instant, firstCommunication: Instant?, firstDisclosure: Instant?, policy: CompiledPolicy) {
        obtainedOn = policy.localDate(of: obtainedAt)
        monthDue = policy.holidayCalendar.nextWorkingDay(onOrAfter: obtainedOn.adding(months: 1))
        // The whole last day counts: the month runs out at the start of the next.
        var earliest = (policy.startOfDay(monthDue.adding(days: 1)), Trigger.oneMonth)
        if let firstCommunication, firstCommunication < earliest.0 { earliest = (firstCommunication, .firstCommunication) }
        if let firstDisclosure, firstDisclosure < earliest.0 { earliest = (firstDisclosure, .firstDisclosure) }
        (due, trigger) = earliest
    }
}
