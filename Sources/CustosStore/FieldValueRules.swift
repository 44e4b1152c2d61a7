package import CustosPolicy

/// Checks on every value before it is sealed: a value with nothing in it is no value (leave
/// the field out to store nothing; an empty e-mail address would match every other empty one
/// in the blind index), a value holds no control character but tabs and line ends, and the
/// birth date, which decides age checks, must be a real date when it arrives, never stored as
/// "age unknown".
package enum FieldValueRules {
    /// Refuses the first value (in field order) that cannot be stored, naming its field and
    /// never the value; what every add and store checks, on both backends.
    package static func check(_ values: [String: String], policy: CompiledPolicy, today: LocalDate) throws(StoreError) {
        for field in values.keys.sorted() {
            if let problem = problem(field: field, value: values[field]!, policy: policy, today: today) { throw StoreError.invalidInput("\(field): \(problem)") }
        }
    }

    /// Why `value` cannot be stored in `field`, or nil; never quotes the value.
    package static func problem(field: String, value: String, policy: CompiledPolicy, today: LocalDate) -> String? {
        if BlankText.isBlank(value) { return "a value may not be empty or blank; leave the field out to store nothing" }
        // No person's data holds an escape or a NUL; printed to an officer's terminal, an
        // escape sequence is obeyed. Tabs and line ends (an address on lines) are data.
        if FreeText.hasControlCharacter(value) { return "a value may not hold control characters other than tabs and line ends" }
        if isBirthDate(field, policy: policy) { return birthDateProblem(value, today: today) }
        return nil
    }

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
