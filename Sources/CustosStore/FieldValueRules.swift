package import CustosPolicy

/// Checks on values the engine itself reads: the birth date decides age checks, so a value
/// that is not a real date must be refused when it arrives, never stored as "age unknown".
package enum FieldValueRules {
    /// The field holds a date of birth: named `birth_date` or tagged `pd:DateOfBirth`.
    package static func isBirthDate(_ field: String, policy: CompiledPolicy) -> Bool {
        guard let id = policy.fields.id(field) else { return false }
        return field == "birth_date" || policy.policy.fields[id].dpv == "pd:DateOfBirth"
    }

    /// Why `value` is not a plausible date of birth, or nil.
    package static func birthDateProblem(_ value: String, today: LocalDate) -> String? {
        guard let date = LocalDate(parsing: value) else { return "a birth date must be a real date as YYYY-MM-DD" }
        guard date.year >= 1850 else { return "a birth date before 1850 is not plausible" }
        guard date <= today else { return "a birth date lies in the future" }
        return nil
    }
}
