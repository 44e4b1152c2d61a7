import Foundation
import Synchronization
package import Custos
import CustosReports
import CustosStore
package import CustosPostgres
import CustosOnPostgres

/// What `custos demo` is asked to do.
package struct DemoOptions: Sendable {
    package var folder: String
    package var policies: String
    package var subjects: Int
    package var seed: UInt64
    /// The simulated working day (a Monday, after N-NEWS v3 came into force).
    package var day: LocalDate
    /// A PostgreSQL database for the vault instead of `custos.db` in the folder (the keyring
    /// and the key stay in the folder: never in the vault's database).
    package var database: PostgresAddress?

    package init(folder: String, policies: String, subjects: Int = 3_000, seed: UInt64 = 20_251_006,
                day: LocalDate = LocalDate(year: 2025, month: 10, day: 6)!, database: PostgresAddress? = nil) {
        self.folder = folder
        self.policies = policies
        self.subjects = subjects
        self.seed = seed
        self.day = day
        self.database = database
    }
}

/// What the day did, for the closing summary.
package struct DemoSummary: Sendable {
    package var lines: [String]
    package var reports: [String]
    package var folder: String
}

package enum DemoError: Error, CustomStringConvertible {
    case notASimulation(String)
    /// A database that holds a real vault, or a keyring (the reason says which).
    case notASimulationDatabase(String, reason: String)
    /// A master key or keyring in the folder that no simulation vault vouches for.
    case unvouchedKey(String)

    package var description: String {
        switch self {
        case let .notASimulation(path): "'\(path)' holds a vault that is not a simulation; the demo never touches a real vault. Choose another --folder."
        case let .notASimulationDatabase(address, reason): "\(address): \(reason). Choose another --db (an empty database, or an earlier demo's)."
        case let .unvouchedKey(path):
            "'\(path)' exists, but no simulation vault in the folder or the database shows it is a demo's; the demo never deletes a master key or keyring that may open a real vault. Choose another --folder, or remove it yourself."
        }
    }
}

/// The simulation vault's clock: set by the script, read by the engine.
final class SimulationClock: Sendable {
    private let current: Mutex<Instant>
    let policy: CompiledPolicy

    init(_ start: Instant, policy: CompiledPolicy) {
        current = Mutex(start)
        self.policy = policy
    }

    var now: Instant { current.withLock { $0 } }

    /// Moves to a time of day (HH:MM, the controller's time zone) on a date.
    func set(_ date: LocalDate, _ time: String = "09:00") {
        let parts = time.split(separator: ":").compactMap { Int($0) }
        let instant = Instant(millisecondsSinceEpoch: policy.startOfDay(date).millisecondsSinceEpoch + Int64((parts[0] * 60 + parts[1]) * 60_000))
        current.withLock { $0 = instant }
    }
}

