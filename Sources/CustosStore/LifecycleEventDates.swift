package import CustosPolicy

/// The dates a lifecycle event (a file opened, a relationship ended) may carry, on every way
/// one is recorded (`recordEvent`, a new subject's events, an import, on either backend):
/// - no later than today in the controller's time zone: an event that has not happened would
///   start a retention period that has not begun (a `file-closed` next year);
/// - not before 1900: such a date is a slip (`0025-06-30` for `2025-06-30`) that would make the
///   next retention sweep destroy a live file. Events may predate the GDPR, so its date is no
///   bound here, as it is for requests and breaches (`RecordedInstants`).
///
/// ```swift
/// try LifecycleEventDates.check(date, today: policy.localDate(of: now))
/// ```
package enum LifecycleEventDates {
    package static let earliest = LocalDate(year: 1900, month: 1, day: 1)!

    /// Refuses a date outside the bounds (`StoreError.refused`, in words with both dates).
    package static func check(_ date: LocalDate, today: LocalDate) throws(StoreError) {
        if let problem = problem(date, today: today) { throw StoreError.refused(problem) }
    }

    package static func problem(_ date: LocalDate, today: LocalDate) -> LibraryWords? {
        if date > today {
            return LibraryWords("event.future", "a lifecycle event's date cannot be later than today ({today}); it says {given}",
                                ["today": "\(today)", "given": "\(date)"])
        }
        if date < earliest {
            return LibraryWords("event.tooEarly", "a lifecycle event's date cannot be before 1900-01-01; it says {given}", ["given": "\(date)"])
        }
        return nil
    }
}
