package import CustosPolicy

/// The Art. 12(3) deadline of a data-subject request, as gdpr.md §5.1 computes it: one
/// calendar month from the receipt date (month-end clamped), or three months when a valid
/// extension was given, the last day rolled past weekends and public holidays
/// (Reg. 1182/71 Art. 3).
///
/// ```swift
/// let deadline = RightsDeadline(receivedOn: LocalDate(parsing: "2025-11-25")!, calendar: nl)
/// deadline.due   // 2025-12-29: 25 Dec and 26 Dec are holidays, then a weekend
/// ```
package struct RightsDeadline: Sendable, Hashable {
    /// The date the request reached any channel of the controller, in its time zone.
    package let receivedOn: LocalDate
    /// One month after receipt, before rolling.
    package let baseDeadline: LocalDate
    /// Three months after receipt, counted from receipt (not from the rolled base deadline).
    package let extendedDeadline: LocalDate
    /// The base deadline rolled to a working day: the last day to act or to extend.
    package let due: LocalDate
    /// The extended deadline rolled to a working day.
    package let extendedDue: LocalDate

    package init(receivedOn: LocalDate, calendar: HolidayCalendar) {
        self.receivedOn = receivedOn
        baseDeadline = receivedOn.adding(months: 1)
        extendedDeadline = receivedOn.adding(months: 3)
        due = calendar.nextWorkingDay(onOrAfter: baseDeadline)
        extendedDue = calendar.nextWorkingDay(onOrAfter: extendedDeadline)
    }

    /// The receipt date of a request that arrived at `instant`, in the controller's zone.
    package init(receivedAt instant: Instant, policy: CompiledPolicy) {
        self.init(receivedOn: policy.localDate(of: instant), calendar: policy.holidayCalendar)
    }

    /// An extension is valid only when the subject was told, with reasons, no later than the
    /// first (rolled) deadline.
    package func isExtensionValid(noticeSentOn: LocalDate, reasonsGiven: Bool) -> Bool {
        reasonsGiven && noticeSentOn <= due
    }

    /// The date the request must be answered by, given any extension notice.
    package func dueDate(extensionNoticeSentOn notice: LocalDate? = nil, reasonsGiven: Bool = false) -> LocalDate {
        guard let notice, isExtensionValid(noticeSentOn: notice, reasonsGiven: reasonsGiven) else { return due }
        return extendedDue
    }
}
