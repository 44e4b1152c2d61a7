import Foundation
import PostgresNIO

/// The PostgreSQL schema, versioned and forward-only. Every starting process runs `migrate`:
/// the first takes the advisory lock and applies what is missing, the others wait for it and
/// find nothing to do. A database whose version is newer than this Custos knows is refused.
enum PostgresSchema {
    /// An arbitrary constant shared by every Custos process: the lock migrations run under.
    static let migrationLock: Int64 = 0x4375_7374_6F73_0001
    /// The lock appends to the decision log are serialised under (one chain, no fork).
    static let logLock: Int64 = 0x4375_7374_6F73_0002
    /// The lock class a share to a recipient with an Art. 49 derogation takes (with the
    /// recipient's hash as the second key), so the occasional limit is counted and extended by
    /// one share at a time across every process.
    static let derogationLockClass: Int32 = 0x4375_0003
    /// Imports hold it shared from before their keys are stored until their subjects commit;
    /// settling pending keys at open holds it alone, so it never takes a running import's keys.
    static let importLock: Int64 = 0x4375_7374_6F73_0004
    /// Requests are numbered per year (`RQ-2026-0001`) across every process: the count and
    /// the insert happen under this lock.
    static let requestNumberLock: Int64 = 0x4375_7374_6F73_0005
    /// Breaches are numbered per year the same way.
    static let breachNumberLock: Int64 = 0x4375_7374_6F73_0006

    /// What a database holds: a vault (with its decision log) or a keyring. DESIGN §4 keeps
    /// the two apart, so each refuses a database that already holds the other.
    enum Role: Sendable {
        case vault, keyring

        var versionTable: String { self == .vault ? "custos_schema" : "custos_keyring_schema" }
        var other: Role { self == .vault ? .keyring : .vault }
        var migrations: [String] { self == .vault ? PostgresSchema.migrations : PostgresSchema.keyringMigrations }
    }

