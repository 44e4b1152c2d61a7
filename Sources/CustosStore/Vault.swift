package import Foundation
internal import GRDB
internal import CustosCrypto
public import CustosPolicy
public import CustosDecision

/// A new subject's values and metadata. Values are plaintext only in memory, on their way
/// into ciphertexts.
public struct NewSubject: Sendable {
    public var id: String
    public var category: String
    /// Further kinds of subject the person is (a debtor who is also a website user).
    public var otherCategories: [String] = []
    public var kind: SubjectKind
    public var consumer: Bool
    public var contractParty: Bool
    public var values: [String: String]
    public var source: String
    public var collectedFor: [String]?
    /// When each field was collected (key `*`: every field without its own instant); absent
    /// fields are collected now.
    public var collectedAt: [String: Instant]
    /// Lifecycle events to record with the subject (an imported debtor's file-opened date).
    public var events: [LifecycleEventFact]

    public init(id: String, category: String, otherCategories: [String] = [], kind: SubjectKind = .naturalPerson, consumer: Bool = true, contractParty: Bool = false,
                values: [String: String], source: String = "officer", collectedFor: [String]? = nil,
                collectedAt: [String: Instant] = [:], events: [LifecycleEventFact] = []) {
        self.otherCategories = otherCategories
        self.collectedAt = collectedAt
        self.events = events
        self.id = id
        self.category = category
        self.kind = kind
        self.consumer = consumer
        self.contractParty = contractParty
        self.values = values
        self.source = source
        self.collectedFor = collectedFor
    }
}

/// What opening a vault did with keys an interrupted import left pending.
package struct KeyRepair: Sendable, Equatable {
    package var adopted = 0
    package var removed = 0
    /// Another process held the vault's write lock (an import still running): left for later.
    package var deferred = false

    package init(adopted: Int = 0, removed: Int = 0, deferred: Bool = false) {
        self.adopted = adopted
        self.removed = removed
        self.deferred = deferred
    }
}

/// Whether the vault's subjects and the keyring's keys are the same set.
/// What `subject show` prints: which fields exist and where they came from, never values.
package struct SubjectMetadata: Sendable, Codable {
    package struct Field: Sendable, Codable {
        package var field: String
        package var source: String
        package var collectedAt: Instant
        package var keyVersion: UInt32

        package init(field: String, source: String, collectedAt: Instant, keyVersion: UInt32) {
            self.field = field
            self.source = source
            self.collectedAt = collectedAt
            self.keyVersion = keyVersion
        }
    }

    package var id: String
    package var category: String
    /// Every category, the first one first.
    package var categories: [String]
    package var kind: SubjectKind
    package var fields: [Field]
    package var events: [LifecycleEventFact]
    package var erasedFields: [String]

    package init(id: String, category: String, categories: [String], kind: SubjectKind, fields: [Field], events: [LifecycleEventFact], erasedFields: [String]) {
        self.id = id
        self.category = category
        self.categories = categories
        self.kind = kind
        self.fields = fields
        self.events = events
        self.erasedFields = erasedFields
    }
}

