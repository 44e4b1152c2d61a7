import Foundation
import Testing
@testable import CustosPostgres
import CustosStore
import CustosDecision
import CustosPolicy
import PostgresNIO

/// The decision log on a real PostgreSQL server. `make postgres-check` starts a throwaway
/// cluster and sets `CUSTOS_TEST_POSTGRES` (and `CUSTOS_PG_PASSWORD_FILE`); without them these
/// tests fail rather than pass vacuously. Run only the SQLite part with
/// `swift test --skip CustosPostgresTests`.
@Suite(.serialized) struct PostgresDecisionLogTests {
    static var environment: [String: String] { ProcessInfo.processInfo.environment }

    /// A fresh database on the test server for one test; dropped afterwards.
    static func withDatabase<T>(_ body: (PostgresAddress) async throws -> T) async throws -> T {
        guard let url = environment["CUSTOS_TEST_POSTGRES"] else {
            Issue.record("CUSTOS_TEST_POSTGRES is not set: run `make postgres-check`, or skip this suite with `swift test --skip CustosPostgresTests`")
            throw PostgresStoreError.unavailable("no test server")
        }
        let admin = try PostgresAddress(parsing: url, environment: environment)
        let name = "custos_test_\(UInt32.random(in: 0...UInt32.max))"
        try await adminQuery(admin, "CREATE DATABASE \(name)")
        do {
            let result = try await body(admin.database(name))
            try await adminQuery(admin, "DROP DATABASE \(name) WITH (FORCE)")
            return result
        } catch {
            try? await adminQuery(admin, "DROP DATABASE \(name) WITH (FORCE)")
            throw error
        }
    }

    static func adminQuery(_ address: PostgresAddress, _ sql: String) async throws {
        let client = PostgresClient(configuration: .init(host: address.host, port: address.port, username: address.user,
                                                         password: address.password, database: address.database, tls: .disable))
        let running = Task { await client.run() }
        defer { running.cancel() }
        try await client.query(PostgresQuery(unsafeSQL: sql))
    }

    static func decision(_ index: Int) -> Decision {
        let permit = index % 3 != 0
        return Decision(outcome: permit ? .permit : .deny, action: .read, subject: "D-\(index)", purpose: "P-DEBT-COLLECT",
                        actor: "collections-service", recipient: nil,
                        fields: [FieldOutcome(field: "email", outcome: permit ? .permit : .deny, reasons: permit ? [] : [.consentWithdrawn])],
                        basis: nil, reasons: permit ? [] : [Reason(code: .consentWithdrawn, explanation: "withdrawn")], obligations: [],
                        policyDigest: "test", hypothetical: false)
    }

