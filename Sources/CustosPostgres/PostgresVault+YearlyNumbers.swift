import PostgresNIO
import CustosStore

/// Requests and breaches are numbered per year (`RQ-2026-0001`, `BR-2026-0001`) across every
/// process on the vault: the highest number of the year is read and the next one inserted
/// under a transaction-level advisory lock of the kind's own, which the caller's commit releases.
extension PostgresVault {
    enum NumberedTable: String {
        case requests, breaches

        var lock: Int64 {
            switch self {
            case .requests: PostgresSchema.requestNumberLock
            case .breaches: PostgresSchema.breachNumberLock
            }
        }
    }

    /// The next id of `numbering`'s year in `table`, on the caller's transaction, which must
    /// insert it before it commits.
    static func nextNumber(_ numbering: YearlyNumbering, in table: NumberedTable, on connection: PostgresConnection, logger: Logger) async throws -> String {
        try await connection.query("SELECT pg_advisory_xact_lock(\(table.lock))", logger: logger)
        var highest: Int?
        // Ids are generated here only, `<kind>-<year>-<digits>`: the third part is the number.
        for try await found in try await connection.query(
            "SELECT max(split_part(id, '-', 3)::bigint) FROM \(unescaped: table.rawValue) WHERE id LIKE \(numbering.prefix + "%")", logger: logger)
            .decode(Int?.self) {
            highest = found
        }
        return numbering.id(after: highest)
    }
}