/// The vault file: subjects, encrypted fields with provenance, blind indexes, lifecycle
/// events, objections, restrictions, legal holds, disclosures and the decision log.
package final class Vault: Sendable {
    let pool: DatabasePool
    let keyring: Keyring
    package let policy: CompiledPolicy
    /// For the facts every gated access reads, beside the pool (`SQLiteReadConnections`).
    private let readers: SQLiteReadConnections
    /// Facts kept while the vault's fact generation stands (`factsAndCiphertexts`).
    let factCache = FactCache(capacity: 4_096)

    init(pool: DatabasePool, keyring: Keyring, policy: CompiledPolicy) {
        self.pool = pool
        self.keyring = keyring
        self.policy = policy
        readers = SQLiteReadConnections(path: pool.path)
    }

    // MARK: subjects

    /// Adds one subject: an import of one, which checks it (`NewSubject.check`) and refuses an
    /// id already in the vault before any key is made.
    package func addSubject(_ subject: NewSubject, at now: Instant, by actor: String) throws {
        try importSubjects([subject], at: now, by: actor)
    }

    /// Adds many subjects all-or-nothing. The vault's write lock is taken first; inside it the
    /// keyring commits the new keys as pending, then the vault commits the subjects and their
    /// ciphertexts, and the keys are adopted. An interruption at any moment leaves either
    /// nothing in the vault (and pending keys that the next open removes) or every subject
    /// with its key (adopted now or at the next open): see `repairPendingKeys`.
    package func importSubjects(_ subjects: [NewSubject], at now: Instant, by actor: String) throws {
        try importSubjects(at: now, by: actor) { page in try page(subjects) }
    }

    /// The writer's page cache during an import, at most (SQLite takes it as pages are
    /// needed, so a small import holds little). A million subjects with four fields each:
    /// 292 s with SQLite's 2 MB, 237 s with 128 MB, 224 s with 256 MB, which adds about 240 MB
    /// to the import's peak (BENCHMARKS.md, 4 December).
    static let importCacheKiB = 262_144

    /// The same, for subjects handed on a page at a time (`SubjectImport.forEachPage`): every
    /// page goes into the one transaction, sealed with keys made for it, of which only the
    /// wrapped forms are kept; they are stored as pending, all at once, just before the vault
    /// commits. So an import of millions holds one page of subjects and every wrapped key
    /// (about 150 bytes a subject), and a disk that fills under the vault's rows fails the
    /// import before any key is written, as when all keys were stored first and the keyring
    /// filled it.
    package func importSubjects(at now: Instant, by actor: String, pages: (_ each: ([NewSubject]) throws -> Void) throws -> Void) throws {
        var records: [SubjectKeyRecord] = []
        var storing = false
        do {
            try pool.writeWithoutTransaction { db in
                // The writer's page cache grows for the import and shrinks back after it: with
                // SQLite's 2 MB, the one transaction's dirty pages spilled to the write-ahead log
                // again and again as the blind index's random inserts re-dirtied them.
                let cache = try Int.fetchOne(db, sql: "PRAGMA cache_size") ?? -2_000
                try db.execute(sql: "PRAGMA cache_size = -\(Self.importCacheKiB)")
                defer { try? db.execute(sql: "PRAGMA cache_size = \(cache)") }
                try db.inTransaction(.immediate) {
                    let today = policy.localDate(of: now)
                    try pages { subjects in
                        for subject in subjects { try subject.check(policy: policy, today: today) }
                        let page = subjects.map(\.id)
                        let exists = try db.cachedStatement(sql: "SELECT 1 FROM subjects WHERE id = ?")
                        for id in page where try Bool.fetchOne(exists, arguments: [id]) == true { throw StoreError.subjectExists(id) }
                        let keys = try keyring.freshSubjectKeys(page)
                        for subject in subjects { try insert(subject, key: keys[subject.id], db, at: now, by: actor) }
                        records += page.compactMap { id in keys[id]?.record(of: id) }
                    }
                    storing = true
                    try keyring.storePending(records: records)
                    return .commit
                }
            }
        } catch {
            // Best effort: the next open removes whatever this could not.
            if storing { try? keyring.deletePending(records.map(\.subject)) }
            throw StoreError.from(error, doing: "import subjects")
        }
        // If this fails, the next open adopts them: the subjects are committed.
        try? keyring.adopt(records.map(\.subject))
    }

    /// One imported subject's rows, in the import's transaction.
    private func insert(_ subject: NewSubject, key: NewSubjectKey?, _ db: Database, at now: Instant, by actor: String) throws {
        guard let key else { throw StoreError.keyMissing(subject.id) }
        try db.cachedStatement(sql: "INSERT INTO subjects (id, category, kind, consumer, contract_party, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?)")
            .execute(arguments: [subject.id, subject.category, subject.kind.rawValue, subject.consumer, subject.contractParty, now.millisecondsSinceEpoch, actor])
        for category in subject.otherCategories where category != subject.category {
            try db.cachedStatement(sql: "INSERT OR IGNORE INTO subject_categories (subject_id, category, added_at, added_by) VALUES (?, ?, ?, ?)")
                .execute(arguments: [subject.id, category, now.millisecondsSinceEpoch, actor])
        }
        for (field, value) in subject.values.sorted(by: { $0.key < $1.key }) {
            try storeField(db, subject: subject.id, field: field, value: value, key: key.key, keyVersion: key.version,
                           source: subject.source, collectedFor: subject.collectedFor,
                           at: subject.collectedAt[field] ?? subject.collectedAt["*"] ?? now)
        }
        for event in subject.events {
            try db.cachedStatement(sql: "INSERT INTO lifecycle_events (subject_id, event, effective_date, recorded_at, recorded_by) VALUES (?, ?, ?, ?, ?)")
                .execute(arguments: [subject.id, event.event, event.date.description, now.millisecondsSinceEpoch, actor])
        }
    }

    /// Settles keys left pending by an interrupted import: adopted where the subject reached
    /// the vault, removed where it did not. Runs under the vault's write lock, so it waits for
    /// an import that is still running in another process instead of taking its keys.
    ///
    /// While another process is still importing (it holds the write lock past the busy
    /// timeout), the repair is left to a later open: its pending keys are that import's own,
    /// and a later import of the same ids waits for the same lock before replacing them.
    static func repairPendingKeys(pool: DatabasePool, keyring: Keyring) throws -> KeyRepair {
        guard !(try keyring.pendingSubjects()).isEmpty else { return KeyRepair() }
        do {
            return try settlePendingKeys(pool: pool, keyring: keyring)
        } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY {
            return KeyRepair(deferred: true)
        }
    }

    private static func settlePendingKeys(pool: DatabasePool, keyring: Keyring) throws -> KeyRepair {
        try pool.writeWithoutTransaction { db in
            var result = KeyRepair()
            try db.inTransaction(.immediate) {
                let pending = try keyring.pendingSubjects()
                let exists = try db.cachedStatement(sql: "SELECT 1 FROM subjects WHERE id = ?")
                var present: [String] = [], absent: [String] = []
                for id in pending {
                    if try Bool.fetchOne(exists, arguments: [id]) == true { present.append(id) } else { absent.append(id) }
                }
                try keyring.adopt(present)
                try keyring.deletePending(absent)
                result = KeyRepair(adopted: present.count, removed: absent.count)
                return .commit
            }
            return result
        }
    }

    /// Vault subjects without a key, and keys without a vault subject. Both should be empty;
    /// `audit verify` reports either as an integrity failure.
    package func keyringAgreement(pageSize: Int = KeysetPages.size) throws -> KeyringAgreement {
        try KeyringAgreement.measure(vault: KeyringAgreement.Side(page: subjectIds, holding: existingSubjects),
                                     keyring: KeyringAgreement.Side(page: keyring.adoptedSubjects, holding: keyring.adoptedAmong), pageSize: pageSize)
    }

    /// A page of the vault's subject ids after `after` (from the first when nil), in id order.
    func subjectIds(after: String?, limit: Int) throws -> [String] {
        try pool.read { db in
            try String.fetchAll(db, sql: "SELECT id FROM subjects WHERE id > ? ORDER BY id LIMIT ?", arguments: [after ?? "", limit])
        }
    }

    /// Ids among `ids` that are already in the vault.
    package func existingSubjects(_ ids: [String]) throws -> Set<String> {
        try pool.read { db in try SQLiteIdSlices.found(db, "SELECT id FROM subjects WHERE id IN", among: ids) }
    }

    /// Seals and stores one value. A rectification replaces the ciphertext and names its
    /// source but keeps when and for what the field was first collected: a corrected value
    /// does not restart its retention.
    func storeField(_ db: Database, subject: String, field: String, value: String, key: SecretKey, keyVersion: UInt32,
                    source: String, collectedFor: [String]?, at now: Instant, rectification: Bool = false) throws {
        guard let id = policy.fields.id(field) else { throw StoreError.unknownField(field) }
        let definition = policy.policy.fields[id]
        var plaintext = Array(value.utf8)
        defer { wipe(&plaintext) }
        let ciphertext = try FieldCiphertext.seal(plaintext, subject: subject, field: field, key: key, keyVersion: keyVersion)
        try db.cachedStatement(sql: """
        INSERT INTO fields (subject_id, field, ciphertext, source, collected_at, provided_by_subject, derived, collected_for)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (subject_id, field) DO UPDATE SET ciphertext = excluded.ciphertext, source = excluded.source\(rectification ? "" : """
        ,
          collected_at = excluded.collected_at, collected_for = excluded.collected_for
        """)
        """).execute(arguments: [subject, field, Data(ciphertext), source, now.millisecondsSinceEpoch, definition.providedBySubject, definition.derived,
                         collectedFor.map { $0.joined(separator: "\n") }])
        if let kind = definition.blindIndex {
            try db.cachedStatement(sql: "DELETE FROM blind_index WHERE subject_id = ? AND field = ?").execute(arguments: [subject, field])
            try db.cachedStatement(sql: "INSERT OR IGNORE INTO blind_index (kind, digest, subject_id, field) VALUES (?, ?, ?, ?)")
                .execute(arguments: [kind.rawValue, Data(blindDigest(value, kind: kind)), subject, field])
        }
    }

    func blindDigest(_ value: String, kind: BlindIndexKind) -> [UInt8] { keyring.blindDigest(value, kind: kind) }

    /// Subjects whose e-mail, phone or IBAN matches, found through the keyed blind index.
    package func findSubjects(_ value: String, kind: BlindIndexKind) throws -> [String] {
        let digest = Data(blindDigest(value, kind: kind))
        return try pool.read { db in
            try String.fetchAll(db, sql: "SELECT DISTINCT subject_id FROM blind_index WHERE kind = ? AND digest = ? ORDER BY subject_id", arguments: [kind.rawValue, digest])
        }
    }

    package func recordEvent(subject: String, event: String, effective: LocalDate, at now: Instant, by actor: String) throws {
        guard event == "collected" || policy.policy.lifecycleEvents.contains(where: { $0.id.id == event }) else { throw StoreError.unknownEvent(event) }
        try pool.write { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM subjects WHERE id = ?", arguments: [subject]) == true else { throw StoreError.subjectUnknown(subject) }
            try db.execute(sql: "INSERT INTO lifecycle_events (subject_id, event, effective_date, recorded_at, recorded_by) VALUES (?, ?, ?, ?, ?)",
                           arguments: [subject, event, effective.description, now.millisecondsSinceEpoch, actor])
        }
    }

    /// Records that a subject is also another kind of subject (a debtor who subscribes to the
    /// newsletter). Adding a category the subject already has changes nothing.
    package func addCategory(_ category: String, to subject: String, at now: Instant, by actor: String) throws {
        guard policy.subjects.id(category) != nil else { throw StoreError.unknownCategory(category) }
        try pool.write { db in
            guard let primary = try String.fetchOne(db, sql: "SELECT category FROM subjects WHERE id = ?", arguments: [subject]) else {
                throw StoreError.subjectUnknown(subject)
            }
            guard primary != category else { return }
            try db.execute(sql: "INSERT OR IGNORE INTO subject_categories (subject_id, category, added_at, added_by) VALUES (?, ?, ?, ?)",
                           arguments: [subject, category, now.millisecondsSinceEpoch, actor])
        }
    }

    package func metadata(of subject: String) throws -> SubjectMetadata {
        try pool.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT category, kind FROM subjects WHERE id = ?", arguments: [subject]) else {
                throw StoreError.subjectUnknown(subject)
            }
            let fields = try Row.fetchAll(db, sql: "SELECT field, source, collected_at, ciphertext FROM fields WHERE subject_id = ? ORDER BY field", arguments: [subject]).map { row in
                let ciphertext: Data = row["ciphertext"]
                return SubjectMetadata.Field(field: row["field"], source: row["source"], collectedAt: Instant(millisecondsSinceEpoch: row["collected_at"]),
                                             keyVersion: (try? FieldCiphertext.keyVersion(of: [UInt8](ciphertext))) ?? 0)
            }
            guard let facts = try self.loadFacts(db, subject: subject) else { throw StoreError.subjectUnknown(subject) }
            return SubjectMetadata(id: subject, category: row["category"], categories: facts.subject?.categories ?? [row["category"]], kind: SubjectKind(rawValue: row["kind"]) ?? .naturalPerson,
                                   fields: fields, events: facts.events, erasedFields: facts.erasedFields)
        }
    }

    // MARK: facts

    /// Everything the evaluator needs about one subject, read in one transaction. The birth
    /// date is decrypted for the age check; `nil` facts mean the subject is not in the vault.
    package func facts(of subject: String) throws -> Facts? {
        var unused: [String: Data] = [:]
        return try factsSnapshot(of: subject, ciphertextsOf: [], into: &unused, withGeneration: false).facts
    }

    /// The facts (and the ciphertexts of `fields`) in one snapshot. Most subjects have nothing
    /// in the rarer tables (objections, restrictions, holds, erasures, consents, Art. 14
    /// records): theirs are read on a connection of our own in one statement, which is its own
    /// snapshot; any other subject is read again, whole, in a snapshot of GRDB's pool.
    /// With `withGeneration`, the vault's fact generation read in the same snapshot comes back
    /// too (nil without it, or when the subject is not in the vault).
    private func factsSnapshot(of subject: String, ciphertextsOf fields: [String], into ciphertexts: inout [String: Data],
                               withGeneration: Bool) throws -> (facts: Facts?, generation: Int64?) {
        // Sized once: grown from empty, ten ciphertexts rehashed the table four times.
        var found = [String: Data](minimumCapacity: fields.count)
        let common = try commonFacts({ query, subject, body in try readers.each(query, .text(subject), body) },
                                     subject: subject, ciphertextsOf: fields, into: &found, withGeneration: withGeneration)
        guard let common else { return (nil, nil) }
        guard common.hasRarerRows else {
            ciphertexts = found
            return (common.facts, common.generation)
        }
        found = [:]
        let read = try pool.snapshotRead { db in
            (facts: try loadFacts(db, subject: subject, ciphertextsOf: fields, into: &found),
             generation: withGeneration ? try Int64.fetchOne(db.cachedStatement(sql: "SELECT n FROM fact_generation")) : nil)
        }
        ciphertexts = found
        return read
    }

    func loadFacts(_ db: Database, subject: String) throws -> Facts? {
        var unused: [String: Data] = [:]
        return try loadFacts(db, subject: subject, ciphertextsOf: [], into: &unused)
    }

    /// How the statements every decision runs reach SQLite: a GRDB connection's cached
    /// statement, or one of our own read connections (`SQLiteReadConnections`).
    private typealias FactRows = (_ query: ReadQuery, _ subject: String, _ body: (SQLiteRows) throws -> Void) throws -> Void

    /// Which of the rarer tables hold rows for a subject whose row says some may (schema v17).
    private static let rarerTablesQuery = """
        SELECT EXISTS (SELECT 1 FROM objections WHERE subject_id = ?1),
          EXISTS (SELECT 1 FROM restrictions WHERE subject_id = ?1),
          EXISTS (SELECT 1 FROM legal_holds WHERE subject_id = ?1),
          EXISTS (SELECT 1 FROM erased_fields WHERE subject_id = ?1),
          EXISTS (SELECT 1 FROM consent_state WHERE subject_id = ?1),
          EXISTS (SELECT 1 FROM information_given WHERE subject_id = ?1)
        """
    /// The subject row, its events and its fields in one statement: one statement is one
    /// snapshot, so the read needs no `BEGIN` and `COMMIT` around three (each a pass through
    /// SQLite's machine and a lock taken and released). Each row says which part it is (0 the
    /// subject, 1 an event, 2 a field); columns 1–6 are the part's own. The ciphertext column
    /// is named only when a read wants values: SQLite then leaves the rows' overflow pages
    /// unread for decisions alone.
    /// With the generation, a fourth part (3) carries the vault's fact generation read in the
    /// same snapshot, for a read whose facts will be kept (`FactCache`).
    private static let factsQuery = ReadQuery(factsSQL(ciphertexts: false, generation: false))
    private static let factsAndCiphertextsQuery = ReadQuery(factsSQL(ciphertexts: true, generation: false))
    private static let factsAndGenerationQuery = ReadQuery(factsSQL(ciphertexts: false, generation: true))
    private static let factsCiphertextsAndGenerationQuery = ReadQuery(factsSQL(ciphertexts: true, generation: true))
    private static let generationQuery = ReadQuery("SELECT n FROM fact_generation")
    private static func factsSQL(ciphertexts: Bool, generation: Bool) -> String {
        """
        SELECT 0, category, kind, consumer, contract_party,
          (SELECT group_concat(category, char(10)) FROM subject_categories WHERE subject_id = s.id), has_rarer_rows
        FROM subjects s WHERE id = ?1
        UNION ALL SELECT 1, event, effective_date, id, NULL, NULL, NULL FROM lifecycle_events WHERE subject_id = ?1
        UNION ALL SELECT 2, field, collected_at, collected_for, source, kept_for, \(ciphertexts ? "ciphertext" : "NULL") FROM fields WHERE subject_id = ?1
        \(generation ? "UNION ALL SELECT 3, NULL, NULL, n, NULL, NULL, NULL FROM fact_generation" : "")
        """
    }

    /// The subject row, its events and its fields, and the ciphertexts of `fields` from the same
    /// pass over the field rows; `nil` when the subject is not in the vault. `hasRarerRows`
    /// is the subject row's own flag that the rarer tables (objections, restrictions, holds,
    /// erasures, consents, Art. 14 records) may hold rows for it, so a subject without any
    /// costs one statement, not seven.
    /// Art. 49 transfers are not a subject's facts: the occasional limit counts a recipient's
    /// transfers over every subject, which a share reads itself
    /// (`VaultTransaction.derogationTransfers`). The rows are stepped underneath GRDB's row
    /// decoding (`SQLiteRows`).
    private func commonFacts(_ rows: FactRows, subject: String, ciphertextsOf fields: [String],
                             into ciphertexts: inout [String: Data], withGeneration: Bool = false) throws -> (facts: Facts, hasRarerRows: Bool, generation: Int64?)? {
        var found: SubjectFacts?
        var hasRarerRows = true
        var events: [(id: Int64, fact: LifecycleEventFact)] = []
        var provenance: [FieldProvenance] = []
        var generation: Int64?
        let query = switch (fields.isEmpty, withGeneration) {
        case (true, false): Self.factsQuery
        case (false, false): Self.factsAndCiphertextsQuery
        case (true, true): Self.factsAndGenerationQuery
        case (false, true): Self.factsCiphertextsAndGenerationQuery
        }
        try rows(query, subject) { row in
            switch row.int64(0) {
            case 0:
                let others = row.lines(5)?.sorted() ?? []
                found = SubjectFacts(id: subject, categories: [row.text(1) ?? ""] + others,
                                     kind: row.text(2).flatMap(SubjectKind.init(rawValue:)) ?? .naturalPerson,
                                     consumer: row.bool(3, whenNull: false), contractParty: row.bool(4, whenNull: false))
                hasRarerRows = row.bool(6, whenNull: true)
            case 1:
                if let date = row.text(2).flatMap(LocalDate.init(parsing:)) {
                    events.append((row.int64(3), LifecycleEventFact(event: row.text(1) ?? "", date: date)))
                }
            case 2:
                let field = row.text(1) ?? ""
                provenance.append(FieldProvenance(field: field, collected: policy.localDate(of: Instant(millisecondsSinceEpoch: row.int64(2))),
                                                  collectedFor: row.lines(3), source: row.text(4), keptFor: row.lines(5)))
                if !fields.isEmpty, fields.contains(field), let ciphertext = row.blob(6) { ciphertexts[field] = ciphertext }
            case 3 where withGeneration:
                generation = row.int64(3)
            default:
                // The statement names its parts; anything else is not a read to decide on.
                throw StoreError.io("the facts of a subject came back in an unknown shape")
            }
        }
        guard let found else { return nil }
        // The order the separate statements had (events by id, fields by name in SQLite's
        // binary order), whatever order the plan gives the parts' rows in. Both usually come
        // sorted (the index and the primary key are in that order), which sorting finds in one
        // pass.
        events.sort { $0.id < $1.id }
        provenance.sort { $0.field.utf8.lexicographicallyPrecedes($1.field.utf8) }
        var facts = Facts(subject: found)
        facts.events = events.map(\.fact)
        facts.fields = provenance
        return (facts, hasRarerRows, generation)
    }

    /// The facts through a GRDB connection (inside the caller's transaction), the rarer tables
    /// included.
    func loadFacts(_ db: Database, subject: String, ciphertextsOf fields: [String], into ciphertexts: inout [String: Data]) throws -> Facts? {
        guard let (common, hasRarerRows, _) = try commonFacts({ query, subject, body in try SQLiteRows.each(db.cachedStatement(sql: query.sql), subject, body) },
                                                           subject: subject, ciphertextsOf: fields, into: &ciphertexts) else { return nil }
        var facts = common
        guard hasRarerRows else { return facts }
        // Fail closed: a table whose answer is missing is read.
        var has = (objections: true, restrictions: true, holds: true, erasures: true, consents: true, information: true)
        try SQLiteRows.each(db.cachedStatement(sql: Self.rarerTablesQuery), subject) { row in
            has = (row.bool(0, whenNull: true), row.bool(1, whenNull: true), row.bool(2, whenNull: true),
                   row.bool(3, whenNull: true), row.bool(4, whenNull: true), row.bool(5, whenNull: true))
        }
        if has.objections { facts.objections = try Row.fetchAll(db.cachedStatement(sql: "SELECT purpose, kind, effective_at, assessment, assessment_reference FROM objections WHERE subject_id = ? ORDER BY id"), arguments: [subject]).map(Self.objection) }
        if has.restrictions { facts.restrictions = try Row.fetchAll(db.cachedStatement(sql: "SELECT fields, since, lifted, ground FROM restrictions WHERE subject_id = ? ORDER BY id"), arguments: [subject]).map(Self.restriction) }
        if has.holds { facts.legalHolds = try Row.fetchAll(db.cachedStatement(sql: "SELECT reference, since, until, fields, purposes FROM legal_holds WHERE subject_id = ? ORDER BY id"), arguments: [subject]).compactMap(Self.legalHold) }
        if has.erasures {
            facts.erasedFields = try String.fetchAll(db.cachedStatement(sql: "SELECT field FROM erased_fields WHERE subject_id = ? ORDER BY field"), arguments: [subject])
        }
        // One lookup in the folded state: the evaluator needs only the event in force.
        if has.consents { facts.consents = try Self.currentConsents(db, subject: subject).values.sorted { $0.purpose < $1.purpose }.map { event in
            ConsentRecord(purpose: event.purpose, notice: event.noticeReference, events: [event.decisionEvent])
        } }
        if has.information { facts.information = try Row.fetchAll(db.cachedStatement(sql: "SELECT notice, given_at, exception FROM information_given WHERE subject_id = ? ORDER BY id"), arguments: [subject]).map { row in
            InformationGiven(notice: row[0], at: Instant(millisecondsSinceEpoch: row[1]), exception: (row[2] as String?).flatMap(InformationException.init(rawValue:)))
        } }
        return facts
    }

    // MARK: field values

    /// Decrypts fields of a subject. A field that fails to open is reported in `unreadable`,
    /// never thrown past the caller as if nothing happened.
    package func openFields(_ fields: [String], of subject: String) throws -> (values: [String: String], unreadable: Set<String>) {
        guard !fields.isEmpty else { return ([:], []) }
        let rows: [String: Data]
        do {
            rows = try pool.read { db in try Self.ciphertexts(db, of: subject, fields: fields) }
        } catch {
            return ([:], Set(fields))
        }
        return try open(rows, of: subject)
    }

    /// A subject's facts and the ciphertexts of some of its fields, read in one transaction:
    /// a gated read needs both, and each read costs a transaction.
    ///
    /// A subject's facts read at the vault's current fact generation are answered from memory
    /// (`FactCache`): one statement of one row, where the facts after a commit cost a read of
    /// every page they are on. A subject not in the vault is read every time, and so is one
    /// the cache holds nothing of, without asking the generation first (each statement after a
    /// commit reads its pages from the file again).
    package func factsAndCiphertexts(of subject: String, fields: [String]) throws -> (facts: Facts?, ciphertexts: [String: Data]) {
        if let kept = factCache.kept(subject, fields: fields) {
            var now: Int64?
            try readers.each(Self.generationQuery, nil) { row in now = row.int64(0) }
            if now == kept.generation { return (kept.facts, kept.ciphertexts) }
        }
        var ciphertexts: [String: Data] = [:]
        let read = try factsSnapshot(of: subject, ciphertextsOf: fields, into: &ciphertexts, withGeneration: true)
        guard let facts = read.facts else {
            factCache.forget(subject)  // kept for other fields, too, whatever this read asked
            return (nil, [:])
        }
        if let generation = read.generation { factCache.remember(facts, ciphertexts: ciphertexts, of: subject, fields: fields, generation: generation) }
        return (facts, ciphertexts)
    }

    /// The same read from the file, never from memory (for benchmarks and tests that time or
    /// compare the file's path).
    package func factsAndCiphertextsFromTheFile(of subject: String, fields: [String]) throws -> (facts: Facts?, ciphertexts: [String: Data]) {
        var ciphertexts: [String: Data] = [:]
        guard let facts = try factsSnapshot(of: subject, ciphertextsOf: fields, into: &ciphertexts, withGeneration: false).facts else { return (nil, [:]) }
        return (facts, ciphertexts)
    }

    /// One statement for the subject's fields rather than one per requested field.
    static func ciphertexts(_ db: Database, of subject: String, fields: [String]) throws -> [String: Data] {
        var found: [String: Data] = [:]
        guard !fields.isEmpty else { return found }
        let cursor = try Row.fetchCursor(db.cachedStatement(sql: "SELECT field, ciphertext FROM fields WHERE subject_id = ?"), arguments: [subject])
        while let row = try cursor.next() {
            let field: String = row[0]
            if fields.contains(field) { found[field] = row[1] }
        }
        return found
    }

    /// Decrypts ciphertexts read earlier; a field that fails to open is reported in
    /// `unreadable`.
    package func open(_ rows: [String: Data], of subject: String) throws -> (values: [String: String], unreadable: Set<String>) {
        try keyring.open(rows, of: subject)
    }
}
