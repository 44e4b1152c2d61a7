package import CustosPolicy
package import CustosStore

extension CompiledPolicy {
    /// Refuses fields and purposes the policy does not declare, the nearest declared id in the
    /// message: an officer's record (a hold, a restriction, an objection) that names an id by
    /// mistake would apply to nothing and leave the meant one unprotected. An empty list names
    /// nothing either (leave it out to mean every field or purpose).
    ///
    /// ```swift
    /// try policy.refuseUndeclared(fields: ["emial"], purposes: nil)  // field 'emial' …; did you mean 'email'?
    /// ```
    package func refuseUndeclared(fields: [String]?, purposes: [String]?) throws(StoreError) {
        if let fields {
            guard !fields.isEmpty else { throw StoreError.invalidInput("the list of fields is empty; leave it out to mean every field") }
            for field in fields where self.fields.id(field) == nil {
                throw StoreError.invalidInput("field '\(field)' is not declared in the policy\(Self.hint(field, policy.fields.map(\.id.id)))")
            }
        }
        if let purposes {
            guard !purposes.isEmpty else { throw StoreError.invalidInput("the list of purposes is empty; leave it out to mean every purpose") }
            for purpose in purposes where policy.purpose(purpose) == nil {
                throw StoreError.unknownPurpose(purpose)
            }
        }
    }

    private static func hint(_ word: String, _ candidates: [String]) -> String {
        closestMatch(to: word, in: candidates).map { "; did you mean '\($0)'?" } ?? ""
    }
}
