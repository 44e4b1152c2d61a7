/// What can go wrong with a PostgreSQL store, in words an operator can act on. No message
/// carries a statement's values.
package enum PostgresStoreError: Error, Sendable, Equatable, CustomStringConvertible {
    case badAddress(String)
    /// The server could not be reached, refused the role or password, or went away.
    case unavailable(String)
    /// The server answered and refused one statement for a reason of the data (a constraint, an
    /// append-only trigger, a value out of range): not an outage, so no retry helps.
    case refused(String)
    /// A setting would lose acknowledged decisions, or write values into the server's log.
    case unsafeSetting(String)
    /// The database holds a schema from a newer Custos.
    case newerSchema(found: Int, supported: Int)
    /// The outcome of a commit is unknown (the connection went away during it): the caller
    /// must treat the decisions as not logged, and so deny.
    case commitUnknown
    case chain(String)
    /// The database holds the other half of a vault (the keyring where the vault should be,
    /// or the other way round).
    case wrongDatabase(String)

    package var description: String {
        switch self {
        case .badAddress(let message): message
        case .unavailable(let message): "the PostgreSQL server is unavailable: \(message)"
        case .refused(let message): "the PostgreSQL server refused a statement: \(message)"
        case .unsafeSetting(let message): "refused: \(message)"
        case .newerSchema(let found, let supported):
            "the database has schema version \(found), from a newer Custos; this one knows up to \(supported): upgrade Custos"
        case .commitUnknown: "the connection was lost during a commit; its outcome is unknown, so nothing is acknowledged"
        case .chain(let message): message
        case .wrongDatabase(let message): message
        }
    }
}
