extension Evaluation {
    /// After the pipeline of gdpr.md §15 (project addition, gdpr.md §13): data obtained from
    /// others may be disclosed, or used to contact the subject, only once the subject has the
    /// Art. 14 information, at the latest then (Art. 14(3)(b), (c)). Not a deny: the caller
    /// may go ahead if it sends the information with or before this use, which the
    /// `inform-subject-first` obligation says and the vault turns into a task.
    mutating func informationDuty() {
        guard let rules, !rules.indirectFields.isEmpty else { return }
        let communication = request.action == .read && rules.isCommunication
        guard request.action == .share || communication, let notice = rules.purpose.notice?.id else { return }
        // As consent events do, a record counts from its own instant: information given after
        // the moment decided (a decision `at` an earlier time) did not yet reach the subject.
        if facts.information.contains(where: { $0.notice == notice && $0.at <= at }) { return }
        var told = false
        for index in fieldNames.indices where !isBlocked(index) {
            let name = fieldNames[index]
            guard let stored = facts.fields.first(where: { $0.field == name }),
                  rules.obtainedIndirectly(name, provenance: stored.source) else { continue }
            let use = communication ? "used to communicate with the subject" : "disclosed to '\(request.recipient ?? "")'"
            inform(.informationNotYetGiven, "the subject has not been given the information of notice '\(notice)' about data obtained from '\(stored.source ?? "")'; it must reach them no later than this \(communication ? "communication" : "disclosure") (\(use))", field: index)
            told = true
        }
        if told { oblige(.informSubjectFirst) }
    }
}
