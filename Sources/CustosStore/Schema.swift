internal import GRDB
internal import CustosCrypto

/// The two files and their migrations. Names of tables may change; their roles may not
/// (DESIGN §4). No table holds a field value in plaintext.
enum Schema {
    static func vaultMigrator() -> DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
            CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
            CREATE TABLE policy_versions (digest TEXT PRIMARY KEY, canonical BLOB NOT NULL, archived_at INTEGER NOT NULL);
            CREATE TABLE subjects (
                id TEXT PRIMARY KEY, category TEXT NOT NULL, kind TEXT NOT NULL, consumer INTEGER NOT NULL,
                contract_party INTEGER NOT NULL, created_at INTEGER NOT NULL, created_by TEXT NOT NULL);
            CREATE TABLE fields (
                subject_id TEXT NOT NULL REFERENCES subjects(id) ON DELETE CASCADE, field TEXT NOT NULL,
                ciphertext BLOB NOT NULL, source TEXT NOT NULL, collected_at INTEGER NOT NULL,
                provided_by_subject INTEGER NOT NULL, derived INTEGER NOT NULL, collected_for TEXT,
                PRIMARY KEY (subject_id, field));
            CREATE TABLE blind_index (
                kind TEXT NOT NULL, digest BLOB NOT NULL, subject_id TEXT NOT NULL REFERENCES subjects(id) ON DELETE CASCADE,
                field TEXT NOT NULL, PRIMARY KEY (kind, digest, subject_id, field));
            CREATE TABLE lifecycle_events (
                id INTEGER PRIMARY KEY, subject_id TEXT NOT NULL REFERENCES subjects(id) ON DELETE CASCADE,
                event TEXT NOT NULL, effective_date TEXT NOT NULL, recorded_at INTEGER NOT NULL, recorded_by TEXT NOT NULL);
            CREATE INDEX lifecycle_events_subject ON lifecycle_events(subject_id);
            CREATE TABLE objections (
                id INTEGER PRIMARY KEY, subject_id TEXT NOT NULL REFERENCES subjects(id) ON DELETE CASCADE, purpose TEXT,
                kind TEXT NOT NULL, effective_at INTEGER NOT NULL, recorded_at INTEGER NOT NULL,
                assessment TEXT, assessment_reference TEXT);
            CREATE INDEX objections_subject ON objections(subject_id);
            CREATE TABLE restrictions (
                id INTEGER PRIMARY KEY, subject_id TEXT NOT NULL REFERENCES subjects(id) ON DELETE CASCADE, fields TEXT,
                since INTEGER NOT NULL, lifted INTEGER, ground TEXT);
            CREATE INDEX restrictions_subject ON restrictions(subject_id);
            CREATE TABLE legal_holds (
                id INTEGER PRIMARY KEY, subject_id TEXT NOT NULL REFERENCES subjects(id) ON DELETE CASCADE,
                reference TEXT NOT NULL, since TEXT NOT NULL, until TEXT, fields TEXT, purposes TEXT);
            CREATE INDEX legal_holds_subject ON legal_holds(subject_id);
            CREATE TABLE erased_fields (
                subject_id TEXT NOT NULL REFERENCES subjects(id) ON DELETE CASCADE, field TEXT NOT NULL, at INTEGER NOT NULL,
                PRIMARY KEY (subject_id, field));
            CREATE TABLE disclosures (
                id INTEGER PRIMARY KEY, subject_id TEXT NOT NULL, recipient TEXT NOT NULL, purpose TEXT NOT NULL,
                fields TEXT NOT NULL, at INTEGER NOT NULL, destination TEXT, mechanism TEXT, procedure TEXT,
                decision_seq INTEGER NOT NULL REFERENCES decision_log(seq));
            CREATE INDEX disclosures_subject ON disclosures(subject_id);
            CREATE TABLE decision_log (
                seq INTEGER PRIMARY KEY, at INTEGER NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
                purpose TEXT NOT NULL, subject_id TEXT NOT NULL, recipient TEXT, fields TEXT NOT NULL,
                outcome TEXT NOT NULL, codes TEXT NOT NULL, policy_digest TEXT NOT NULL,
                prev_hash BLOB NOT NULL, hash BLOB NOT NULL);
            CREATE TABLE audit_checkpoints (seq INTEGER NOT NULL, hash BLOB NOT NULL, at INTEGER NOT NULL, signature BLOB NOT NULL);
            CREATE TABLE erasure_ledger (salted_hash BLOB PRIMARY KEY, at INTEGER NOT NULL);
            """)
        }
        migrator.registerMigration("v2-consent") { db in
            try db.execute(sql: """
            CREATE TABLE consent_events (
                id INTEGER PRIMARY KEY, subject_id TEXT NOT NULL REFERENCES subjects(id) ON DELETE CASCADE,
                purpose TEXT NOT NULL, state TEXT NOT NULL, notice_id TEXT, notice_version INTEGER, notice_hash TEXT,
                language TEXT, method TEXT, channel TEXT, evidence TEXT, expressed_by TEXT NOT NULL,
                parent_name TEXT, parent_verification TEXT, age_at_consent INTEGER,
                presented_separately INTEGER NOT NULL, pre_ticked INTEGER NOT NULL, conditional_on_service INTEGER NOT NULL,
                recorded_at INTEGER NOT NULL, effective_at INTEGER NOT NULL, recorded_by TEXT NOT NULL);
            CREATE INDEX consent_events_subject ON consent_events(subject_id, purpose);
            -- Events are append-only: only the erasure of the whole subject removes them.
            CREATE TRIGGER consent_events_no_update BEFORE UPDATE ON consent_events
              BEGIN SELECT RAISE(ABORT, 'consent events are append-only'); END;
            CREATE TABLE consent_state (
                subject_id TEXT NOT NULL REFERENCES subjects(id) ON DELETE CASCADE, purpose TEXT NOT NULL,
                event_id INTEGER NOT NULL REFERENCES consent_events(id) ON DELETE CASCADE,
                PRIMARY KEY (subject_id, purpose));
            CREATE TABLE consent_refusals (
                id INTEGER PRIMARY KEY, subject_id TEXT NOT NULL, purpose TEXT NOT NULL, code TEXT NOT NULL,
                at INTEGER NOT NULL, recorded_by TEXT NOT NULL);
            """)
        }
        migrator.registerMigration("v3-officer") { db in
            try db.execute(sql: """
            ALTER TABLE restrictions ADD COLUMN subject_informed_at INTEGER;
            ALTER TABLE legal_holds ADD COLUMN placed_by TEXT;
            ALTER TABLE legal_holds ADD COLUMN lifted_by TEXT;
            CREATE TABLE requests (
                id TEXT PRIMARY KEY, subject_id TEXT NOT NULL, type TEXT NOT NULL, purpose TEXT, channel TEXT NOT NULL,
                received_at INTEGER NOT NULL, received_on TEXT NOT NULL, requester TEXT NOT NULL, mandate TEXT,
                identity TEXT NOT NULL, identity_method TEXT, status TEXT NOT NULL, due_on TEXT NOT NULL,
                extension_notice_on TEXT, extension_reasons TEXT, closed_at INTEGER, outcome TEXT);
            CREATE INDEX requests_subject ON requests(subject_id);
            CREATE TABLE request_events (
                id INTEGER PRIMARY KEY, request_id TEXT NOT NULL REFERENCES requests(id), at INTEGER NOT NULL,
                event TEXT NOT NULL, detail TEXT, recorded_by TEXT NOT NULL);
            """)
        }
        migrator.registerMigration("v4-erasure") { db in
            try db.execute(sql: """
            ALTER TABLE fields ADD COLUMN kept_for TEXT;
            CREATE TABLE tasks (
                id INTEGER PRIMARY KEY, kind TEXT NOT NULL, subject_id TEXT NOT NULL, request_id TEXT, recipient TEXT NOT NULL,
                action TEXT NOT NULL, fields TEXT NOT NULL, created_at INTEGER NOT NULL, done_at INTEGER, done_by TEXT);
            """)
        }
        migrator.registerMigration("v5-retention") { db in
            // The erasure ledger moves to the keyring (its backups outlive the vault's); the
            // decision log may now be pruned, so disclosures keep their decision's sequence
            // number without a foreign key, and the pruned head is kept signed.
            try db.execute(sql: """
            DROP TABLE erasure_ledger;
            CREATE TABLE disclosures_v5 (
                id INTEGER PRIMARY KEY, subject_id TEXT NOT NULL, recipient TEXT NOT NULL, purpose TEXT NOT NULL,
                fields TEXT NOT NULL, at INTEGER NOT NULL, destination TEXT, mechanism TEXT, procedure TEXT,
                decision_seq INTEGER NOT NULL);
            INSERT INTO disclosures_v5 SELECT id, subject_id, recipient, purpose, fields, at, destination, mechanism, procedure, decision_seq FROM disclosures;
            DROP TABLE disclosures;
            ALTER TABLE disclosures_v5 RENAME TO disclosures;
            CREATE INDEX disclosures_subject ON disclosures(subject_id);
            CREATE TABLE log_anchor (
                seq INTEGER NOT NULL, hash BLOB NOT NULL, pruned_before INTEGER NOT NULL, at INTEGER NOT NULL, signature BLOB NOT NULL);
            """)
        }
        migrator.registerMigration("v6-consent-proof") { db in
            // What remains of an erased subject's consents (Art. 7(1)): pseudonymous, no evidence
            // text and no parent's name, kept for the policy's 'consent-proof' period.
            try db.execute(sql: """
            CREATE TABLE consent_proofs (
                id INTEGER PRIMARY KEY, subject_hash BLOB NOT NULL, purpose TEXT NOT NULL, state TEXT NOT NULL,
                notice_id TEXT, notice_version INTEGER, notice_hash TEXT, language TEXT, method TEXT, channel TEXT,
                expressed_by TEXT NOT NULL, parent_verification TEXT, age_at_consent INTEGER,
                presented_separately INTEGER NOT NULL, pre_ticked INTEGER NOT NULL, conditional_on_service INTEGER NOT NULL,
                recorded_at INTEGER NOT NULL, effective_at INTEGER NOT NULL, recorded_by TEXT NOT NULL, erased_at INTEGER NOT NULL);
            CREATE INDEX consent_proofs_subject ON consent_proofs(subject_hash);
            """)
        }
        migrator.registerMigration("v7-blind-index-by-subject") { db in
            // Storing, rectifying and erasing a field replace its blind-index entry by subject
            // and field; without this index each of them scanned the whole index.
            try db.execute(sql: "CREATE INDEX blind_index_subject ON blind_index(subject_id, field)")
        }
        migrator.registerMigration("v8-actual-recipient") { db in
            // The actual recipient behind a recipient the policy names by kind (Art. 15(1)(c),
            // CJEU C-154/21). Earlier disclosures have none: they went to named recipients, or
            // predate the rule.
            try db.execute(sql: "ALTER TABLE disclosures ADD COLUMN recipient_name TEXT")
        }
        migrator.registerMigration("v9-subprocessor-records") { db in
            // The officer's records about sub-processor authorisations (Art. 28(2)): an
            // objection within a general authorisation's window, an approval, a withdrawal.
            try db.execute(sql: """
            CREATE TABLE subprocessor_records (
                id INTEGER PRIMARY KEY, recipient TEXT NOT NULL, state TEXT NOT NULL, at INTEGER NOT NULL, note TEXT,
                recorded_by TEXT NOT NULL, recorded_at INTEGER NOT NULL)
            """)
        }
        migrator.registerMigration("v10-subject-categories") { db in
            // A person can be more than one kind of subject (a debtor who also subscribes to
            // the newsletter). `subjects.category` stays the first; the others are kept here,
            // so every existing subject keeps exactly the category it had.
            try db.execute(sql: """
            CREATE TABLE subject_categories (
                subject_id TEXT NOT NULL REFERENCES subjects(id) ON DELETE CASCADE, category TEXT NOT NULL,
                added_at INTEGER NOT NULL, added_by TEXT NOT NULL, PRIMARY KEY (subject_id, category))
            """)
        }
        migrator.registerMigration("v11-public-door") { db in
            // The privacy centre (DESIGN §11). Mail waits in an outbox, sealed under a key of
            // its own; an e-mail code's challenge keeps a keyed hash of the address and of the
            // code, and what the person typed sealed; a status link is kept as a keyed hash of
            // its token; a request's answer is sealed under its subject's key (shredded with
            // it) and dropped whenever a field of the subject is erased.
            try db.execute(sql: """
            CREATE TABLE outbox (
                id INTEGER PRIMARY KEY, kind TEXT NOT NULL, sealed BLOB NOT NULL, created_at INTEGER NOT NULL,
                sent_at INTEGER, attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT);
            CREATE TABLE web_challenges (
                id TEXT PRIMARY KEY, kind TEXT NOT NULL, email_index BLOB NOT NULL, code_hash BLOB NOT NULL, sealed BLOB NOT NULL,
                created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, state TEXT NOT NULL);
            CREATE INDEX web_challenges_email ON web_challenges(email_index, created_at);
            CREATE TABLE status_links (token_hash BLOB PRIMARY KEY, request_id TEXT NOT NULL, created_at INTEGER NOT NULL);
            CREATE TABLE request_answers (
                request_id TEXT PRIMARY KEY, subject_id TEXT NOT NULL REFERENCES subjects(id) ON DELETE CASCADE,
                html BLOB NOT NULL, json BLOB NOT NULL, created_at INTEGER NOT NULL);
            CREATE INDEX request_answers_subject ON request_answers(subject_id);
            """)
        }
        migrator.registerMigration("v12-console") { db in
            // Who assessed an objection and when, as every other officer record says who made it.
            try db.execute(sql: "ALTER TABLE objections ADD COLUMN assessed_by TEXT; ALTER TABLE objections ADD COLUMN assessed_at INTEGER;")
            // An answer with other people's data to review is kept for the officer's console,
            // never offered to the subject by the privacy centre before that review.
            try db.execute(sql: "ALTER TABLE request_answers ADD COLUMN held_for_review INTEGER NOT NULL DEFAULT 0")
        }
        migrator.registerMigration("v13-breach-register") { db in
            // Every personal data breach, notified or not (Art. 33(5)), with its clocks and
            // an append-only history of what was decided and sent.
            try db.execute(sql: """
            CREATE TABLE breaches (
                id TEXT PRIMARY KEY, nature TEXT NOT NULL, discovered_at INTEGER NOT NULL, aware_at INTEGER NOT NULL,
                processor_notice_at INTEGER, scope_kind TEXT NOT NULL, scope_target TEXT, fields TEXT,
                window_from INTEGER NOT NULL, window_to INTEGER NOT NULL, description TEXT NOT NULL, measures TEXT, consequences TEXT,
                keys_compromised INTEGER NOT NULL DEFAULT 0, risk TEXT, subjects_exception TEXT,
                ap_notified_at INTEGER, ap_final INTEGER NOT NULL DEFAULT 0, late_reasons TEXT, closed_at INTEGER,
                recorded_at INTEGER NOT NULL, recorded_by TEXT NOT NULL);
            CREATE TABLE breach_events (
                id INTEGER PRIMARY KEY, breach_id TEXT NOT NULL REFERENCES breaches(id), at INTEGER NOT NULL,
                event TEXT NOT NULL, detail TEXT, by TEXT NOT NULL);
            CREATE INDEX breach_events_breach ON breach_events(breach_id);
            CREATE TRIGGER breach_events_no_update BEFORE UPDATE ON breach_events BEGIN SELECT RAISE(ABORT, 'breach events are append-only'); END;
            """)
        }
        migrator.registerMigration("v14-information-duty") { db in
            // Each breach letter sent, per person and channel (Art. 34: who was told, how).
            // Art. 14: when a notice's information reached a subject (or the Art. 14(5) ground
            // on which it was not owed), and the first disclosure or communication that came
            // before it, which moves the subject's deadline to that moment.
            try db.execute(sql: """
            CREATE TABLE information_given (
                id INTEGER PRIMARY KEY, subject_id TEXT NOT NULL REFERENCES subjects(id) ON DELETE CASCADE,
                notice TEXT NOT NULL, given_at INTEGER NOT NULL, exception TEXT, ground TEXT, channel TEXT,
                recorded_at INTEGER NOT NULL, recorded_by TEXT NOT NULL);
            CREATE INDEX information_given_subject ON information_given(subject_id);
            CREATE TABLE information_tasks (
                subject_id TEXT NOT NULL REFERENCES subjects(id) ON DELETE CASCADE, notice TEXT NOT NULL,
                purpose TEXT NOT NULL, trigger TEXT NOT NULL, recipient TEXT, at INTEGER NOT NULL, seq INTEGER,
                PRIMARY KEY (subject_id, notice));
            CREATE TABLE breach_letters (
                breach_id TEXT NOT NULL REFERENCES breaches(id), subject_id TEXT NOT NULL REFERENCES subjects(id) ON DELETE CASCADE,
                channel TEXT NOT NULL, language TEXT NOT NULL, at INTEGER NOT NULL, by TEXT NOT NULL,
                PRIMARY KEY (breach_id, subject_id, channel));
            """)
        }
        migrator.registerMigration("v15-derogation-transfers") { db in
            // The Art. 49 occasional limit counts a recipient's derogation transfers across all
            // subjects, on every share to it: a partial index keeps that one small range read.
            try db.execute(sql: "CREATE INDEX disclosures_derogations ON disclosures(recipient, at) WHERE mechanism = 'art-49-1-e'")
        }
        migrator.registerMigration("v16-cascade-indexes") { db in
            // Deleting a subject (an erasure, a retention sweep) cascades into every table that
            // names it; SQLite finds the rows to delete by an index or scans the table. Two had
            // none: breach letters (keyed by breach first) and the consent state's event (each
            // deleted consent event scanned the whole consent state): every erasure grew with
            // the vault.
            try db.execute(sql: """
            CREATE INDEX breach_letters_subject ON breach_letters(subject_id);
            CREATE INDEX consent_state_event ON consent_state(event_id);
            """)
        }
        migrator.registerMigration("v17-rarer-rows-flag") { db in
            // Every decision reads its subject's row; most subjects have no row in the six
            // rarer tables, and asking each table (six index searches) cost a third of a cold
            // facts read, more after a write had emptied the readers' page caches. The subject
            // row now says so itself. The flag is set by triggers in the transaction that adds
            // such a row, so any snapshot that sees the row sees the flag, and it is never
            // cleared: a stale 1 costs a slower read, a 0 would hide an objection.
            let rarer = ["objections", "restrictions", "legal_holds", "erased_fields", "consent_state", "information_given"]
            try db.execute(sql: "ALTER TABLE subjects ADD COLUMN has_rarer_rows INTEGER NOT NULL DEFAULT 0")
            try db.execute(sql: "UPDATE subjects SET has_rarer_rows = 1 WHERE "
                + rarer.map { "EXISTS (SELECT 1 FROM \($0) WHERE subject_id = subjects.id)" }.joined(separator: " OR "))
            for table in rarer {
                for (event, name) in [("INSERT", "inserted"), ("UPDATE OF subject_id", "moved")] {
                    try db.execute(sql: """
                    CREATE TRIGGER \(table)_\(name)_flag_subject AFTER \(event) ON \(table)
                      BEGIN UPDATE subjects SET has_rarer_rows = 1 WHERE id = NEW.subject_id AND has_rarer_rows = 0; END
                    """)
                }
            }
        }
        migrator.registerMigration("v18-subjects-and-fields-by-key") { db in
            // Every decision finds its subject's row by id and the subject's field rows by
            // subject. In a rowid table each is two B-tree searches (the key's index, then the
            // row by its rowid), and on a cold cache or after a commit each search reads pages.
            // Stored by their keys (WITHOUT ROWID) each is one, and a subject's fields lie side
            // by side: a cold read among 1,000,000 subjects reads 3.5 pages instead of 5.2
            // (BENCHMARKS.md, the vault path's fourth round). Nothing reads either table's
            // rowid. The tables are rebuilt (SQLite cannot change a table's storage in place)
            // with foreign keys off, as GRDB runs every migration; the triggers that name
            // `subjects` are set aside and made again as they were, because a rename re-checks
            // every trigger against tables that are not there yet.
            let triggers = try Row.fetchAll(db, sql: "SELECT name, sql FROM sqlite_schema WHERE type = 'trigger' AND sql LIKE '%subjects%'")
            for trigger in triggers {
                try db.execute(sql: "DROP TRIGGER \((trigger["name"] as String).quotedDatabaseIdentifier)")
            }
            try db.execute(sql: """
            CREATE TABLE subjects_by_key (
                id TEXT PRIMARY KEY, category TEXT NOT NULL, kind TEXT NOT NULL, consumer INTEGER NOT NULL,
                contract_party INTEGER NOT NULL, created_at INTEGER NOT NULL, created_by TEXT NOT NULL,
                has_rarer_rows INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;
            INSERT INTO subjects_by_key (id, category, kind, consumer, contract_party, created_at, created_by, has_rarer_rows)
              SELECT id, category, kind, consumer, contract_party, created_at, created_by, has_rarer_rows FROM subjects;
            DROP TABLE subjects;
            ALTER TABLE subjects_by_key RENAME TO subjects;
            CREATE TABLE fields_by_key (
                subject_id TEXT NOT NULL REFERENCES subjects(id) ON DELETE CASCADE, field TEXT NOT NULL,
                ciphertext BLOB NOT NULL, source TEXT NOT NULL, collected_at INTEGER NOT NULL,
                provided_by_subject INTEGER NOT NULL, derived INTEGER NOT NULL, collected_for TEXT, kept_for TEXT,
                PRIMARY KEY (subject_id, field)) WITHOUT ROWID;
            INSERT INTO fields_by_key (subject_id, field, ciphertext, source, collected_at, provided_by_subject, derived, collected_for, kept_for)
              SELECT subject_id, field, ciphertext, source, collected_at, provided_by_subject, derived, collected_for, kept_for FROM fields;
            DROP TABLE fields;
            ALTER TABLE fields_by_key RENAME TO fields;
            """)
            for trigger in triggers { try db.execute(sql: trigger["sql"]) }
        }
        migrator.registerMigration("v19-fact-generation") { db in
            // Every gated read commits its log entry, and a commit empties every reader's page
            // cache, so each read's facts were read from the file again (BENCHMARKS.md, "The
            // gated read in stages"). A read may keep a subject's facts in memory only if it can
            // tell, in one small statement, that nothing a decision reads has changed since:
            // every change to any table but the log's sets `fact_generation.n` to a fresh
            // random number in the same transaction (random, not a counter, so a vault restored
            // from an older backup cannot meet a number it had before for other contents).
            try db.execute(sql: """
            CREATE TABLE fact_generation (n INTEGER NOT NULL);
            INSERT INTO fact_generation (n) VALUES (random());
            """)
            let tables = try String.fetchAll(db, sql: "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
            for table in tables where !Schema.tablesOutsideTheFacts.contains(table) {
                try Schema.createFactGenerationTriggers(on: table, db)
            }
        }
        migrator.registerMigration("v20-outbox-indexes") { db in
            // Every message queued purges the sent mail past its keeping period, and the sender
            // asks for what is pending: without an index each read the whole outbox, sealed
            // bodies and all, so a breach's letters by e-mail took 6.4 ms each among 20,000
            // and more with every letter (BENCHMARKS.md, "Breach letters by e-mail").
            try db.execute(sql: """
            CREATE INDEX outbox_sent ON outbox (sent_at) WHERE sent_at IS NOT NULL;
            CREATE INDEX outbox_pending ON outbox (id) WHERE sent_at IS NULL;
            """)
        }
        migrator.registerMigration("v21-sweep-runs") { db in
            // The console's Today page names the last retention sweep. It found it in the log
            // (the largest `at` among the sweep's entries, then those entries), a read of the
            // whole log each time: 0.1 s a million entries. Each page of a sweep now adds its
            // counts here in its own transaction; the last sweep the log holds is copied once.
            // ('retention-sweep' is `PrivacyEngine.retentionSweepPurpose`; a list of fields is
            // kept one per line.)
            try db.execute(sql: """
            CREATE TABLE sweep_runs (at INTEGER PRIMARY KEY, subjects INTEGER NOT NULL, fields INTEGER NOT NULL);
            INSERT INTO sweep_runs (at, subjects, fields)
              SELECT at, COUNT(*), SUM(CASE WHEN fields = '' THEN 0 ELSE length(fields) - length(replace(fields, char(10), '')) + 1 END)
              FROM decision_log WHERE purpose = 'retention-sweep' AND at = (SELECT MAX(at) FROM decision_log WHERE purpose = 'retention-sweep')
              GROUP BY at;
            """)
        }
        migrator.registerMigration("v22-lookup-indexes") { db in
            // Lookups that read a whole table each time, found by asking SQLite for the plan of
            // every statement the store runs: a subject's refused consents (every consent
            // call), a request's history (every request shown), the withdrawals of the last
            // days (the console's Today page, over every consent event), and the purge of old
            // e-mail codes (every code sent). PostgreSQL has had the first two since its v1.
            try db.execute(sql: """
            CREATE INDEX consent_refusals_subject ON consent_refusals (subject_id);
            CREATE INDEX request_events_request ON request_events (request_id, id);
            CREATE INDEX consent_events_withdrawn ON consent_events (effective_at) WHERE state = 'withdrawn';
            CREATE INDEX web_challenges_created ON web_challenges (created_at);
            """)
        }
        migrator.registerMigration("v23-log-subject-blocks") { db in
            // One subject's trail (the console's dossier, `report activity --subject`) read the
            // whole decision log: 0.15 s a million entries, and a server logs every read. An
            // index on the log would cost every append; this one is kept behind it
            // (LogSubjectBlocks), and starts empty: until it is caught up, a trail reads the
            // entries after its mark, as before.
            try db.execute(sql: LogSubjectBlocks.createTable)
        }
        migrator.registerMigration("v24-open-requests") { db in
            // The console's request list and Today page, and `request list`, read every
            // request of every year, each with its history, to keep the open ones.
            try db.execute(sql: "CREATE INDEX requests_status ON requests (status)")
        }
        migrator.registerMigration("v25-mail-outside-the-facts") { db in
            // The outbox, the privacy centre's e-mail codes and its status links carried the
            // fact generation's triggers, though no decision reads them: every code a stranger
            // asked for and every message sent emptied every cached fact of every subject.
            for table in Schema.mailTables {
                for event in ["insert", "update", "delete"] {
                    try db.execute(sql: "DROP TRIGGER IF EXISTS \("\(table)_fact_generation_\(event)".quotedDatabaseIdentifier)")
                }
            }
        }
        migrator.registerMigration("v26-words-beside-english") { db in
            // A closed request's outcome and the details of a request's and a breach's history
            // were kept only in English, so the console and the privacy centre showed them in
            // English on a Dutch page. Their words (LibraryWords, as JSON) are kept beside
            // them; a row from before has none, and shows its English.
            try db.execute(sql: "ALTER TABLE requests ADD COLUMN outcome_words TEXT")
            try db.execute(sql: "ALTER TABLE request_events ADD COLUMN detail_words TEXT")
            try db.execute(sql: "ALTER TABLE breach_events ADD COLUMN detail_words TEXT")
        }
        migrator.registerMigration("v27-breach-cause-and-member-states") { db in
            // The AP's notification form asks how a breach came about and whether it touched
            // people in other member states; both are recorded with the assessment. A breach
            // assessed before has neither, and its notification says they were not assessed.
            try db.execute(sql: "ALTER TABLE breaches ADD COLUMN cause TEXT")
            try db.execute(sql: "ALTER TABLE breaches ADD COLUMN other_member_states TEXT")
        }
        migrator.registerMigration("v28-erasure-certificate") { db in
            // An erasure request's unsigned certificate (what is destroyed, what is kept and
            // why, whom to tell), stored with its logged decisions before anything is destroyed:
            // an erasure interrupted after that is finished as decided by fulfilling it again.
            try db.execute(sql: "ALTER TABLE requests ADD COLUMN erasure_certificate TEXT")
        }
        migrator.registerMigration("v29-web-sessions") { db in
            // Console and privacy-centre sessions, and the form tokens already spent, lived in
            // the server's memory: a restart signed everyone out, and two servers on one vault
            // (DESIGN §12) did not know each other's sessions or spent tokens (WebSessions).
            try db.execute(sql: """
                CREATE TABLE web_sessions (id_hash BLOB PRIMARY KEY, sealed BLOB NOT NULL, started_at INTEGER NOT NULL,
                                           last_seen_at INTEGER NOT NULL, ends_at INTEGER NOT NULL);
                CREATE INDEX web_sessions_ends ON web_sessions (ends_at);
                CREATE TABLE web_form_nonces (nonce TEXT PRIMARY KEY, expires_at INTEGER NOT NULL);
                CREATE INDEX web_form_nonces_expires ON web_form_nonces (expires_at);
                """)
        }
        migrator.registerMigration("v30-request-statements") { db in
            // A rectification request from the privacy centre arrived without what is wrong:
            // the subject's own words are kept with it, sealed under the subject's key
            // (RequestStatements), for the officer who fulfils it.
            try db.execute(sql: """
                CREATE TABLE request_statements (
                    request_id TEXT PRIMARY KEY, subject_id TEXT NOT NULL REFERENCES subjects(id) ON DELETE CASCADE,
                    sealed BLOB NOT NULL, created_at INTEGER NOT NULL);
                CREATE INDEX request_statements_subject ON request_statements(subject_id);
                """)
        }
        migrator.registerMigration("v31-web-client-counts") { db in
            // The web faces' limits per client address (e-mail codes, code tries, status-link
            // lookups, form posts, console sign-ins) counted in each server's memory: a restart
            // forgot them, and N servers on one vault allowed N times the limit. Each count is
            // kept here under a keyed hash of the address and what is counted, never the
            // address, until its window ends (`WebSessionStore.countClientEvent`).
            try db.execute(sql: """
                CREATE TABLE web_client_counts (key BLOB PRIMARY KEY, ends_at INTEGER NOT NULL, count INTEGER NOT NULL) WITHOUT ROWID;
                CREATE INDEX web_client_counts_ends ON web_client_counts (ends_at);
                """)
        }
        return migrator
    }

    /// Tables whose changes leave every subject's facts as they were: the decision log, what
    /// seals it, sums it up (`sweep_runs`) or indexes it (`log_subject_blocks`), GRDB's own
    /// record, the generation itself, the mail (v25) and web sessions (v29). Every other table of the vault, and any table a later migration adds, carries
    /// `createFactGenerationTriggers` (`FactCacheTests` walks the schema).
    static let tablesOutsideTheFacts: Set<String> = Set(["decision_log", "log_anchor", "audit_checkpoints", "grdb_migrations", "fact_generation", "sweep_runs",
                                                          "log_subject_blocks"] + mailTables + webSessionTables + statementTables)

    /// Mail to data subjects and the privacy centre's codes and links: no decision reads them.
    static let mailTables = ["outbox", "web_challenges", "status_links"]

    /// Web sessions and spent form tokens (v29), clients' counts (v31): a page view must not
    /// empty the fact cache.
    static let webSessionTables = ["web_sessions", "web_form_nonces", "web_client_counts"]

    /// A subject's own words with a rectification request (v30): no decision reads them.
    static let statementTables = ["request_statements"]

    /// Gives `fact_generation` a fresh number whenever a row of `table` is added, changed or
    /// removed, in the same transaction.
    static func createFactGenerationTriggers(on table: String, _ db: Database) throws {
        for event in ["INSERT", "UPDATE", "DELETE"] {
            try db.execute(sql: """
            CREATE TRIGGER \("\(table)_fact_generation_\(event.lowercased())".quotedDatabaseIdentifier) AFTER \(event) ON \(table.quotedDatabaseIdentifier)
              BEGIN UPDATE fact_generation SET n = random(); END
            """)
        }
    }

    /// The keyring migration that rebuilds `subject_keys` (the open compacts the file after it).
    static let subjectKeysByKey = "v9-subject-keys-by-key"

    static func keyringMigrator() -> DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
            CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
            CREATE TABLE master_keys (
                version INTEGER PRIMARY KEY, source TEXT NOT NULL, salt BLOB, check_value BLOB NOT NULL,
                created_at INTEGER NOT NULL, retired_at INTEGER);
            CREATE TABLE subject_keys (
                subject_id TEXT PRIMARY KEY, key_version INTEGER NOT NULL,
                master_version INTEGER NOT NULL REFERENCES master_keys(version), wrapped BLOB NOT NULL);
            CREATE TABLE service_keys (
                name TEXT PRIMARY KEY, master_version INTEGER NOT NULL REFERENCES master_keys(version),
                wrapped BLOB NOT NULL, public_key BLOB);
            """)
        }
        migrator.registerMigration("v2-erasure-ledger") { db in
            // Salted hashes of erased subject ids (field NULL: the whole subject; kept_for set:
            // a field kept only for those purposes), replayed on a restored vault.
            try db.execute(sql: """
            CREATE TABLE erasure_ledger (
                id INTEGER PRIMARY KEY, salted_hash BLOB NOT NULL, field TEXT, kept_for TEXT, at INTEGER NOT NULL);
            CREATE INDEX erasure_ledger_hash ON erasure_ledger(salted_hash);
            """)
            try db.execute(sql: "INSERT INTO meta (key, value) VALUES ('ledger-salt', ?)", arguments: [Blake2b.hex(SecureRandom.bytes(32))])
        }
        migrator.registerMigration("v3-pending-keys") { db in
            // A key is stored pending before its subject reaches the vault and adopted after;
            // a pending key without a subject is the trace of an interrupted import.
            try db.execute(sql: "ALTER TABLE subject_keys ADD COLUMN pending INTEGER NOT NULL DEFAULT 0")
        }
        migrator.registerMigration("v4-service-accounts") { db in
            // custos serve's callers: only a keyed hash of each token is kept.
            try db.execute(sql: """
            CREATE TABLE service_accounts (
                name TEXT PRIMARY KEY, actor TEXT NOT NULL, token_hash BLOB NOT NULL UNIQUE,
                created_at INTEGER NOT NULL, revoked_at INTEGER);
            """)
        }
        migrator.registerMigration("v5-officer-accounts") { db in
            // The console's people: an Argon2id string per password, the TOTP secret sealed,
            // the last TOTP step accepted (a code is never taken twice) and the lockout counter.
            try db.execute(sql: """
            CREATE TABLE officer_accounts (
                name TEXT PRIMARY KEY, role TEXT NOT NULL, password_hash TEXT NOT NULL, totp_sealed BLOB,
                totp_last_step INTEGER, failed_logins INTEGER NOT NULL DEFAULT 0, locked_until INTEGER,
                created_at INTEGER NOT NULL, removed_at INTEGER);
            """)
        }
        migrator.registerMigration("v6-pending-keys-index") { db in
            // Every open looks for pending keys (an interrupted import's); without an index
            // that read every page of the keyring: 28,000 page reads and about 0.2 s a start
            // with 1,000,000 subjects, paid by every CLI command. Pending keys are rare, so a
            // partial index holds only them.
            try db.execute(sql: "CREATE INDEX subject_keys_pending ON subject_keys(subject_id) WHERE pending = 1")
        }
        migrator.registerMigration("v7-service-account-limits") { db in
            // A service account's own requests a second on custos serve (NULL: the server's limit).
            try db.execute(sql: "ALTER TABLE service_accounts ADD COLUMN requests_per_second INTEGER")
        }
        migrator.registerMigration("v8-service-token-rotation") { db in
            // After `custos service rotate`, the token before the current one and when it stops
            // working; a token is looked up by either hash, so both are indexed and unique.
            try db.execute(sql: """
            ALTER TABLE service_accounts ADD COLUMN previous_token_hash BLOB;
            ALTER TABLE service_accounts ADD COLUMN previous_token_until INTEGER;
            CREATE UNIQUE INDEX service_accounts_previous_token ON service_accounts(previous_token_hash) WHERE previous_token_hash IS NOT NULL;
            """)
        }
        migrator.registerMigration(subjectKeysByKey) { db in
            // Every gated read of a subject whose key is not cached looks its key up by id. In a
            // rowid table that is two B-tree searches (the id's index, then the row), and among
            // 1,000,000 subjects each ends on a leaf page no read touched before; stored by its
            // key (WITHOUT ROWID) it is one (as the vault's subjects and fields since v18).
            // Nothing reads the table's rowid. SQLite cannot change a table's storage in place,
            // so it is rebuilt in this migration's transaction, its partial index made again;
            // with `secure_delete` on, the old table's pages are zeroed as they are freed.
            try db.execute(sql: """
            CREATE TABLE subject_keys_by_key (
                subject_id TEXT PRIMARY KEY, key_version INTEGER NOT NULL,
                master_version INTEGER NOT NULL REFERENCES master_keys(version), wrapped BLOB NOT NULL,
                pending INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;
            INSERT INTO subject_keys_by_key (subject_id, key_version, master_version, wrapped, pending)
              SELECT subject_id, key_version, master_version, wrapped, pending FROM subject_keys;
            DROP TABLE subject_keys;
            ALTER TABLE subject_keys_by_key RENAME TO subject_keys;
            CREATE INDEX subject_keys_pending ON subject_keys(subject_id) WHERE pending = 1;
            """)
        }
        return migrator
    }
}