/// The main job on the embedded default (the reports issue): a fresh simulation vault with a
/// synthetic population built from the seed policy, and a privacy officer's working day on it,
/// with the services reading and sharing, consents coming and going, requests of every type,
/// a retention sweep, the reports and the audit checkpoint.
///
/// ```swift
/// let summary = try OfficersDay.run(DemoOptions(folder: "demo", policies: "policies/invorderingsbedrijf")) { print($0) }
/// summary.lines.forEach { print($0) }
/// ```
package enum OfficersDay {
    /// - Parameters:
    ///   - detail: fine-grained progress of long steps (for a terminal line that is rewritten).
    ///   - progress: one line per step of the day.
    package static func run(_ options: DemoOptions, detail: ((String) -> Void)? = nil, progress: @escaping (String) throws -> Void) throws -> DemoSummary {
        let folder = URL(fileURLWithPath: options.folder)
        try prepare(folder, database: options.database)
        let policies = URL(fileURLWithPath: options.policies).standardizedFileURL.path
        let compiled = try PrivacyEngine.compilePolicy(policies)
        let clock = SimulationClock(compiled.startOfDay(options.day), policy: compiled)
        let key = MasterKeySource.file(folder.appendingPathComponent("custos.key").path)
        let vault: any OfficeEngine
        if let database = options.database {
            let engine = try PostgresEngine.initialise(vault: database, keyring: KeyringFile(path: folder.appendingPathComponent("custos.keys.db").path),
                                                       masterKey: key, policies: policies, simulation: true, clock: { clock.now })
            defer { engine.close() }
            vault = engine
            return try run(on: vault, clock: clock, options: options, folder: folder, detail: detail, progress: progress)
        }
        vault = try PrivacyEngine.initialise(vault: folder.appendingPathComponent("custos.db").path, masterKey: key, policies: policies,
                                             simulation: true, clock: { clock.now })
        return try run(on: vault, clock: clock, options: options, folder: folder, detail: detail, progress: progress)
    }

    private static func run(on vault: any OfficeEngine, clock: SimulationClock, options: DemoOptions, folder: URL, detail: ((String) -> Void)?,
                            progress: @escaping (String) throws -> Void) throws -> DemoSummary {
        var day = Day(vault: vault, clock: clock, options: options, folder: folder, progress: progress, detail: detail)
        try day.history()
        try day.work()
        return DemoSummary(lines: day.summary, reports: day.reports, folder: folder.path)
    }

    /// A fresh folder (and database); an earlier demo in them is replaced, a real vault never.
    /// The folder's master key and keyring are deleted only when a simulation vouches for
    /// them (the folder's vault, or the database, holds an earlier demo): a key or keyring
    /// beside no vault may open a real vault elsewhere (`--keyring`, a PostgreSQL vault).
    static func prepare(_ folder: URL, database: PostgresAddress?) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let vault = folder.appendingPathComponent("custos.db").path
        var vouched = false
        if FileManager.default.fileExists(atPath: vault) {
            guard try VaultStore.isSimulation(vault: vault) else { throw DemoError.notASimulation(vault) }
            vouched = true
        }
        if let database {
            do {
                if try PostgresVault.discardSimulation(at: database) { vouched = true }
            } catch let error as PostgresStoreError {
                guard case let .wrongDatabase(reason) = error else { throw error }
                throw DemoError.notASimulationDatabase(database.description, reason: reason)
            }
        }
        let key = folder.appendingPathComponent("custos.key").path, keyring = PrivacyEngine.defaultKeyring(vault)
        if !vouched, let unvouched = [key, keyring].first(where: { FileManager.default.fileExists(atPath: $0) }) {
            throw DemoError.unvouchedKey(unvouched)
        }
        for name in VaultStore.files(vault: vault, keyring: keyring) + [key] {
            try? FileManager.default.removeItem(atPath: name)
        }
        for name in ["reports", "answers", "letters", "checkpoint.json"] { try? FileManager.default.removeItem(at: folder.appendingPathComponent(name)) }
    }
}

/// The script of the day; each step reports one progress line.
struct Day {
    let vault: any OfficeEngine
    /// The desks the day works at: the console's, on either backend.
    let office: ConsoleBackend
    let clock: SimulationClock
    let options: DemoOptions
    let folder: URL
    let progress: (String) throws -> Void
    let detail: ((String) -> Void)?
    var random: SimulationRandom
    var population: [SyntheticSubject] = []
    var summary: [String] = []
    var reports: [String] = []

    init(vault: any OfficeEngine, clock: SimulationClock, options: DemoOptions, folder: URL, progress: @escaping (String) throws -> Void,
         detail: ((String) -> Void)?) {
        self.vault = vault
        office = vault.consoleBackend
        self.detail = detail
        self.clock = clock
        self.options = options
        self.folder = folder
        self.progress = progress
        random = SimulationRandom(seed: options.seed &+ 1)
    }

    /// A service's share, as the day's services make them.
    func share(subject: String, fields: [String], purpose: String, recipient: String, recipientName: String? = nil, destination: String? = nil,
               procedure: String? = nil, actor: String) -> GatedResult {
        office.service.share(subject: subject, fields: fields, purpose: purpose, recipient: recipient, recipientName: recipientName,
                             destination: destination, procedure: procedure, actor: actor)
    }

    var today: LocalDate { options.day }

    func say(_ time: String, _ line: String) throws { try progress("\(time)  \(line)") }

    /// Tallies outcomes and the blocking codes of what was withheld.
    struct Outcomes {
        var permit = 0, partial = 0, deny = 0
        var codes: [String: Int] = [:]

        mutating func add(_ result: GatedResult) {
            switch result.decision.outcome {
            case .permit: permit += 1
            case .partial: partial += 1
            case .deny: deny += 1
            }
            guard result.decision.outcome != .permit else { return }
            for code in Set(result.decision.codes) where code.isBlocking { codes[code.rawValue, default: 0] += 1 }
        }

        var description: String {
            let top = codes.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.prefix(3).map { "\($0.key) \($0.value)" }
            return "\(permit) permitted, \(partial) partly, \(deny) denied" + (top.isEmpty ? "" : " (\(top.joined(separator: ", ")))")
        }
    }