    static let migrations: [String] = [
        // v1: the decision log, as on SQLite; hashes are BLAKE2b over the same canonical form.
        """
        CREATE TABLE decision_log (
            seq bigint PRIMARY KEY, at bigint NOT NULL, actor text NOT NULL, action text NOT NULL, purpose text NOT NULL,
            subject_id text NOT NULL, recipient text, fields text NOT NULL, outcome text NOT NULL, codes text NOT NULL,
            policy_digest text NOT NULL, prev_hash bytea NOT NULL, hash bytea NOT NULL);
        CREATE INDEX decision_log_subject ON decision_log (subject_id, seq);
        """,
        // v2: the decision path of the vault, as on SQLite (Schema.vaultMigrator): subjects,
        // their sealed fields with provenance, the blind index, and every table the facts of a
        // decision are read from; consent events with their folded state; disclosures with
        // their decision's sequence number. Values are ciphertexts; no column holds plaintext.
        """
        CREATE TABLE vault_meta (key text PRIMARY KEY, value text NOT NULL);
        CREATE TABLE subjects (
            id text PRIMARY KEY, category text NOT NULL, kind text NOT NULL, consumer boolean NOT NULL, contract_party boolean NOT NULL,
            created_at bigint NOT NULL, created_by text NOT NULL);
        CREATE TABLE subject_categories (
            subject_id text NOT NULL REFERENCES subjects (id) ON DELETE CASCADE, category text NOT NULL, added_at bigint NOT NULL,
            added_by text NOT NULL, PRIMARY KEY (subject_id, category));
        CREATE TABLE fields (
            subject_id text NOT NULL REFERENCES subjects (id) ON DELETE CASCADE, field text NOT NULL, ciphertext bytea NOT NULL,
            source text NOT NULL, collected_at bigint NOT NULL, provided_by_subject boolean NOT NULL, derived boolean NOT NULL,
            collected_for text, kept_for text, PRIMARY KEY (subject_id, field));
        CREATE TABLE blind_index (
            kind text NOT NULL, digest bytea NOT NULL, subject_id text NOT NULL REFERENCES subjects (id) ON DELETE CASCADE,
            field text NOT NULL, PRIMARY KEY (kind, digest, subject_id, field));
        CREATE INDEX blind_index_subject ON blind_index (subject_id, field);
        CREATE TABLE lifecycle_events (
            id bigserial PRIMARY KEY, subject_id text NOT NULL REFERENCES subjects (id) ON DELETE CASCADE, event text NOT NULL,
            effective_date text NOT NULL, recorded_at bigint NOT NULL, recorded_by text NOT NULL);
        CREATE INDEX lifecycle_events_subject ON lifecycle_events (subject_id);
        CREATE TABLE objections (
            id bigserial PRIMARY KEY, subject_id text NOT NULL REFERENCES subjects (id) ON DELETE CASCADE, purpose text, kind text NOT NULL,
            effective_at bigint NOT NULL, recorded_at bigint NOT NULL, assessment text, assessment_reference text, assessed_by text,
            assessed_at bigint);
        CREATE INDEX objections_subject ON objections (subject_id);
        CREATE TABLE restrictions (
            id bigserial PRIMARY KEY, subject_id text NOT NULL REFERENCES subjects (id) ON DELETE CASCADE, fields text, since bigint NOT NULL,
            lifted bigint, ground text, subject_informed_at bigint);
        CREATE INDEX restrictions_subject ON restrictions (subject_id);
        CREATE TABLE legal_holds (
            id bigserial PRIMARY KEY, subject_id text NOT NULL REFERENCES subjects (id) ON DELETE CASCADE, reference text NOT NULL,
            since text NOT NULL, until text, fields text, purposes text, placed_by text, lifted_by text);
        CREATE INDEX legal_holds_subject ON legal_holds (subject_id);
        CREATE TABLE erased_fields (
            subject_id text NOT NULL REFERENCES subjects (id) ON DELETE CASCADE, field text NOT NULL, at bigint NOT NULL,
            PRIMARY KEY (subject_id, field));
        CREATE TABLE consent_events (
            id bigserial PRIMARY KEY, subject_id text NOT NULL REFERENCES subjects (id) ON DELETE CASCADE, purpose text NOT NULL,
            state text NOT NULL, notice_id text, notice_version bigint, notice_hash text, language text, method text, channel text,
            evidence text, expressed_by text NOT NULL, parent_name text, parent_verification text, age_at_consent bigint,
            presented_separately boolean NOT NULL, pre_ticked boolean NOT NULL, conditional_on_service boolean NOT NULL,
            recorded_at bigint NOT NULL, effective_at bigint NOT NULL, recorded_by text NOT NULL);
        CREATE INDEX consent_events_subject ON consent_events (subject_id, purpose);
        CREATE TABLE consent_state (
            subject_id text NOT NULL REFERENCES subjects (id) ON DELETE CASCADE, purpose text NOT NULL,
            event_id bigint NOT NULL REFERENCES consent_events (id) ON DELETE CASCADE, PRIMARY KEY (subject_id, purpose));
        CREATE TABLE information_given (
            id bigserial PRIMARY KEY, subject_id text NOT NULL REFERENCES subjects (id) ON DELETE CASCADE, notice text NOT NULL,
            given_at bigint NOT NULL, exception text, ground text, channel text, recorded_at bigint NOT NULL, recorded_by text NOT NULL);
        CREATE INDEX information_given_subject ON information_given (subject_id);
        CREATE TABLE information_tasks (
            subject_id text NOT NULL REFERENCES subjects (id) ON DELETE CASCADE, notice text NOT NULL, purpose text NOT NULL,
            trigger text NOT NULL, recipient text, at bigint NOT NULL, seq bigint, PRIMARY KEY (subject_id, notice));
        CREATE TABLE disclosures (
            id bigserial PRIMARY KEY, subject_id text NOT NULL, recipient text NOT NULL, purpose text NOT NULL, fields text NOT NULL,
            at bigint NOT NULL, destination text, mechanism text, procedure text, decision_seq bigint NOT NULL, recipient_name text);
        CREATE INDEX disclosures_subject ON disclosures (subject_id);
        CREATE INDEX disclosures_derogations ON disclosures (recipient, at) WHERE mechanism = 'art-49-1-e';
        CREATE TABLE subprocessor_records (
            id bigserial PRIMARY KEY, recipient text NOT NULL, state text NOT NULL, at bigint NOT NULL, note text,
            recorded_by text NOT NULL, recorded_at bigint NOT NULL)
        """,
        // v3: what an erased subject's consents leave (Art. 7(1)): pseudonymous, as on SQLite.
        """
        CREATE TABLE consent_proofs (
            id bigserial PRIMARY KEY, subject_hash bytea NOT NULL, purpose text NOT NULL, state text NOT NULL, notice_id text,
            notice_version bigint, notice_hash text, language text, method text, channel text, expressed_by text NOT NULL,
            parent_verification text, age_at_consent bigint, presented_separately boolean NOT NULL, pre_ticked boolean NOT NULL,
            conditional_on_service boolean NOT NULL, recorded_at bigint NOT NULL, effective_at bigint NOT NULL, recorded_by text NOT NULL,
            erased_at bigint NOT NULL);
        CREATE INDEX consent_proofs_subject ON consent_proofs (subject_hash)
        """,
        // v4: consent attempts refused at the door, with their code (no personal data).
        """
        CREATE TABLE consent_refusals (
            id bigserial PRIMARY KEY, subject_id text NOT NULL, purpose text NOT NULL, code text NOT NULL, at bigint NOT NULL,
            recorded_by text NOT NULL);
        CREATE INDEX consent_refusals_subject ON consent_refusals (subject_id)
        """,
        // v5: the request book, as on SQLite: requests name the subject by id and hold no
        // values; they outlive an erasure of their subject (the book is the controller's proof).
        """
        CREATE TABLE requests (
            id text PRIMARY KEY, subject_id text NOT NULL, type text NOT NULL, purpose text, channel text NOT NULL,
            received_at bigint NOT NULL, received_on text NOT NULL, requester text NOT NULL, mandate text,
            identity text NOT NULL, identity_method text, status text NOT NULL, due_on text NOT NULL,
            extension_notice_on text, extension_reasons text, closed_at bigint, outcome text);
        CREATE INDEX requests_subject ON requests (subject_id);
        CREATE TABLE request_events (
            id bigserial PRIMARY KEY, request_id text NOT NULL REFERENCES requests (id), at bigint NOT NULL,
            event text NOT NULL, detail text, recorded_by text NOT NULL);
        CREATE INDEX request_events_request ON request_events (request_id, id)
        """,
        // v6: what fulfilling requests leaves, as on SQLite: the Art. 19 notifications and
        // Art. 28(3) instructions owed, and stored answers (access packages hold values, so
        // they go with the subject and with any erasure of its fields); the audit checkpoints
        // written (a record of what was signed; the proof is the file kept elsewhere); the
        // signed anchor the log's chain starts from once old entries are pruned.
        """
        CREATE TABLE tasks (
            id bigserial PRIMARY KEY, kind text NOT NULL, subject_id text NOT NULL, request_id text, recipient text NOT NULL,
            action text NOT NULL, fields text NOT NULL, created_at bigint NOT NULL, done_at bigint, done_by text);
        CREATE TABLE request_answers (
            request_id text PRIMARY KEY, subject_id text NOT NULL REFERENCES subjects (id) ON DELETE CASCADE,
            html bytea NOT NULL, json bytea NOT NULL, created_at bigint NOT NULL);
        CREATE INDEX request_answers_subject ON request_answers (subject_id);
        CREATE TABLE audit_checkpoints (seq bigint NOT NULL, hash bytea NOT NULL, at bigint NOT NULL, signature bytea NOT NULL);
        CREATE TABLE log_anchor (seq bigint NOT NULL, hash bytea NOT NULL, pruned_before bigint NOT NULL, at bigint NOT NULL, signature bytea NOT NULL)
        """,
        // v7: the breach register, as on SQLite: breaches with an append-only history and the
        // letters sent per person and channel (Art. 33-34). No column holds a value.
        """
        CREATE TABLE breaches (
            id text PRIMARY KEY, nature text NOT NULL, discovered_at bigint NOT NULL, aware_at bigint NOT NULL, processor_notice_at bigint,
            scope_kind text NOT NULL, scope_target text, fields text, window_from bigint NOT NULL, window_to bigint NOT NULL,
            description text NOT NULL, measures text, consequences text, keys_compromised boolean NOT NULL DEFAULT false, risk text,
            subjects_exception text, ap_notified_at bigint, ap_final boolean NOT NULL DEFAULT false, late_reasons text, closed_at bigint,
            recorded_at bigint NOT NULL, recorded_by text NOT NULL);
        CREATE TABLE breach_events (
            id bigserial PRIMARY KEY, breach_id text NOT NULL REFERENCES breaches (id), at bigint NOT NULL, event text NOT NULL,
            detail text, by text NOT NULL);
        CREATE INDEX breach_events_breach ON breach_events (breach_id, id);
        CREATE TABLE breach_letters (
            breach_id text NOT NULL REFERENCES breaches (id), subject_id text NOT NULL REFERENCES subjects (id) ON DELETE CASCADE,
            channel text NOT NULL, language text NOT NULL, at bigint NOT NULL, by text NOT NULL, PRIMARY KEY (breach_id, subject_id, channel))
        """,
        // v8: the outbox, as on SQLite: mail to data subjects (e-mail codes, status links,
        // breach letters) with the address and text sealed under the keyring's outbox key; an
        // access package with other people's data in it is held for the officer's review.
        """
        ALTER TABLE request_answers ADD COLUMN held_for_review boolean NOT NULL DEFAULT false;
        CREATE TABLE outbox (
            id bigserial PRIMARY KEY, kind text NOT NULL, sealed bytea NOT NULL, created_at bigint NOT NULL,
            sent_at bigint, attempts integer NOT NULL DEFAULT 0, last_error text);
        CREATE INDEX outbox_pending ON outbox (id) WHERE sent_at IS NULL
        """,
        // v9: the consent ledger's and the breach register's histories are append-only in the
        // database, as SQLite's triggers make them: a row is added, or goes with its subject or
        // breach, but never changes.
        """
        CREATE FUNCTION custos_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'restrict_violation';
        END;
        $$;
        CREATE TRIGGER consent_events_no_update BEFORE UPDATE ON consent_events FOR EACH ROW EXECUTE FUNCTION custos_append_only();
        CREATE TRIGGER breach_events_no_update BEFORE UPDATE ON breach_events FOR EACH ROW EXECUTE FUNCTION custos_append_only()
        """,
        // v10: the privacy centre's e-mail codes and status links, as on SQLite: only keyed
        // hashes of the address, the code and the token; what the person asked for sealed.
        """
        CREATE TABLE web_challenges (
            id text PRIMARY KEY, kind text NOT NULL, email_index bytea NOT NULL, code_hash bytea NOT NULL, sealed bytea NOT NULL,
            created_at bigint NOT NULL, expires_at bigint NOT NULL, attempts integer NOT NULL DEFAULT 0, state text NOT NULL);
        CREATE INDEX web_challenges_email ON web_challenges (email_index, created_at);
        CREATE TABLE status_links (token_hash bytea PRIMARY KEY, request_id text NOT NULL REFERENCES requests (id), created_at bigint NOT NULL)
        """,
        // v11: as SQLite's v16: PostgreSQL does not index a foreign key's columns itself, so a
        // subject's deletion scanned the breach letters and each of its consent events the
        // whole consent state.
        """
        CREATE INDEX breach_letters_subject ON breach_letters (subject_id);
        CREATE INDEX consent_state_event ON consent_state (event_id)
        """,
        // v12: as SQLite's v20: each message queued purges the sent mail past its keeping
        // period, which read the whole outbox without an index of when mail was sent.
        """
        CREATE INDEX outbox_sent ON outbox (sent_at) WHERE sent_at IS NOT NULL
        """,
        // v13: as SQLite's v21: each page of a retention sweep sums itself up here, so the
        // console's last sweep is not a read of the whole log; the last one the log holds is
        // copied once ('retention-sweep' is `PrivacyEngine.retentionSweepPurpose`).
        """
        CREATE TABLE sweep_runs (at bigint PRIMARY KEY, subjects bigint NOT NULL, fields bigint NOT NULL);
        INSERT INTO sweep_runs (at, subjects, fields)
          SELECT at, count(*), sum(CASE WHEN fields = '' THEN 0 ELSE length(fields) - length(replace(fields, chr(10), '')) + 1 END)
          FROM decision_log WHERE purpose = 'retention-sweep' AND at = (SELECT max(at) FROM decision_log WHERE purpose = 'retention-sweep')
          GROUP BY at
        """,
        // v14: as SQLite's v22: the console's withdrawals of the last days read every consent
        // event, and each e-mail code sent purged old codes by reading them all.
        """
        CREATE INDEX consent_events_withdrawn ON consent_events (effective_at) WHERE state = 'withdrawn';
        CREATE INDEX web_challenges_created ON web_challenges (created_at)
        """,
        // v15: as SQLite's v24: the open requests, without reading every request of every year.
        // (A subject's log entries have had their index since v1.)
        "CREATE INDEX requests_status ON requests (status)",
        // v16: as SQLite's v26: a closed request's outcome and the details of a request's and a
        // breach's history in words, beside their English.
        """
        ALTER TABLE requests ADD COLUMN outcome_words text;
        ALTER TABLE request_events ADD COLUMN detail_words text;
        ALTER TABLE breach_events ADD COLUMN detail_words text
        """,
        // v17: as SQLite's v27: how a breach came about and the other member states it touched.
        """
        ALTER TABLE breaches ADD COLUMN cause text;
        ALTER TABLE breaches ADD COLUMN other_member_states text
        """,
        // v18: as SQLite's v28: an erasure request's unsigned certificate, stored with its
        // decisions before anything is destroyed, so an interrupted erasure can be finished.
        "ALTER TABLE requests ADD COLUMN erasure_certificate text",
        // v19: as SQLite's v29: console and privacy-centre sessions and spent form tokens, shared
        // by every server on the vault.
        """
        CREATE TABLE web_sessions (id_hash bytea PRIMARY KEY, sealed bytea NOT NULL, started_at bigint NOT NULL,
                                   last_seen_at bigint NOT NULL, ends_at bigint NOT NULL);
        CREATE INDEX web_sessions_ends ON web_sessions (ends_at);
        CREATE TABLE web_form_nonces (nonce text PRIMARY KEY, expires_at bigint NOT NULL);
        CREATE INDEX web_form_nonces_expires ON web_form_nonces (expires_at)
        """,
        // v20: as SQLite's v30: the subject's own words with a rectification request, sealed.
        """
        CREATE TABLE request_statements (
            request_id text PRIMARY KEY, subject_id text NOT NULL REFERENCES subjects (id) ON DELETE CASCADE,
            sealed bytea NOT NULL, created_at bigint NOT NULL);
        CREATE INDEX request_statements_subject ON request_statements (subject_id)
        """,
        // v21: as SQLite's v31: the web faces' counts per client address, under a keyed hash,
        // shared by every server on the vault.
        """
        CREATE TABLE web_client_counts (key bytea PRIMARY KEY, ends_at bigint NOT NULL, count bigint NOT NULL);
        CREATE INDEX web_client_counts_ends ON web_client_counts (ends_at)
        """,
    ]

