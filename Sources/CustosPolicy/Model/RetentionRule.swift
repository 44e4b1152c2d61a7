/// How long data kept for a purpose may live, counted from a lifecycle event.
package struct RetentionRule: Sendable, Encodable {
    package var id: Ref
    package var keep: CalendarDuration
    /// The lifecycle event that starts the period.
    package var from: Ref
    /// Count from the end of the financial year in which the event fell (AWR 52(4)).
    package var fromYearEnd: Bool
    /// A statutory minimum that erasure requests cannot shorten.
    package var minimum: CalendarDuration?
    package var ground: String
    package var minimumGround: String?
    package var onExpiry: RetentionAction
}

/// The retention of a record Custos keeps about processing rather than a field: the decision
/// log (`decision-log`: the sweep prunes older entries and signs the pruned head, so the rest
/// of the chain still verifies) and the minimal consent proof left after an erasure
/// (`consent-proof`, Art. 7(1)).
package struct DecisionLogRetention: Sendable, Encodable {
    package var keep: CalendarDuration
    package var ground: String
    package var location: SourceLocation

    private enum CodingKeys: String, CodingKey { case keep, ground }
}