    // MARK: before the day

    mutating func history() throws {
        var generator = SyntheticPopulation(seed: options.seed, day: today)
        population = generator.generate(count: options.subjects)
        // Import in cohorts at the time each was collected, so retention counts from then.
        let cohorts = Dictionary(grouping: population.indices) { String(population[$0].collected.description.prefix(7)) }
        var imported = 0
        for month in cohorts.keys.sorted() {
            let members = cohorts[month]!.map { population[$0] }
            clock.set(members.map(\.collected).min()!, "09:00")
            try vault.addSubjects(members.map(\.subject), by: "import")
            imported += members.count
            detail?("history: \(imported) of \(population.count) subjects imported")
        }
        var events = 0, consents = 0, withdrawals = 0
        for (index, subject) in population.enumerated() {
            if index % 1_000 == 999 { detail?("history: events and consents of \(index + 1) of \(population.count) subjects") }
            for (event, date) in subject.events {
                clock.set(date, "17:00")
                try office.service.recordEvent(subject: subject.subject.id, event: event, effective: date, by: "back-office")
                events += 1
            }
            guard let newsletter = subject.newsletter, subject.subject.values["email"] != nil else { continue }
            clock.set(newsletter.given, "20:15")
            let given = try office.service.giveConsent(ConsentGrant(subject: subject.subject.id, purposes: ["P-NEWSLETTER-EMAIL"], method: .doubleOptIn,
                                                            channel: "web-form", evidence: "double opt-in confirmation", ageAtConsent: 30 + subject.subject.id.count), by: "web-portal")
            consents += given.filter { if case .recorded = $0 { true } else { false } }.count
            if let withdrawn = newsletter.withdrawn {
                clock.set(withdrawn, "21:00")
                try office.service.withdrawConsent(subject: subject.subject.id, purposes: ["P-NEWSLETTER-EMAIL"], channel: "unsubscribe link", evidence: nil, effective: nil, by: "newsletter")
                withdrawals += 1
            }
        }
        let informed = try informationSent()
        let synced = try crmSync()
        detail?("\n")
        let counts = Dictionary(grouping: population, by: \.subject.category).mapValues(\.count)
        let line = "history: \(population.count) synthetic subjects (" + counts.keys.sorted().map { "\(counts[$0]!) \($0)" }.joined(separator: ", ") +
            "), \(events) lifecycle events, \(consents) newsletter consents, \(withdrawals) withdrawn, " +
            "\(informed) first letters with the privacy statement (Art. 14), \(synced) files synced to the CRM over the week"
        try say("before", line)
        summary.append(line)
    }

    /// The demand letter carries the privacy statement (Art. 14) two days after a file opens,
    /// and a prospect's first letter a week after the register was read; files and prospects
    /// of the last three weeks have not had theirs yet, so `custos notice list` has work.
    mutating func informationSent() throws -> Int {
        let recent = today.adding(days: -21)
        var given: [(subject: String, at: Instant)] = []
        for subject in population {
            let sent: LocalDate?
            switch subject.subject.category {
            case "debtor": sent = subject.events.first { $0.0 == "file-opened" }.map { $0.1.adding(days: 2) }
            case "prospect" where subject.subject.values.keys.contains("postal_address"): sent = subject.collected.adding(days: 7)
            default: sent = nil
            }
            guard let sent, sent < recent else { continue }
            given.append((subject.subject.id, Instant(millisecondsSinceEpoch: office.policy.startOfDay(sent).millisecondsSinceEpoch + 10 * 3_600_000)))
        }
        clock.set(today.adding(days: -1), "18:00")
        try office.information.recordInformationGiven(given, notice: "N-PRIVACY", channel: "post", by: "back-office")
        return given.count
    }

    /// Every evening of the week before the day, the files worked that day go to the CRM
    /// (a processor): what a breach there would touch.
    mutating func crmSync() throws -> Int {
        let debtors = subjects("debtor", where: Self.isOpenFile), clients = subjects("client")
        var synced = 0
        for daysBefore in (1...7).reversed() {
            clock.set(today.adding(days: -daysBefore), "22:00")
            for (index, subject) in debtors.enumerated() where index % 7 == daysBefore - 1 {
                synced += share(subject: subject.subject.id, fields: ["person_name", "email", "postal_address", "claim_details", "payment_history"],
                                       purpose: "P-DEBT-COLLECT", recipient: "R-CRM", actor: "collections-service").decision.outcome == .deny ? 0 : 1
            }
            for (index, subject) in clients.enumerated() where index % 7 == daysBefore - 1 {
                synced += share(subject: subject.subject.id, fields: ["person_name", "company_name", "email"],
                                       purpose: "P-CLIENT-COMM", recipient: "R-CRM", actor: "client-service").decision.outcome == .deny ? 0 : 1
            }
        }
        return synced
    }

