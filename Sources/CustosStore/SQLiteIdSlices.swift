internal import GRDB

/// A list of ids looked up with `IN (…)` a slice at a time: one statement for a whole list of
/// any length would pass SQLite's limit on parameters, and one statement an id costs a round
/// through the statement machinery each.
///
/// ```swift
/// try SQLiteIdSlices.forEach(of: ids) { marks, arguments in
///     found.formUnion(try String.fetchAll(db, sql: "SELECT id FROM subjects WHERE id IN (\(marks))", arguments: arguments))
/// }
/// ```
enum SQLiteIdSlices {
    /// Well under SQLite's limit on a statement's parameters (32,766; 999 before 3.32).
    static let idsPerStatement = 500

    /// Calls `body` with each slice of `ids` as the `?,?,…` of its `IN (…)` and the values to bind.
    static func forEach(of ids: [String], _ body: (_ marks: String, _ arguments: StatementArguments) throws -> Void) rethrows {
        for start in stride(from: 0, to: ids.count, by: idsPerStatement) {
            let slice = ids[start..<min(start + idsPerStatement, ids.count)]
            try body(Array(repeating: "?", count: slice.count).joined(separator: ","), StatementArguments(Array(slice)))
        }
    }

    /// The ids among `ids` that `select` finds: a statement whose one column is the id and
    /// which ends in `IN`, the list of a slice put after it.
    static func found(_ db: Database, _ select: String, among ids: [String]) throws -> Set<String> {
        var found: Set<String> = []
        try forEach(of: ids) { marks, arguments in found.formUnion(try String.fetchAll(db, sql: "\(select) (\(marks))", arguments: arguments)) }
        return found
    }
}
