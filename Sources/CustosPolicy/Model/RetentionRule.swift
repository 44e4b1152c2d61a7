/// How long data kept for a purpose may live, counted from a lifecycle event.
public struct RetentionRule: Sendable, Encodable {
    public var id: Ref
    public var keep: CalendarDuration
    /// The lifecycle event that starts the period.
    public var from: Ref
    /// Count from the end of the financial year in which the event fell (AWR 52(4)).
    public var fromYearEnd: Bool
    /// A statutory minimum that erasure requests cannot shorten.
    public var minimum: CalendarDuration?
    public var ground: String
    public var minimumGround: String?
    public var onExpiry: RetentionAction
}

/// The retention of a record Custos keeps about processing rather than a field: the decision
/// log (`decision-log`: the sweep prunes older entries and signs the pruned head, so the rest
/// of the chain still verifies) and the minimal consent proof left after an erasure
/// (`consent-proof`, Art. 7(1)).
public struct DecisionLogRetention: Sendable, Encodable {
    public var keep: CalendarDuration
    public var ground: String
    public var location: SourceLocation

    private enum CodingKeys: String, CodingKey { case keep, ground }
}