    func subjects(_ category: String, where condition: (SyntheticSubject) -> Bool = { _ in true }) -> [SyntheticSubject] {
        population.filter { $0.subject.category == category && condition($0) }
    }

    static func isOpenFile(_ subject: SyntheticSubject) -> Bool { !subject.events.contains { $0.0 == "file-closed" } }

    // MARK: the day

    mutating func work() throws {
        try services()
        try shares()
        try consents()
        try requests()
        try officerDecisions()
        try breach()
        try sweep()
        try audit()
        try writeReports()
        try verifyAtClose()
    }

    mutating func services() throws {
        clock.set(today, "08:30")
        var collection = Outcomes()
        for subject in subjects("debtor").prefix(450) {
            collection.add(office.service.read(subject: subject.subject.id, fields: ["person_name", "email", "bank_account", "claim_details", "payment_history"],
                                       purpose: "P-DEBT-COLLECT", actor: "collections-service"))
        }
        try say("08:30", "collections-service reads 450 debtor files: \(collection.description)")
        summary.append("collections: 450 debtor files read: \(collection.description)")

        clock.set(today, "09:15")
        var scoring = Outcomes()
        for (index, subject) in subjects("debtor", where: Self.isOpenFile).prefix(150).enumerated() {
            let review = index % 3 == 2 ? nil : HumanReview(reviewer: "case-handler-\(index % 7 + 1)", canOverride: true, at: clock.now)
            scoring.add(office.service.decide(DecisionRequest(actor: "scoring-service", action: .decide, subject: subject.subject.id, purpose: "P-SCORING",
                                                      fields: ["recoverability_score", "payment_history"], review: review)))
        }
        try say("09:15", "scoring-service proposes 150 payment-plan decisions, a third without a human review: \(scoring.description)")
        summary.append("scoring: 150 automated decisions: \(scoring.description)")

        clock.set(today, "09:45")
        var marketing = Outcomes()
        for subject in subjects("debtor").suffix(25) {
            marketing.add(office.service.read(subject: subject.subject.id, fields: ["email"], purpose: "P-CLIENT-MKT", actor: "marketing-service"))
        }
        for subject in subjects("client").prefix(25) {
            marketing.add(office.service.read(subject: subject.subject.id, fields: ["email", "person_name"], purpose: "P-CLIENT-MKT", actor: "marketing-service"))
        }
        try say("09:45", "marketing-service mails clients and, by mistake, debtors: \(marketing.description)")

        clock.set(today, "10:00")
        var payouts = Outcomes()
        for subject in subjects("client").prefix(60) {
            payouts.add(office.service.read(subject: subject.subject.id, fields: ["company_name", "bank_account"], purpose: "P-PAYOUT", actor: "payout-service"))
        }
        try say("10:00", "payout-service pays 60 clients: \(payouts.description)")
        summary.append("payouts: 60 client accounts read: \(payouts.description)")
    }

