import Foundation

/// Where a PostgreSQL vault lives: `postgres://user@host[:port]/database`. The password is
/// never part of the address (an address ends up in shell history, process lists and logs):
/// it comes from `CUSTOS_PG_PASSWORD_FILE` (a file holding only the password) or
/// `CUSTOS_PG_PASSWORD`.
///
/// ```swift
/// let address = try PostgresAddress(parsing: "postgres://custos@127.0.0.1:5432/custos", environment: env)
/// ```
package struct PostgresAddress: Sendable, Equatable {
    package var host: String
    package var port: Int
    package var user: String
    package var database: String
    package var password: String?

    /// Loopback needs no TLS; any other host is reached over TLS only.
    package var isLoopback: Bool { host == "127.0.0.1" || host == "::1" || host == "localhost" }

    package init(parsing text: String, environment: [String: String]) throws(PostgresStoreError) {
        guard text.hasPrefix("postgres://") || text.hasPrefix("postgresql://"),
              let components = URLComponents(string: text), let host = components.host, !host.isEmpty else {
            throw .badAddress("a PostgreSQL address is postgres://user@host[:port]/database")
        }
        guard components.password == nil else {
            throw .badAddress("the address holds a password: give it in CUSTOS_PG_PASSWORD_FILE or CUSTOS_PG_PASSWORD, never in the address")
        }
        guard let user = components.user, !user.isEmpty else { throw .badAddress("the address names no user (postgres://user@host/database)") }
        let database = String(components.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty, !database.contains("/") else { throw .badAddress("the address names no database (postgres://user@host/database)") }
        guard components.query == nil, components.fragment == nil else { throw .badAddress("the address takes no options after the database") }
        self.host = host
        port = components.port ?? 5432
        self.user = user
        self.database = database
        if let file = environment["CUSTOS_PG_PASSWORD_FILE"] {
            guard let contents = FileManager.default.contents(atPath: file), let text = String(data: contents, encoding: .utf8) else {
                throw .badAddress("CUSTOS_PG_PASSWORD_FILE: cannot read \(file)")
            }
            password = text.trimmingCharacters(in: .newlines)
        } else {
            password = environment["CUSTOS_PG_PASSWORD"]
        }
    }

    /// The address with another database, on the same server and role.
    package func database(_ name: String) -> PostgresAddress {
        var copy = self
        copy.database = name
        return copy
    }

    /// For messages: never the password.
    package var description: String { "postgres://\(user)@\(host):\(port)/\(database)" }
}