    @Test func appendsFromThreeProcessesFormOneChainWithoutGapOrFork() async throws {
        try await Self.withDatabase { address in
            // Three pools on one database stand for three `custos serve` processes: each has its
            // own group commit; the chain is serialised in the database.
            let processes = try await withThrowingTaskGroup(of: PostgresDatabase.self) { group in
                for _ in 0..<3 { group.addTask { try await PostgresDatabase.open(address) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            defer { processes.forEach { $0.close() } }
            let logs = processes.map(PostgresDecisionLog.init)
            let perProcess = 200
            let sequences = try await withThrowingTaskGroup(of: Int64.self) { group in
                for (index, log) in logs.enumerated() {
                    for n in 0..<perProcess {
                        group.addTask { try await log.append(Self.decision(index * perProcess + n), at: Instant(millisecondsSinceEpoch: 1_750_000_000_000)) }
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(Set(sequences) == Set(1...Int64(3 * perProcess)), "every append got its own number, none skipped")
            let verification = try await logs[0].verify()
            #expect(verification.isIntact, "\(verification.problem ?? "")")
            #expect(verification.entries == Int64(3 * perProcess))
            var entries = 0, largest = 0
            for log in logs {
                let totals = await log.groupTotals()
                entries += totals.entries
                largest = max(largest, totals.largest)
            }
            #expect(entries == 3 * perProcess)
            #expect(largest > 1, "concurrent appends share a commit (groups: \(largest) at most)")
        }
    }

    @Test func aChangedEntryIsFoundByVerification() async throws {
        try await Self.withDatabase { address in
            let database = try await PostgresDatabase.open(address)
            defer { database.close() }
            let log = PostgresDecisionLog(database)
            for n in 0..<5 { _ = try await log.append(Self.decision(n), at: .now) }
            #expect(try await log.verify().isIntact)
            try await database.client.query("UPDATE decision_log SET outcome = CASE outcome WHEN 'deny' THEN 'permit' ELSE 'deny' END WHERE seq = 3")
            let changed = try await log.verify()
            #expect(changed.firstBroken == 3 && changed.problem == "entry 3 was changed after it was written")
            try await database.client.query("DELETE FROM decision_log WHERE seq = 3")
            #expect(try await log.verify().problem == "entry 3 is missing (next is 4)")
        }
    }

    @Test func serversStartingTogetherMigrateOnceAndANewerSchemaIsRefused() async throws {
        try await Self.withDatabase { address in
            let opened = try await withThrowingTaskGroup(of: PostgresDatabase.self) { group in
                for _ in 0..<4 { group.addTask { try await PostgresDatabase.open(address) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            var versions: [Int] = []
            for try await version in try await opened[0].client.query("SELECT version FROM custos_schema ORDER BY version").decode(Int.self) {
                versions.append(version)
            }
            #expect(versions == Array(1...PostgresSchema.latest), "each migration applied once")
            try await opened[0].client.query("INSERT INTO custos_schema (version) VALUES (\(PostgresSchema.latest + 1))")
            opened.forEach { $0.close() }
            await #expect(throws: PostgresStoreError.newerSchema(found: PostgresSchema.latest + 1, supported: PostgresSchema.latest)) {
                try await PostgresDatabase.open(address)
            }
        }
    }

    @Test func aServerThatWouldAcknowledgeBeforeDurableOrLogValuesIsRefused() async throws {
        try await Self.withDatabase { address in
            try await Self.adminQuery(address, "ALTER DATABASE \(address.database) SET synchronous_commit = off")
            await #expect(throws: PostgresStoreError.self) { try await PostgresDatabase.open(address) }
            do { _ = try await PostgresDatabase.open(address) } catch {
                #expect("\(error)".contains("synchronous_commit is off"))
            }
            try await Self.adminQuery(address, "ALTER DATABASE \(address.database) SET synchronous_commit = on")
            try await Self.adminQuery(address, "ALTER DATABASE \(address.database) SET log_statement = 'mod'")
            do { _ = try await PostgresDatabase.open(address); Issue.record("opened with log_statement = mod") } catch {
                #expect("\(error)".contains("log_statement is mod"))
            }
        }
    }

    @Test func aWrongPasswordOrAMissingServerIsAClearErrorWithoutThePassword() async throws {
        guard let url = Self.environment["CUSTOS_TEST_POSTGRES"] else { Issue.record("CUSTOS_TEST_POSTGRES is not set"); return }
        let wrong = try PostgresAddress(parsing: url, environment: ["CUSTOS_PG_PASSWORD": "not-the-password-xyz"])
        do { _ = try await PostgresDatabase.open(wrong); Issue.record("opened with a wrong password") } catch {
            #expect("\(error)".contains("password authentication failed"), "\(error)")
            #expect(!"\(error)".contains("not-the-password-xyz"))
        }
        var nowhere = wrong
        nowhere.port = 1
        do { _ = try await PostgresDatabase.open(nowhere); Issue.record("opened a server that is not there") } catch {
            #expect("\(error)".hasPrefix("the PostgreSQL server is unavailable"), "\(error)")
        }
    }

    /// A refused value never reaches an error message: PostgreSQL quotes it in a data
    /// exception's message, and the CLI prints these errors.
    @Test func aValueTheServerRefusesIsNotQuotedInTheError() async throws {
        try await Self.withDatabase { address in
            let database = try await PostgresDatabase.open(address)
            defer { database.close() }
            let refused = "jan.secret@example.nl"
            do {
                _ = try PostgresDatabase.blocking(database.client) { client, logger in
                    try await client.query("SELECT \(refused)::bigint", logger: logger)
                }
                Issue.record("the server took an e-mail address for a number")
            } catch {
                #expect("\(error)".contains("22P02"), "\(error)")
                #expect(!"\(error)".contains(refused), "\(error)")
            }
        }
    }

    @Test func addressesNeverCarryAPassword() throws {
        #expect(throws: PostgresStoreError.self) { try PostgresAddress(parsing: "postgres://custos:secret@db/custos", environment: [:]) }
        #expect(throws: PostgresStoreError.self) { try PostgresAddress(parsing: "postgres://db/custos", environment: [:]) }
        #expect(throws: PostgresStoreError.self) { try PostgresAddress(parsing: "postgres://custos@db/", environment: [:]) }
        #expect(throws: PostgresStoreError.self) { try PostgresAddress(parsing: "mysql://custos@db/custos", environment: [:]) }
        let address = try PostgresAddress(parsing: "postgres://custos@db.internal:6432/vault", environment: ["CUSTOS_PG_PASSWORD": "s3cret"])
        #expect(address.host == "db.internal" && address.port == 6432 && address.database == "vault" && address.password == "s3cret")
        #expect(!address.isLoopback && !address.description.contains("s3cret"))
    }
}