    mutating func shares() throws {
        clock.set(today, "10:30")
        let open = subjects("debtor", where: Self.isOpenFile)
        var bailiff = Outcomes(), client = Outcomes(), abroad = Outcomes()
        for subject in open.prefix(30) {
            bailiff.add(share(subject: subject.subject.id, fields: ["person_name", "postal_address", "bank_account", "claim_details"],
                                     purpose: "P-DEBT-COLLECT", recipient: "R-BAILIFF-NL", actor: "collections-service"))
        }
        try say("10:30", "30 files go to the bailiff: \(bailiff.description)")
        for subject in open.dropFirst(30).prefix(40) {
            client.add(share(subject: subject.subject.id, fields: ["person_name", "claim_details", "payment_history", "bank_account"],
                                    purpose: "P-DEBT-COLLECT", recipient: "R-CLIENT", recipientName: "the client of file \(subject.subject.id)", actor: "collections-service"))
        }
        try say("10:45", "40 status updates to creditors (the IBAN stays home): \(client.description)")
        for subject in open.dropFirst(70).prefix(12) {
            let recipient = random.chance(0.5) ? "R-AFFILIATE-US" : "R-AFFILIATE-IN"
            abroad.add(share(subject: subject.subject.id, fields: ["person_name", "postal_address", "claim_details"],
                                    purpose: "P-DEBT-COLLECT", recipient: recipient, actor: "collections-service"))
        }
        try say("11:00", "12 files to the affiliates in the US (DPF) and India (SCC with TIA): \(abroad.description)")
        // A debtor who moved to Turkey: four different procedures in one year; the fourth is not occasional.
        guard let moved = open.dropFirst(90).first?.subject.id else { return }
        var lawyer = Outcomes()
        var refused = ""
        for (index, procedure) in ["Istanbul 2025/311", "Izmir 2025/72", "Ankara 2025/1150", "Antalya 2025/9"].enumerated() {
            clock.set(today, "11:\(10 + index * 5)")
            let result = share(subject: moved, fields: ["person_name", "claim_details"], purpose: "P-DEBT-COLLECT", recipient: "R-FOREIGN-LAWYER", recipientName: "Avukatlık Bürosu Demir",
                                      destination: "TR", procedure: procedure, actor: "collections-service")
            lawyer.add(result)
            if result.decision.outcome == .deny {
                refused = " the fourth (\(procedure)) is refused: \(result.decision.codes.filter(\.isBlocking).map(\.rawValue).joined(separator: ", "))"
            }
        }
        try say("11:25", "a Turkish lawyer gets \(moved)'s claim for four procedures under Art. 49(1)(e): \(lawyer.description);\(refused)")
        summary.append("shares: bailiff \(bailiff.permit + bailiff.partial), creditors \(client.permit + client.partial) (partial), affiliates abroad \(abroad.permit), foreign lawyer \(lawyer.permit) of 4 (one transfer refused)")
    }

    mutating func consents() throws {
        clock.set(today, "11:40")
        var recorded = 0, refused = 0, withdrawn = 0
        let candidates = population.filter { ["client", "client_contact"].contains($0.subject.category) && $0.newsletter == nil }
        for (index, subject) in candidates.prefix(40).enumerated() {
            // Every fifth form still had the box ticked in advance: not a valid consent.
            let outcomes = try office.service.giveConsent(ConsentGrant(subject: subject.subject.id, purposes: ["P-NEWSLETTER-EMAIL"],
                                                               method: index % 5 == 4 ? .checkboxTicked : .doubleOptIn, channel: "web-form",
                                                               ageAtConsent: 35, preTicked: index % 5 == 4), by: "web-portal")
            for outcome in outcomes {
                if case .recorded = outcome { recorded += 1 } else { refused += 1 }
            }
        }
        for subject in population.filter({ $0.newsletter != nil && $0.newsletter?.withdrawn == nil }).prefix(12) {
            try office.service.withdrawConsent(subject: subject.subject.id, purposes: ["P-NEWSLETTER-EMAIL"], channel: "unsubscribe link", evidence: nil, effective: nil, by: "newsletter")
            withdrawn += 1
        }
        try say("11:40", "newsletter sign-ups: \(recorded) recorded, \(refused) refused at the door (pre-ticked boxes); \(withdrawn) unsubscribe")
        // A person can be more than one kind of subject: debtors who sign up on the website are
        // asked first as debtors only (the newsletter is not for debtors), then as website users.
        var asDebtor = 0, asSubscriber = 0, stillCollection = 0
        for debtor in subjects("debtor", where: Self.isOpenFile).suffix(5) {
            let grant = ConsentGrant(subject: debtor.subject.id, purposes: ["P-NEWSLETTER-EMAIL"], method: .doubleOptIn, channel: "web-form", ageAtConsent: 40)
            if try office.service.giveConsent(grant, by: "web-portal").contains(where: { if case .refused = $0 { true } else { false } }) { asDebtor += 1 }
            try vault.addCategory("website_user", to: debtor.subject.id, by: "web-portal")
            if try office.service.giveConsent(grant, by: "web-portal").allSatisfy({ if case .recorded = $0 { true } else { false } }) { asSubscriber += 1 }
            let file = office.service.read(subject: debtor.subject.id, fields: ["claim_details"], purpose: "P-DEBT-COLLECT", actor: "collections-service")
            if file.decision.basis == .legitimateInterest { stillCollection += 1 }
        }
        try say("11:45", "5 debtors sign up for the newsletter on the website: refused while they are only debtors (\(asDebtor)), recorded once they are also website users (\(asSubscriber)); \(stillCollection) files still rest on legitimate interest")
        clock.set(today, "12:00")
        // A material change widens the scope only for what it added (gdpr.md §4.3): N-NEWS v3
        // added the company name, so a subscriber from before v3 still gets the newsletter at
        // their e-mail address, greeted by name, but without the company name until they renew.
        var mailing = Outcomes(), beforeV3 = 0
        for subject in population.filter({ $0.newsletter != nil }).prefix(120) {
            let personalised = office.service.read(subject: subject.subject.id, fields: ["email", "person_name", "company_name"], purpose: "P-NEWSLETTER-EMAIL", actor: "newsletter")
            guard personalised.decision.codes.contains(.consentNoticeVersionMismatch) else {
                mailing.add(personalised)
                continue
            }
            let plain = office.service.read(subject: subject.subject.id, fields: ["email", "person_name"], purpose: "P-NEWSLETTER-EMAIL", actor: "newsletter")
            if plain.decision.outcome == .permit { beforeV3 += 1 }
            mailing.add(plain)
        }
        try say("12:00", "the newsletter goes out to 120 subscribers on file: \(mailing.description)" +
            (beforeV3 > 0 ? "; \(beforeV3) consented before N-NEWS v3 added the company name (CONSENT_NOTICE_VERSION_MISMATCH for it), so their copy greets them by name only until they renew" : ""))
        summary.append("consent: \(recorded) given, \(refused) refused at the door, \(withdrawn) withdrawn; newsletter \(mailing.description)")
    }