    /// The keyring, as on SQLite: wrapped keys, the erasure ledger, and the accounts of
    /// services and officers (only hashes and sealed secrets).
    static let keyringMigrations: [String] = [
        """
        CREATE TABLE keyring_meta (key text PRIMARY KEY, value text NOT NULL);
        CREATE TABLE master_keys (
            version bigint PRIMARY KEY, source text NOT NULL, salt bytea, check_value bytea NOT NULL, created_at bigint NOT NULL, retired_at bigint);
        CREATE TABLE subject_keys (
            subject_id text PRIMARY KEY, key_version bigint NOT NULL, master_version bigint NOT NULL REFERENCES master_keys (version),
            wrapped bytea NOT NULL, pending boolean NOT NULL DEFAULT false);
        CREATE TABLE service_keys (
            name text PRIMARY KEY, master_version bigint NOT NULL REFERENCES master_keys (version), wrapped bytea NOT NULL, public_key bytea);
        CREATE TABLE erasure_ledger (
            id bigserial PRIMARY KEY, salted_hash bytea NOT NULL, field text, kept_for text, at bigint NOT NULL);
        CREATE INDEX erasure_ledger_hash ON erasure_ledger (salted_hash);
        CREATE TABLE service_accounts (
            name text PRIMARY KEY, actor text NOT NULL, token_hash bytea NOT NULL UNIQUE, created_at bigint NOT NULL, revoked_at bigint);
        CREATE TABLE officer_accounts (
            name text PRIMARY KEY, role text NOT NULL, password_hash text NOT NULL, totp_sealed bytea, totp_last_step bigint,
            failed_logins bigint NOT NULL DEFAULT 0, locked_until bigint, created_at bigint NOT NULL, removed_at bigint)
        """,
        // Every open looks for pending keys (an interrupted import's), which are rare: a
        // partial index holds only them, so the look is not a scan of every subject's key.
        "CREATE INDEX subject_keys_pending ON subject_keys (subject_id) WHERE pending",
        // A service account's own requests a second on custos serve (NULL: the server's limit).
        "ALTER TABLE service_accounts ADD COLUMN requests_per_second bigint",
        // After `custos service rotate`, the token before the current one and when it stops
        // working; a token is looked up by either hash, so both are indexed and unique.
        """
        ALTER TABLE service_accounts ADD COLUMN previous_token_hash bytea;
        ALTER TABLE service_accounts ADD COLUMN previous_token_until bigint;
        CREATE UNIQUE INDEX service_accounts_previous_token ON service_accounts (previous_token_hash) WHERE previous_token_hash IS NOT NULL
        """,
    ]

