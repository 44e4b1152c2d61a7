package import CustosPolicy

extension Recipient {
    /// A sub-processor's authorisation at an instant (Art. 28(2)): the officer's latest record
    /// up to it decides; without one, the policy's (specific from its date; general once the
    /// objection window after the notification has passed). One answer for the evaluator and
    /// for `custos subprocessor list`.
    ///
    /// ```swift
    /// let holding = support.authorisation(records: facts.subProcessors, at: now, on: today)
    /// ```
    package func authorisation(records: [SubProcessorRecord], at instant: Instant, on date: LocalDate) -> SafeguardHolding {
        var latest: SubProcessorRecord?
        for record in records where record.recipient == id.id && record.at <= instant && (latest.map { !(record.at < $0.at) } ?? true) {
            latest = record
        }
        if let latest {
            switch latest.state {
            case .authorised: return .holds
            case .objected: return .fails(.objected(recordedFor: latest.at))
            case .withdrawn: return .fails(.authorisationWithdrawn(recordedFor: latest.at))
            }
        }
        guard let authorisation, let since = authorisation.since else { return .fails(.noAuthorisation) }
        switch authorisation.kind {
        case .specific:
            return date < since ? .fails(.authorised(from: since)) : .holds
        case .general:
            guard let window = authorisation.objectionWindow else { return .fails(.noObjectionWindow) }
            let end = since.adding(window)
            return date <= end ? .fails(.objectionWindow(notifiedOn: since, runsUntil: end)) : .holds
        }
    }
}