    mutating func requests() throws {
        clock.set(today, "13:00")
        let answers = folder.appendingPathComponent("answers")
        try FileManager.default.createDirectory(at: answers, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let debtors = subjects("debtor", where: Self.isOpenFile)
        let closed = subjects("debtor") { !Self.isOpenFile($0) }
        let subscribers = population.filter { $0.subject.category == "prospect" && $0.newsletter != nil }
        let clients = subjects("client")
        var done: [String: Int] = [:]
        func open(_ subject: String, _ type: RightsRequestType, daysAgo: Int, purpose: String? = nil, verified: Bool = true) throws -> String {
            let received = Instant(millisecondsSinceEpoch: office.policy.startOfDay(today.adding(days: -daysAgo)).millisecondsSinceEpoch + 10 * 3_600_000)
            return try office.requests.openRequest(subject: subject, type: type, purpose: purpose, channel: random.pick(["letter", "e-mail", "web-form", "phone"]),
                                          receivedAt: received, identityVerifiedBy: verified ? "matches data held" : nil, by: "officer").id
        }
        func write(_ name: String, _ data: Data) throws {
            let url = answers.appendingPathComponent(name)
            try PrivateFile.write(data, to: url.path)
        }
        // Open files in turn; the first ones went to the bailiff this morning (Art. 19 below).
        var cursor = 0
        func nextDebtor() -> String? {
            defer { cursor += 1 }
            return cursor < debtors.count ? debtors[cursor].subject.id : nil
        }
        // Rectification of debtors who moved; the bailiff had their old address.
        for _ in 0..<3 {
            guard let debtor = nextDebtor() else { break }
            _ = try office.rights.fulfilRectification(request: try open(debtor, .rectification, daysAgo: 5),
                                               values: ["postal_address": "Nieuwe Gracht \(random.int(1...90)), 3512 LE Utrecht"], by: "officer")
            done["rectification", default: 0] += 1
        }
        // Restriction while the accuracy of the claim is checked.
        for _ in 0..<2 {
            guard let debtor = nextDebtor() else { break }
            _ = try office.rights.fulfilRestriction(request: try open(debtor, .restriction, daysAgo: 3), fields: ["claim_details", "payment_history"],
                                             ground: .accuracyContested, by: "officer")
            done["restriction", default: 0] += 1
        }
        // Access: one waits for identity, the others are answered.
        for index in 0..<4 {
            guard let debtor = nextDebtor() else { break }
            let id = try open(debtor, .access, daysAgo: 20 - index * 4, verified: index != 0)
            guard index != 0 else { continue }
            let (package, html) = try office.rights.fulfilAccess(request: id, by: "officer")
            try write("\(id)-access.json", package.json)
            try write("\(id)-access.html", Data(html.utf8))
            done["access", default: 0] += 1
        }
        // Erasure: a newsletter subscriber (nothing remains), a closed and an open collection file (partial).
        for (subject, daysAgo) in [(subscribers.first?.subject.id, 12), (closed.first?.subject.id, 9), (nextDebtor(), 6)] {
            guard let subject else { continue }
            let certificate = try office.rights.fulfilErasure(request: try open(subject, .erasure, daysAgo: daysAgo), by: "officer")
            try write("\(certificate.request)-erasure-certificate.json", Data(KebabJSON.string(certificate).utf8))
            done["erasure", default: 0] += 1
        }
        // Portability: a client (contract) gets an export; a debtor is refused.
        if let client = clients.first {
            let export = try office.rights.fulfilPortability(request: try open(client.subject.id, .portability, daysAgo: 8), by: "officer")
            try write("\(export.request)-portability.json", export.json)
            try write("\(export.request)-portability.csv", export.csv)
            done["portability", default: 0] += 1
        }
        if let debtor = nextDebtor() {
            let id = try open(debtor, .portability, daysAgo: 4)
            do { _ = try office.rights.fulfilPortability(request: id, by: "officer") } catch let refusal as RequestRefusal where refusal.code == .portabilityBasisNotEligible {
                done["portability refused", default: 0] += 1
            }
        }
        // Objections: to scoring (assessed and upheld), to marketing (absolute), to automated decisions.
        if let debtor = nextDebtor() {
            let id = try open(debtor, .objection, daysAgo: 10, purpose: "P-SCORING")
            if let objection = try office.overview.objectionsAwaitingAssessment().last(where: { $0.subject == debtor })?.objection {
                try office.officer.assessObjection(id: objection.id, assessment: .upheld, reference: nil, by: "officer")
            }
            _ = try office.rights.fulfilObjection(request: id, by: "officer")
            done["objection", default: 0] += 1
        }
        if let client = clients.dropFirst(1).first {
            _ = try office.rights.fulfilObjection(request: try open(client.subject.id, .objectionDirectMarketing, daysAgo: 2), by: "officer")
            done["objection to direct marketing", default: 0] += 1
        }
        if let debtor = nextDebtor() {
            _ = try office.rights.fulfilObjection(request: try open(debtor, .objectionAutomatedDecision, daysAgo: 7, purpose: "P-SCORING"), by: "officer")
            done["objection to automated decisions", default: 0] += 1
        }
        // A complex access request is extended in time; a repeated one is rejected; an erasure
        // request from August still waits for the requester's identity and is overdue.
        if let debtor = nextDebtor() {
            _ = try office.requests.extendRequest(try open(debtor, .access, daysAgo: 15), reasons: "file spans three creditors and two bailiffs", by: "officer")
        }
        if let debtor = nextDebtor() {
            _ = try office.requests.rejectRequest(try open(debtor, .access, daysAgo: 1), reasons: "manifestly excessive: the fourth identical request this month (Art. 12(5))", by: "officer")
        }
        if let debtor = nextDebtor() { _ = try open(debtor, .erasure, daysAgo: 48, verified: false) }
        let overdue = try office.requests.openRequests(overdue: true).count
        let line = "requests answered: " + done.keys.sorted().map { "\(done[$0]!) \($0)" }.joined(separator: ", ") +
            "; 1 extended, 1 rejected, \(try office.requests.openRequests().count) open (\(overdue) overdue)"
        try say("13:00", line)
        summary.append(line)
    }

    mutating func officerDecisions() throws {
        clock.set(today, "14:00")
        var holds = 0
        for subject in subjects("debtor", where: { $0.events.contains { $0.0 == "litigation-started" } }).prefix(3) {
            _ = try office.officer.placeHold(subject: subject.subject.id, reference: "C/09/\(600_000 + holds) (rechtbank Den Haag)", by: "officer")
            holds += 1
        }
        let tasks = try office.rights.tasks()
        for task in tasks.prefix(tasks.count / 2) { try office.rights.completeTask(task.id, by: "officer") }
        let line = "officer: \(holds) legal holds placed; \(tasks.count / 2) of \(tasks.count) Art. 19 notifications and processor instructions sent"
        try say("14:00", line)
        summary.append(line)
    }

    /// The bailiff's mailbox was read by a stranger: the register says whom that touches from
    /// the disclosures of the day, the officer judges the risk high, notifies the AP well
    /// within the 72 hours and writes the letters.
    mutating func breach() throws {
        clock.set(today, "15:00")
        let breach = try office.breaches.recordBreach(BreachDesk.BreachReport(
            nature: [.confidentiality], awareAt: clock.now, scope: .recipient("R-BAILIFF-NL"),
            window: (office.policy.startOfDay(today), clock.now), description: "A stranger read the mailbox of the bailiff's office for a day",
            measures: "The bailiff locked the mailbox and reset its passwords; our shares to the bailiff go through the portal only"),
            by: "officer")
        let affected = try office.breaches.affectedSubjects(breach)
        _ = try office.breaches.assessBreach(breach.id, risk: .high, consequences: "Letters or calls that pretend to come from us or the bailiff, asking for payment",
                                             cause: .unauthorisedAccess, otherMemberStates: [], by: "officer")
        clock.set(today, "15:30")
        _ = try office.breaches.notifyAuthority(breach.id, final: false, by: "officer")
        // By e-mail through the outbox where an address is held, by post otherwise.
        let directory = folder.appendingPathComponent("letters")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let run = try office.sendBreachLetters(breach.id, language: "nl", by: "officer") { letter in
            try PrivateFile.write(Data(letter.text.utf8), to: directory.appendingPathComponent("\(breach.id)-\(letter.subject).txt").path)
        }
        try office.breaches.recordBreachLetters(breach.id, written: run.postal, language: "nl", erased: run.erased, by: "officer")
        _ = try office.breaches.recordSubjectsInformed(breach.id, count: run.emailed.count + run.postal.count, by: "officer")
        let marked = affected.marked.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value.joined(separator: ", "))" }.joined(separator: "; ")
        let line = "breach \(breach.id) at the bailiff: \(affected.subjectCount) people (" +
            affected.byCategory.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") +
            "), \(affected.records) field values\(marked.isEmpty ? "" : " (\(marked))"); AP notified at 15:30, due \(office.policy.localDate(of: breach.apDeadline)); " +
            "\(run.emailed.count) letters by e-mail through the outbox, \(run.postal.count) letters in letters/"
        try say("15:00", line)
        summary.append(line)
    }

