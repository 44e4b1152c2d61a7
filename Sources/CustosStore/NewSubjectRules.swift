package import CustosPolicy

extension NewSubject {
    /// Why this subject cannot be stored under `policy`, as the error every way of adding one
    /// throws (`addSubject`, `addSubjects`, an import's pages, on either backend): an id that
    /// is not one, an empty source, a category, lifecycle event or field the policy does not
    /// declare (as `recordEvent` refuses one), an event's date later than today or before 1900
    /// (`LifecycleEventDates`), a value that is empty or not plausible.
    /// Messages name the field, never the value.
    ///
    /// ```swift
    /// try subject.check(policy: policy, today: policy.localDate(of: now))
    /// ```
    package func check(policy: CompiledPolicy, today: LocalDate) throws(StoreError) {
        if let problem = SubjectId.problem(id) { throw StoreError.invalidInput(problem) }
        try LabelText.check(source, LibraryWords("what.subjectSource", "a subject's source (where its data came from)"))
        for category in [category] + otherCategories where policy.subjects.id(category) == nil { throw StoreError.unknownCategory(category) }
        for event in events where event.event != "collected" && !policy.policy.lifecycleEvents.contains(where: { $0.id.id == event.event }) {
            throw StoreError.unknownEvent(event.event)
        }
        for event in events { try LifecycleEventDates.check(event.date, today: today) }
        for field in values.keys.sorted() where policy.fields.id(field) == nil { throw StoreError.unknownField(field) }
        try FieldValueRules.check(values, policy: policy, today: today)
    }
}