    static var latest: Int { migrations.count }

    /// A migration's statements: split at each `;` that is not inside a `$$`-quoted body (a
    /// function's), since the extended protocol runs one statement a query.
    static func statements(of migration: String) -> [String] {
        var statements: [String] = [], current = ""
        for piece in migration.split(separator: ";", omittingEmptySubsequences: false) {
            current += current.isEmpty ? String(piece) : ";" + piece
            if current.components(separatedBy: "$$").count % 2 == 1 {
                let statement = current.trimmingCharacters(in: .whitespacesAndNewlines)
                if !statement.isEmpty { statements.append(statement) }
                current = ""
            }
        }
        let rest = current.trimmingCharacters(in: .whitespacesAndNewlines)
        if !rest.isEmpty { statements.append(rest) }
        return statements
    }

    static func migrate(_ connection: PostgresConnection, role: Role = .vault) async throws(PostgresStoreError) {
        let logger = PostgresDatabase.logger
        try await PostgresDatabase.mapErrors {
            try await connection.withTransaction(logger: logger) { connection in
                try await connection.query("SELECT pg_advisory_xact_lock(\(migrationLock))", logger: logger)
                let other = PostgresQuery(unsafeSQL: "SELECT to_regclass('\(role.other.versionTable)') IS NOT NULL")
                for try await holdsOther in try await connection.query(other, logger: logger).decode(Bool.self) where holdsOther {
                    throw PostgresStoreError.wrongDatabase(role == .keyring
                        ? "this database holds a Custos vault; the keyring must live in another database or on another server"
                        : "this database holds a Custos keyring; the vault must live in another database")
                }
                let table = role.versionTable, migrations = role.migrations
                try await connection.query(PostgresQuery(unsafeSQL: "CREATE TABLE IF NOT EXISTS \(table) (version integer NOT NULL)"), logger: logger)
                var version = 0
                for try await found in try await connection.query(PostgresQuery(unsafeSQL: "SELECT coalesce(max(version), 0) FROM \(table)"), logger: logger).decode(Int.self) {
                    version = found
                }
                guard version <= migrations.count else { throw PostgresStoreError.newerSchema(found: version, supported: migrations.count) }
                for (index, migration) in migrations.enumerated() where index + 1 > version {
                    for statement in statements(of: migration) {
                        try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                    }
                    try await connection.query(PostgresQuery(unsafeSQL: "INSERT INTO \(table) (version) VALUES (\(index + 1))"), logger: logger)
                }
            }
        }
    }
}