    mutating func sweep() throws {
        clock.set(today, "16:00")
        // The officer reviews the dry run and confirms its count, as a first sweep over an
        // imported population is larger than a scheduled one may be unconfirmed.
        let plan = try office.sweeper.sweepRetention(dryRun: true, by: "officer")
        if plan.confirmationNeeded {
            try say("16:00", "retention sweep, dry run: \(plan.fieldsDestroyed) of \(plan.vaultFields) fields would go; reviewed and confirmed")
        }
        let report = try office.sweeper.sweepRetention(dryRun: false, by: "officer", safety: SweepSafety(confirmedFields: plan.fieldsDestroyed))
        let line = "retention sweep: \(report.subjectsExamined) subjects examined, \(report.fieldsDestroyed) fields destroyed, " +
            "\(report.subjectsShredded) subjects crypto-shredded, \(report.tasks) Art. 19 tasks"
        try say("16:00", line)
        summary.append(line)
    }

    mutating func writeReports() throws {
        clock.set(today, "16:30")
        let directory = folder.appendingPathComponent("reports")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let renderer = ReportRenderer()
        for kind in ReportKind.allCases {
            let document = try office.report(kind, period: ReportPeriod())
            for format in ReportFormat.allCases {
                let url = directory.appendingPathComponent("\(kind.rawValue).\(format.rawValue)")
                try PrivateFile.write(renderer.render(document, as: format), to: url.path)
                reports.append(url.path)
            }
        }
        try say("16:30", "reports written: \(ReportKind.allCases.map(\.rawValue).joined(separator: ", ")) as md, html, csv and json in \(directory.path)")
    }

    /// The signed checkpoint goes to a file meant to be kept away from the vault.
    mutating func audit() throws {
        clock.set(today, "16:20")
        let checkpoint = try vault.checkpoint()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        try PrivateFile.write(encoder.encode(checkpoint), to: folder.appendingPathComponent("checkpoint.json").path)
        try say("16:20", "audit checkpoint #\(checkpoint.seq) signed (Ed25519) into checkpoint.json")
    }

    /// At close of business the log is checked against the checkpoint file.
    mutating func verifyAtClose() throws {
        clock.set(today, "17:00")
        let data = try Data(contentsOf: folder.appendingPathComponent("checkpoint.json"))
        let checkpoint = try JSONDecoder().decode(AuditCheckpoint.self, from: data)
        let verification = try office.verifyLog()
        let holds = try office.verify(checkpoint) == .holds
        let line = "audit: decision log \(verification.isIntact ? "intact" : "BROKEN"), \(verification.entries) entries; checkpoint #\(checkpoint.seq) \(holds ? "verified" : "NOT verified")"
        try say("17:00", line)
        summary.append(line)
    }
}
