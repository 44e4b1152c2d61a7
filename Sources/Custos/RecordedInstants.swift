package import CustosPolicy
package import CustosStore

/// The bounds every instant an officer or a service records must keep: the present, since what
/// is recorded has happened, and the day the GDPR began to apply (Art. 99(2)), since a request
/// or a breach before it is not one under it. A deadline counts from such an instant, so one
/// outside them is refused rather than guessed.
///
/// ```swift
/// let received = try RecordedInstants.check(given, now: now, what: LibraryWords("instant.receipt", "a request's receipt"))
/// ```
package enum RecordedInstants {
    /// 25 May 2018, 00:00 UTC.
    package static let gdprApplies = Instant(millisecondsSinceEpoch: 1_527_206_400_000)

    /// Clocks of two machines differ by seconds: an instant up to five minutes ahead is taken as now.
    package static let clockSkewMilliseconds: Int64 = 300_000

    /// The instant, no later than now; refuses one beyond the clocks' skew or before the GDPR
    /// (`StoreError.refused`).
    package static func check(_ given: Instant, now: Instant, what: LibraryWords) throws(StoreError) -> Instant {
        if let problem = problem(given, now: now, what: what) { throw StoreError.refused(problem) }
        return min(given, now)
    }

    /// What is wrong with the instant, in words, or nil when it is within the bounds.
    package static func problem(_ given: Instant, now: Instant, what: LibraryWords) -> LibraryWords? {
        if given.millisecondsSinceEpoch > now.millisecondsSinceEpoch + clockSkewMilliseconds {
            return LibraryWords("instant.future", "{what} cannot be later than now ({now}); it says {given}", ["now": "\(now)", "given": "\(given)"],
                                phrases: ["what": what])
        }
        if given < gdprApplies {
            return LibraryWords("instant.beforeGDPR", "{what} cannot be before 25 May 2018, when the GDPR began to apply (Art. 99(2)); it says {given}",
                                ["given": "\(given)"], phrases: ["what": what])
        }
        return nil
    }
}
