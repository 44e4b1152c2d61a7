package import CustosPolicy

/// Which of a subject's stored fields the retention sweep destroys on a date (gdpr.md §8):
/// a field expires only when no purpose still holds it.
///
/// A purpose holds a field of a subject when
/// 1. it covers the subject's category and the field (and, for a field kept after an
///    erasure, is one of the purposes it was kept for);
/// 2. it is under way for the subject: a purpose with `starts-with` only once that event has
///    happened (or when the field was collected for it); a consent-based one only once the
///    subject gave consent to it; any other from collection, unless the field records other
///    purposes it was collected for;
/// 3. its retention has not ended: the start event has not happened yet, the period or the
///    statutory minimum has not run out, or a legal hold covers the field and purpose.
///
/// A purpose without a retention rule never ends, so it holds its fields (the validator
/// warns about such purposes). Subjects of a category the policy no longer declares, and
/// fields it no longer declares, are left alone and reported: a policy edit must not silently
/// destroy data.
///
/// ```swift
/// let plan = RetentionSchedule(policy: compiled).plan(for: facts, on: LocalDate(year: 2031, month: 1, day: 1))
/// for field in plan.expired { print(field.field, field.why) }
/// ```
package struct RetentionSchedule: Sendable {
    package let policy: CompiledPolicy

    package init(policy: CompiledPolicy) {
        self.policy = policy
    }

    /// A field the sweep destroys, with every purpose's reason.
    package struct ExpiredField: Sendable, Hashable, Codable {
        package var field: String
        /// One line per purpose that could hold it, e.g. `P-SCORING: RET-SCORE ended on 2025-03-01`.
        package var why: [String]
        /// The policy asks for anonymisation rather than deletion; the vault cannot keep an
        /// anonymous form of an encrypted value, so the value is destroyed either way.
        package var anonymise: Bool
        /// The same reasons as data, one per purpose in `why`'s order: the retention rule that
        /// ended, or none where the purpose never held the field for this person (not under
        /// way, no consent, collected or kept for other purposes). Empty when no purpose of
        /// the subject's category uses the field.
        package var released: [Release] = []
    }

    /// Why one purpose no longer holds a field.
    package struct Release: Sendable, Hashable, Codable {
        package var purpose: String
        /// The retention rule whose period ended; nil when the purpose never held the field.
        package var rule: String?
    }

    package struct Plan: Sendable, Hashable, Codable {
        package var subject: String
        package var expired: [ExpiredField]
        /// Fields that stay, in field order.
        package var kept: [String]
        /// Why the subject was not swept at all (unknown category), or fields left alone
        /// because the policy does not declare them.
        package var skipped: [String]

        /// Nothing is left after the sweep: the subject key goes too.
        package var destroysEverything: Bool { !expired.isEmpty && kept.isEmpty && skipped.isEmpty }
    }

    package func plan(for facts: Facts, on date: LocalDate) -> Plan {
        guard let subject = facts.subject else { return Plan(subject: "", expired: [], kept: [], skipped: ["no such subject"]) }
        var plan = Plan(subject: subject.id, expired: [], kept: [], skipped: [])
        if let undeclared = subject.categories.first(where: { policy.subjects.id($0) == nil }) {
            plan.skipped = ["category '\(undeclared)' is not in the policy; the subject is left alone"]
            return plan
        }
        // Every purpose that covers any of the subject's categories may keep its fields.
        let purposes = policy.policy.purposes.filter { purpose in purpose.coveredCategory(of: subject.categories) != nil }
        for stored in facts.fields {
            guard policy.fields.id(stored.field) != nil else {
                plan.skipped.append("field '\(stored.field)' is not in the policy; left alone")
                continue
            }
            var why: [String] = []
            var released: [Release] = []
            var held = false
            var anonymise = false
            for purpose in purposes where purpose.fields.contains(where: { $0.id == stored.field }) {
                switch holding(stored, by: purpose, facts: facts, on: date) {
                case .holds:
                    held = true
                case let .released(reason, rule):
                    why.append("\(purpose.id.id): \(reason)")
                    released.append(Release(purpose: purpose.id.id, rule: rule?.id.id))
                    if rule?.onExpiry == .anonymise { anonymise = true }
                }
                if held { break }
            }
            if held {
                plan.kept.append(stored.field)
            } else {
                if why.isEmpty { why = ["no purpose for category '\(subject.category)' uses it"] }
                plan.expired.append(ExpiredField(field: stored.field, why: why, anonymise: anonymise, released: released))
            }
        }
        return plan
    }

    /// The purposes that hold a stored field on `date`: those that apply to this person now
    /// (started, consented to, not released by an erasure, within their retention). An access
    /// answer lists these, not every purpose that could concern the person's category.
    package func purposesHolding(_ stored: FieldProvenance, facts: Facts, on date: LocalDate) -> [Purpose] {
        guard let categories = facts.subject?.categories else { return [] }
        return policy.policy.purposes.filter { purpose in
            guard purpose.coveredCategory(of: categories) != nil, purpose.fields.contains(where: { $0.id == stored.field }) else { return false }
            if case .holds = holding(stored, by: purpose, facts: facts, on: date) { return true }
            return false
        }
    }

    enum Holding {
        case holds
        case released(String, RetentionRule?)
    }

    func holding(_ stored: FieldProvenance, by purpose: Purpose, facts: Facts, on date: LocalDate) -> Holding {
        let id = purpose.id.id
        if let keptFor = stored.keptFor, !keptFor.contains(id) {
            return .released("the field was kept after an erasure only for \(keptFor.joined(separator: ", "))", nil)
        }
        let collectedForIt = stored.collectedFor?.contains(id) ?? false
        if let startsWith = purpose.startsWith?.id {
            if !collectedForIt, !facts.events.contains(where: { $0.event == startsWith && $0.date <= date }) {
                return .released("not under way ('\(startsWith)' has not happened)", nil)
            }
        } else if let collectedFor = stored.collectedFor, !collectedForIt {
            return .released("the field was collected for \(collectedFor.joined(separator: ", ")) only", nil)
        } else if let categories = facts.subject?.categories, purpose.basis(forAnyOf: categories) == .consent,
                  !facts.consents.contains(where: { $0.purpose == id }) {
            return .released("no consent was ever given to it", nil)
        }
        guard let ruleId = purpose.retention?.id, let rule = policy.policy.retentionRule(ruleId) else { return .holds }
        guard let start = startDate(of: stored, rule: rule, facts: facts, on: date) else { return .holds }
        let end = start.adding(rule.keep)
        if date <= end { return .holds }
        if let minimum = rule.minimum, date <= start.adding(minimum) { return .holds }
        if facts.legalHolds.contains(where: { hold in
            hold.since <= date && (hold.until.map { date <= $0 } ?? true)
                && (hold.fields?.contains(stored.field) ?? true) && (hold.purposes?.contains(id) ?? true)
        }) { return .holds }
        return .released("\(rule.id.id) ended on \(end)", rule)
    }

    /// The first day of the retention period: the latest start event on or before the date
    /// (or the collection date), moved to the end of its year for `from-year-end` rules.
    func startDate(of stored: FieldProvenance, rule: RetentionRule, facts: Facts, on date: LocalDate) -> LocalDate? {
        let start: LocalDate? = rule.from.id == "collected"
            ? stored.collected
            : facts.events.filter { $0.event == rule.from.id && $0.date <= date }.map(\.date).max()
        guard let start else { return nil }
        return rule.fromYearEnd ? LocalDate(year: start.year, month: 12, day: 31) : start
    }
}
