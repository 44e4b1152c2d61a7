import Foundation
import Testing
@testable import CustosPostgres
@testable import CustosOnPostgres
@testable import CustosSimulation
import CustosStore
import Custos

/// `custos demo` on both backends: the same officer's day gives the same summary and the same
/// reports on SQLite and on PostgreSQL, replaces an earlier simulation in the database, and
/// never touches a real vault or a keyring.
@Suite(.serialized) struct OfficersDayTests {
    static let subjects = 150

    static func folder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("custos-day-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    @Test func theDayIsTheSameOnBothBackendsAndReplacesAnEarlierSimulation() async throws {
        try await PostgresDecisionLogTests.withDatabase { address in
            try await KeyringStorageTests.offThePool {
                let sqlite = try Self.folder(), postgres = try Self.folder()
                defer { for folder in [sqlite, postgres] { try? FileManager.default.removeItem(at: folder) } }
                // An earlier simulation in the database, with a subject the day does not make.
                let earlier = try PostgresEngine.initialise(vault: address, keyring: KeyringFile(path: postgres.appendingPathComponent("custos.keys.db").path),
                                                            masterKey: .file(postgres.appendingPathComponent("custos.key").path),
                                                            policies: PostgresVaultTests.policies, simulation: true)
                #expect(earlier.isSimulation)
                try earlier.addSubjects([NewSubject(id: "X-EARLIER", category: "prospect", values: ["email": "x@example.nl"], source: "test")], by: "test")
                earlier.close()

                let onSQLite = try OfficersDay.run(DemoOptions(folder: sqlite.path, policies: PostgresVaultTests.policies, subjects: Self.subjects)) { _ in }
                let onPostgres = try OfficersDay.run(DemoOptions(folder: postgres.path, policies: PostgresVaultTests.policies, subjects: Self.subjects,
                                                                 database: address)) { _ in }
                #expect(onPostgres.lines == onSQLite.lines)
                #expect(onPostgres.lines.contains { $0.hasPrefix("audit: decision log intact") && $0.hasSuffix("verified") })
                #expect(onPostgres.reports.count == onSQLite.reports.count && !onSQLite.reports.isEmpty)
                for report in onSQLite.reports where report.hasSuffix(".md") {
                    let name = URL(fileURLWithPath: report).lastPathComponent
                    let lines = { (folder: URL) in
                        try String(contentsOf: folder.appendingPathComponent("reports").appendingPathComponent(name), encoding: .utf8)
                            .split(separator: "\n").filter { !$0.hasPrefix("- **Engine**") }
                    }
                    #expect(try lines(postgres) == lines(sqlite), "\(name) differs between the backends")
                    #expect(try lines(postgres).contains { $0.contains("every record in this vault is simulated") }, "\(name) is not marked simulated")
                }

                let engine = try PostgresEngine.open(vault: address, keyring: KeyringFile(path: postgres.appendingPathComponent("custos.keys.db").path),
                                                     masterKey: .file(postgres.appendingPathComponent("custos.key").path))
                defer { engine.close() }
                #expect(engine.isSimulation)
                #expect(try engine.existingSubjects(["X-EARLIER"]).isEmpty, "the earlier simulation was replaced")
                #expect(try engine.verifyLog().isIntact)
            }
        }
    }

    @Test func aRealVaultOrAKeyringIsNeverTouched() async throws {
        try await PostgresDecisionLogTests.withDatabase { address in
            try await KeyringStorageTests.offThePool {
                let folder = try Self.folder()
                defer { try? FileManager.default.removeItem(at: folder) }
                let real = try PostgresEngine.initialise(vault: address, keyring: KeyringFile(path: folder.appendingPathComponent("real.keys.db").path),
                                                         masterKey: .file(folder.appendingPathComponent("real.key").path), policies: PostgresVaultTests.policies)
                try real.addSubjects([NewSubject(id: "D-REAL", category: "debtor", values: ["email": "real@example.nl"], source: "test")], by: "test")
                let day = folder.appendingPathComponent("day")
                #expect {
                    _ = try OfficersDay.run(DemoOptions(folder: day.path, policies: PostgresVaultTests.policies, subjects: Self.subjects, database: address)) { _ in }
                } throws: { error in
                    "\(error)".contains("not a simulation") && "\(error)".contains("another --db")
                }
                #expect(try real.existingSubjects(["D-REAL"]) == ["D-REAL"], "the real vault is untouched")
                #expect(!real.isSimulation)
                real.close()
            }
        }
        // A database that holds a keyring is refused too.
        try await PostgresDecisionLogTests.withDatabase { address in
            try await KeyringStorageTests.offThePool {
                let folder = try Self.folder()
                defer { try? FileManager.default.removeItem(at: folder) }
                let place = PostgresKeyringPlace(address: address)
                _ = try KeyringStorageTests.makeKeyring(place, folder)
                #expect(throws: DemoError.self) {
                    _ = try OfficersDay.run(DemoOptions(folder: folder.path, policies: PostgresVaultTests.policies, subjects: Self.subjects, database: address)) { _ in }
                }
                #expect(try place.exists(), "the keyring is untouched")
            }
        }
    }
}
