#!/usr/bin/env bash
# Fault injection against the built `custos` (make torture; CI runs it at this size).
# 1. SIGKILL of `subject import` and `subject add` at random moments: afterwards the vault and
#    keyring agree, the same file imports (or is already complete), `audit verify` holds;
#    SIGKILL during a key rotation and during the upgrade of a v17 vault with a v8 keyring (and that upgrade on
#    a disk too small for it): the next open finds the old state or the new, never a half;
#    SIGKILL during erasure requests: fulfilling again finishes each as decided, once.
# 2. A full disk under the vault during an import (a small tmpfs): a clear error, nothing stored,
#    and the import succeeds once there is room.
# 3. Output that cannot be written (/dev/full): exit 1 with a true message, no crash.
# 4. File modes: every file a command writes that may hold personal data is 0600.
set -uo pipefail
CUSTOS=${CUSTOS:-$(pwd)/.build/debug/custos}
REPO=$(pwd)
POLICY=$REPO/policies/invorderingsbedrijf
KILLS=${TORTURE_KILLS:-30}
ROWS=${TORTURE_ROWS:-3000}
passed=0; failed=0
ok()   { passed=$((passed + 1)); echo "ok: $*"; }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }
work=$(mktemp -d); trap 'umount "$work/full" "$work/small" 2>/dev/null; rm -rf "$work"' EXIT
cd "$work"

q() {  # q DB SQL: one value, through Python's sqlite3 (no sqlite3 binary needed)
  python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])' "$1" "$2" 2>/dev/null || echo "?"
}
people() {  # people FILE COUNT PREFIX
  { echo "id,category,event:file-opened,person_name,email,bank_account"
    for i in $(seq 1 "$2"); do echo "$3-$i,debtor,2025-01-10,Person $i,p$i@example.nl,NL91ABNA04171643$((i % 100))"; done; } > "$1"
}

# 1. SIGKILL during import and add.
mkdir kill && cd kill
"$CUSTOS" init --policies "$POLICY" >/dev/null || { fail "init"; exit 1; }
people big.csv "$ROWS" D
# Kill moments spread over the whole import: time one first.
mkdir ../timing && (cd ../timing && "$CUSTOS" init --policies "$POLICY" >/dev/null && start=$(date +%s%N) &&
  "$CUSTOS" subject import ../kill/big.csv >/dev/null && echo $(( ($(date +%s%N) - start) / 1000000 )) > ../import-ms)
window=$(( $(cat ../import-ms) * 12 / 10 ))
echo "one import of $ROWS subjects takes $(cat ../import-ms) ms; kills land in 0..$window ms"
left_pending=0
for round in $(seq 1 "$KILLS"); do
  "$CUSTOS" subject import big.csv >/dev/null 2>&1 &
  pid=$!
  ms=$(( (RANDOM * 32768 + RANDOM) % window ))
  sleep "$((ms / 1000)).$(printf '%03d' $((ms % 1000)))"
  kill -9 "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
  "$CUSTOS" subject add --id "A-$round" --category debtor --set email=a$round@example.nl >/dev/null 2>&1 &
  pid=$!
  sleep "0.0$((RANDOM % 10))"
  kill -9 "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
  pending=$(q custos.keys.db "SELECT COUNT(*) FROM subject_keys WHERE pending = 1")
  [ "$pending" != 0 ] && [ "$pending" != "?" ] && left_pending=$((left_pending + 1))
  # The next command repairs: the vault and keyring agree, whatever the kill left.
  out=$("$CUSTOS" audit verify 2>&1); status=$?
  if [ $status -ne 0 ]; then fail "round $round: audit verify after SIGKILL: $out"; break; fi
  count=$(q custos.db "SELECT COUNT(*) FROM subjects WHERE id LIKE 'D-%'" || echo "?")
  if [ "$count" != 0 ] && [ "$count" != "$ROWS" ]; then fail "round $round: a partial import of $count subjects"; break; fi
  if [ "$count" = "$ROWS" ]; then  # it finished before the kill: start over so later kills land mid-import
    cd .. && rm -rf kill && mkdir kill && cd kill && "$CUSTOS" init --policies "$POLICY" >/dev/null && people big.csv "$ROWS" D
  fi
done
[ $failed -eq 0 ] && ok "$KILLS SIGKILLs of import and add: vault and keyring agree, no partial import ($left_pending kills left pending keys that the next open settled)"
out=$("$CUSTOS" subject import big.csv 2>&1) && ok "the killed import's file imports afterwards" || fail "re-import after kills: $out"
"$CUSTOS" audit verify >/dev/null 2>&1 && ok "audit verify after the re-import" || fail "audit verify after the re-import"
cd ..

# 1b. SIGKILL during key rotation: either the old key still opens the vault, or the rotation
#     finished; a rotation killed after writing its key file finishes with --resume.
cd kill
key=custos.key
rotations_resumed=0
# Kill moments spread over a whole rotation: time one on a copy first.
mkdir ../rotation && cp custos.db custos.keys.db custos.key ../rotation/ && (cd ../rotation && start=$(date +%s%N) &&
  "$CUSTOS" keys rotate --new-key-file timing.key >/dev/null && echo $(( ($(date +%s%N) - start) / 1000000 )) > ../rotate-ms)
rotate_window=$(( $(cat ../rotate-ms) * 12 / 10 + 1 ))
for round in $(seq 1 6); do
  "$CUSTOS" keys rotate --key-file "$key" --new-key-file "new-$round.key" >/dev/null 2>&1 &
  pid=$!
  ms=$(( (RANDOM * 32768 + RANDOM) % rotate_window ))
  sleep "$((ms / 1000)).$(printf '%03d' $((ms % 1000)))"
  kill -9 "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
  if "$CUSTOS" audit verify --key-file "new-$round.key" >/dev/null 2>&1; then
    key="new-$round.key"
  elif "$CUSTOS" audit verify --key-file "$key" >/dev/null 2>&1; then
    if [ -f "new-$round.key" ]; then
      if "$CUSTOS" keys rotate --key-file "$key" --new-key-file "new-$round.key" --resume >/dev/null 2>&1 && "$CUSTOS" audit verify --key-file "new-$round.key" >/dev/null 2>&1; then
        key="new-$round.key"; rotations_resumed=$((rotations_resumed + 1))
      else
        fail "rotation round $round: --resume did not finish the rotation"
      fi
    fi
  else
    fail "rotation round $round: neither the old nor the new key opens the vault"
  fi
done
ok "6 SIGKILLs of keys rotate (one takes $(cat ../rotate-ms) ms): the old or the new key always opened the vault ($rotations_resumed finished with --resume)"
out=$("$CUSTOS" read --key-file "$key" --subject D-1 --purpose P-DEBT-COLLECT --fields email --actor collections-service 2>&1)
echo "$out" | grep -q "email: p1@example.nl" && ok "after the rotations D-1's value opens with $key" || fail "value after rotations: $out"
cp "$key" custos.key.current && mv custos.key.current custos.key && chmod 600 custos.key
cd ..

# 1c. SIGKILL during the upgrade of a vault made before schema v18 (which rebuilds `subjects`
#     and `fields`, the two largest tables, in one transaction), and a disk too small for it:
#     the next open finds the old schema or the new one with every row, never a half.
downgrade() {  # downgrade DB: back to schema v17 (both tables with rowids), as MigrationTests does
  python3 - "$1" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN")
triggers = db.execute("SELECT name, sql FROM sqlite_schema WHERE type = 'trigger' AND sql LIKE '%subjects%'").fetchall()
for name, _ in triggers: db.execute(f"DROP TRIGGER {name}")
for table in ("subjects", "fields"):
    definition = db.execute("SELECT sql FROM sqlite_schema WHERE name = ?", (table,)).fetchone()[0]
    assert definition.endswith(" WITHOUT ROWID"), definition
    db.execute(f"CREATE TABLE {table}_v17 " + definition[definition.index("("):-len(" WITHOUT ROWID")])
    db.execute(f"INSERT INTO {table}_v17 SELECT * FROM {table}")
    db.execute(f"DROP TABLE {table}")
    db.execute(f"ALTER TABLE {table}_v17 RENAME TO {table}")
db.execute("DELETE FROM grdb_migrations WHERE identifier = 'v18-subjects-and-fields-by-key'")
for _, sql in triggers: db.execute(sql)
db.execute("COMMIT")
db.close()
PY
}
downgrade_keyring() {  # downgrade_keyring KEYRING: back to keyring v8 (`subject_keys` with rowids)
  python3 - "$1" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN")
definition = db.execute("SELECT sql FROM sqlite_schema WHERE name = 'subject_keys'").fetchone()[0]
assert definition.endswith(" WITHOUT ROWID"), definition
db.execute("CREATE TABLE subject_keys_v8 " + definition[definition.index("("):-len(" WITHOUT ROWID")])
db.execute("INSERT INTO subject_keys_v8 SELECT * FROM subject_keys")
db.execute("DROP TABLE subject_keys")
db.execute("ALTER TABLE subject_keys_v8 RENAME TO subject_keys")
db.execute("CREATE INDEX subject_keys_pending ON subject_keys(subject_id) WHERE pending = 1")
db.execute("DELETE FROM grdb_migrations WHERE identifier = 'v9-subject-keys-by-key'")
db.execute("COMMIT")
db.close()
PY
}
keys_digest() {  # keys_digest KEYRING: one hash of every subject key row, and whether they are stored by key
  python3 -c '
import hashlib, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
rows = db.execute("SELECT * FROM subject_keys ORDER BY subject_id").fetchall()
by_key = db.execute("SELECT sql LIKE ? FROM sqlite_schema WHERE name = ?", ("%WITHOUT ROWID", "subject_keys")).fetchone()[0]
print(hashlib.sha256(repr(rows).encode()).hexdigest()[:16], "by-key" if by_key else "rowid")' "$1" 2>/dev/null || echo "?"
}
rows_digest() {  # rows_digest DB: one hash of every subject and field row, and whether both are stored by key
  python3 -c '
import hashlib, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
rows = db.execute("SELECT * FROM subjects ORDER BY id").fetchall() + db.execute("SELECT * FROM fields ORDER BY subject_id, field").fetchall()
by_key = [r[0] for r in db.execute("SELECT sql LIKE ? FROM sqlite_schema WHERE name IN (?, ?)", ("%WITHOUT ROWID", "subjects", "fields"))]
print(hashlib.sha256(repr(rows).encode()).hexdigest()[:16], "by-key" if by_key == [1, 1] else "rowid" if by_key == [0, 0] else "mixed")' "$1" 2>/dev/null || echo "?"
}
mkdir upgrade && cp kill/custos.db kill/custos.keys.db kill/custos.key upgrade/ && cd upgrade
"$CUSTOS" audit verify >/dev/null 2>&1 || fail "upgrade: the copied vault does not verify"
downgrade custos.db && downgrade_keyring custos.keys.db && mkdir v17 && cp custos.db custos.keys.db custos.key v17/
want=$(rows_digest custos.db | cut -d' ' -f1); want_keys=$(keys_digest custos.keys.db | cut -d' ' -f1)
[ "$(rows_digest custos.db | cut -d' ' -f2)" = rowid ] && ok "a vault taken back to schema v17 ($(q custos.db "SELECT COUNT(*) FROM fields") field rows)" || fail "downgrade to v17: $(rows_digest custos.db)"
[ "$(keys_digest custos.keys.db | cut -d' ' -f2)" = rowid ] && ok "its keyring taken back to keyring v8 ($(q custos.keys.db "SELECT COUNT(*) FROM subject_keys") subject keys with rowids)" || fail "keyring downgrade to v8: $(keys_digest custos.keys.db)"
start=$(date +%s%N); "$CUSTOS" audit verify >/dev/null 2>&1 || fail "upgrade: the first open of the v17 copy"
upgrade_ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ "$(rows_digest custos.db)" = "$want by-key" ] && [ "$(keys_digest custos.keys.db)" = "$want_keys by-key" ] && ok "an uninterrupted upgrade keeps every row and every key ($upgrade_ms ms for the open that upgrades both files and verifies)" || fail "upgrade: $(rows_digest custos.db), keys $(keys_digest custos.keys.db)"
upgrade_window=$(( upgrade_ms + 1 ))
left_old=0; mid_upgrade=0; upgrade_failed=0; keys_left_old=0
for round in $(seq 1 16); do
  cp v17/custos.db v17/custos.keys.db . && rm -f custos.db-wal custos.db-shm custos.keys.db-wal custos.keys.db-shm
  "$CUSTOS" audit verify >/dev/null 2>&1 &
  pid=$!
  ms=$(( (RANDOM * 32768 + RANDOM) % upgrade_window ))
  sleep "$((ms / 1000)).$(printf '%03d' $((ms % 1000)))"
  kill -9 "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
  # The old schema with a write-ahead log holding pages: killed inside the upgrade's transaction
  # (looked at before anything opens the vault, which may empty the log).
  wal_pages=0; [ -s custos.db-wal ] && wal_pages=1
  if [ "$(rows_digest custos.db | cut -d' ' -f2)" = rowid ]; then
    left_old=$((left_old + 1)); mid_upgrade=$((mid_upgrade + wal_pages))
  fi
  # Whatever the kill interrupted, the keyring holds every key, by rowid or by key.
  [ "$(keys_digest custos.keys.db | cut -d' ' -f1)" = "$want_keys" ] || { fail "upgrade round $round: the keyring right after SIGKILL: $(keys_digest custos.keys.db)"; upgrade_failed=1; break; }
  [ "$(keys_digest custos.keys.db | cut -d' ' -f2)" = rowid ] && keys_left_old=$((keys_left_old + 1))
  out=$("$CUSTOS" audit verify 2>&1) || { fail "upgrade round $round: the open after SIGKILL: $out"; upgrade_failed=1; break; }
  [ "$(rows_digest custos.db)" = "$want by-key" ] || { fail "upgrade round $round: rows after SIGKILL: $(rows_digest custos.db)"; upgrade_failed=1; break; }
  [ "$(keys_digest custos.keys.db)" = "$want_keys by-key" ] || { fail "upgrade round $round: keys after SIGKILL: $(keys_digest custos.keys.db)"; upgrade_failed=1; break; }
done
[ $upgrade_failed -eq 0 ] && ok "16 SIGKILLs of the open that upgrades the vault to v18 and the keyring to v9: every next open finished both with every row and every key ($left_old kills left the vault's old schema whole, $mid_upgrade of them inside the upgrade's transaction; $keys_left_old left the keyring's)"
cd ..
mkdir small
# Room for the three files and a little more, not for the rebuilt tables' pages in the WAL.
if mount -t tmpfs -o size=$(( $(du -sk upgrade/v17 | cut -f1) + 128 ))k tmpfs small 2>/dev/null; then
  cp upgrade/v17/custos.db upgrade/v17/custos.keys.db upgrade/v17/custos.key small/ && cd small
  out=$("$CUSTOS" audit verify 2>&1); status=$?
  if [ $status -ne 0 ] && echo "$out" | grep -qi "full" && ! echo "$out" | grep -q "example.nl"; then ok "a disk too small for the upgrade: exit $status and a true message ($(echo "$out" | tail -1 | cut -c1-100))"; else fail "upgrade on a small disk: status $status: $out"; fi
  [ "$(rows_digest custos.db)" = "$want rowid" ] && ok "a disk too small for the upgrade: the old schema with every row" || fail "upgrade on a small disk left: $(rows_digest custos.db)"
  [ "$(keys_digest custos.keys.db | cut -d' ' -f1)" = "$want_keys" ] && ok "a disk too small for the upgrade: every subject key ($(keys_digest custos.keys.db | cut -d' ' -f2))" || fail "keyring on a small disk: $(keys_digest custos.keys.db)"
  mount -o remount,size=64m "$work/small"
  "$CUSTOS" audit verify >/dev/null 2>&1 && [ "$(rows_digest custos.db)" = "$want by-key" ] && [ "$(keys_digest custos.keys.db)" = "$want_keys by-key" ] && ok "with room again the open upgrades with every row and every key" || fail "upgrade after the disk had room: $(rows_digest custos.db), keys $(keys_digest custos.keys.db)"
  cd ..
  umount small
else
  fail "cannot mount a tmpfs for the small-disk upgrade (run as root)"
fi

# 1d. SIGKILL during erasure requests: whatever the kill left, `request fulfil` run again
#     finishes the request as decided: closed once, the subject gone, its processor told once,
#     the certificate given again, and the log intact.
mkdir erase && cd erase
"$CUSTOS" init --policies "$POLICY" >/dev/null || fail "erase: init"
ERASURES=16
for i in $(seq 1 "$ERASURES"); do
  "$CUSTOS" subject add --id "PR-$i" --category prospect --set "email=e$i@example.nl" >/dev/null
  "$CUSTOS" consent give --subject "PR-$i" --purpose P-NEWSLETTER-EMAIL --method checkbox-ticked --channel web-form --age 30 >/dev/null
  "$CUSTOS" share --subject "PR-$i" --purpose P-NEWSLETTER-EMAIL --fields email --recipient R-CRM --actor newsletter >/dev/null
  "$CUSTOS" request open --subject "PR-$i" --type erasure --channel letter --identity-verified-by "signed letter" | cut -d' ' -f1 >> requests
done
# Kill moments over the second half of one fulfilment, timed on a copy first: the first half
# is the process starting and reading, before anything is written.
mkdir ../erase-timing && cp custos.db custos.keys.db custos.key ../erase-timing/ && (cd ../erase-timing && start=$(date +%s%N) &&
  "$CUSTOS" request fulfil "$(head -1 ../erase/requests)" --out out >/dev/null && echo $(( ($(date +%s%N) - start) / 1000000 )) > ../erase-ms)
erase_from=$(( $(cat ../erase-ms) / 2 )); erase_window=$(( $(cat ../erase-ms) * 7 / 10 + 1 ))
finished_again=0; resumed=0
round=0
while read -r request; do
  round=$((round + 1))
  if [ $((round % 2)) = 0 ]; then
    # Every other kill aimed at the narrow moment after the decisions and certificate commit:
    # a watcher, started first (Python starts slower than the fulfilment runs), polls the
    # vault for the stored certificate and kills the fulfilment at once.
    rm -f fulfil.pid
    python3 -c '
import os, signal, sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], timeout=1, isolation_level=None)
deadline = time.time() + 20
while not os.path.exists(sys.argv[3]) and time.time() < deadline:
    time.sleep(0.001)
time.sleep(0.005)
pid = int(open(sys.argv[3]).read())
while time.time() < deadline:
    try:
        row = db.execute("SELECT erasure_certificate IS NOT NULL FROM requests WHERE id = ?", (sys.argv[2],)).fetchone()
    except sqlite3.Error:
        continue
    if row and row[0]:
        break
try:
    os.kill(pid, signal.SIGKILL)
except ProcessLookupError:
    pass
' custos.db "$request" fulfil.pid 2>/dev/null &
    watcher=$!
    sleep 0.3
    "$CUSTOS" request fulfil "$request" --out out >/dev/null 2>&1 &
    pid=$!
    echo "$pid" > fulfil.pid.new && mv fulfil.pid.new fulfil.pid
    wait "$watcher"
  else
    "$CUSTOS" request fulfil "$request" --out out >/dev/null 2>&1 &
    pid=$!
    ms=$(( erase_from + (RANDOM * 32768 + RANDOM) % erase_window ))
    sleep "$((ms / 1000)).$(printf '%03d' $((ms % 1000)))"
  fi
  kill -9 "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
  if [ "$("$CUSTOS" request show "$request" -o json | python3 -c 'import json, sys; print(json.load(sys.stdin)["status"])')" != completed ]; then
    # Killed after its decisions and certificate were committed: finished as decided, not decided again.
    [ "$(q custos.db "SELECT erasure_certificate IS NOT NULL FROM requests WHERE id = '$request'")" = 1 ] && resumed=$((resumed + 1))
    out=$("$CUSTOS" request fulfil "$request" --out out 2>&1) || fail "erase: $request not finished after a kill: $out"
    finished_again=$((finished_again + 1))
  fi
  "$CUSTOS" request certificate "$request" --out again >/dev/null 2>&1 || fail "erase: no certificate for $request"
done < requests
tasks=$("$CUSTOS" task list -o json | python3 -c 'import collections, json, sys; c = collections.Counter(t["request"] for t in json.load(sys.stdin)); print(len(c), max(c.values()) if c else 0)')
left=$(q custos.db "SELECT COUNT(*) FROM subjects")
open_requests=$("$CUSTOS" request list -o json | python3 -c 'import json, sys; print(len(json.load(sys.stdin)))')
if [ "$tasks" = "$ERASURES 1" ] && [ "$left" = 0 ] && [ "$open_requests" = 0 ] && "$CUSTOS" audit verify >/dev/null 2>&1; then
  ok "$ERASURES SIGKILLs of erasure requests (one takes $(cat ../erase-ms) ms): each request closed once, every subject gone, R-CRM told once per request, a certificate for each, the log intact ($finished_again finished by fulfilling again, $resumed of them from a certificate stored before the kill)"
else
  fail "erasures after kills: tasks (requests, most per request) $tasks, subjects left $left, open requests $open_requests"
fi
cd ..

# 2. A full disk under the vault.
mkdir full
# Room for a fresh vault and a little more: creating it runs every migration through the
# write-ahead log (about 1.6 MB at its peak since vault schema v31; 1.3 MB since v19's
# triggers, 1.2 MB before), which `init` then truncates (a new vault is about 0.5 MB).
if mount -t tmpfs -o size=2048k tmpfs full 2>/dev/null; then
  cd full
  "$CUSTOS" init --policies "$POLICY" >/dev/null
  "$CUSTOS" subject add --id D-FULL --category debtor --set email=full@example.nl >/dev/null
  "$CUSTOS" event record --subject D-FULL --name file-opened --effective 2025-01-10 >/dev/null
  people "$work/huge.csv" 20000 F
  out=$("$CUSTOS" subject import "$work/huge.csv" 2>&1); status=$?
  if [ $status -eq 1 ] && echo "$out" | grep -q "disk is full" && ! echo "$out" | grep -q "example.nl"; then ok "full disk: exit 1 and a true message ($(echo "$out" | tail -1))"; else fail "full disk: status $status: $out"; fi
  count=$(q custos.db "SELECT COUNT(*) FROM subjects")
  keys=$(q custos.keys.db "SELECT COUNT(*) FROM subject_keys")
  [ "$count" = 1 ] && [ "$keys" = 1 ] && ok "full disk: nothing stored, no orphan key" || fail "full disk: $count subjects, $keys keys left"
  "$CUSTOS" audit verify >/dev/null 2>&1 && ok "full disk: audit verify holds" || fail "full disk: audit verify"
  # A read on a full disk: the decision cannot be logged, so nothing is released, by the CLI
  # and by the server (started before the disk fills; its own log is elsewhere).
  token=$("$CUSTOS" service add --actor collections-service --name full -o json | python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])')
  "$CUSTOS" serve --listen 127.0.0.1:0 2> "$work/serve-full.log" & server=$!
  port=""; for _ in $(seq 1 100); do port=$(grep -o 'listening on http://127.0.0.1:[0-9]*' "$work/serve-full.log" | grep -o '[0-9]*$' || true); [ -n "$port" ] && break; sleep 0.1; done
  dd if=/dev/zero of=filler bs=4k >/dev/null 2>&1
  out=$("$CUSTOS" read --subject D-FULL --purpose P-DEBT-COLLECT --fields email --actor collections-service 2>&1); status=$?
  if [ $status -ne 0 ] && ! echo "$out" | grep -q "full@example.nl"; then ok "read on a full disk: exit $status, no value released ($(echo "$out" | grep -o 'ENGINE_ERROR\|error:.*' | head -1))"; else fail "read on a full disk: status $status: $out"; fi
  answer=$(curl -s -X POST -H "Authorization: Bearer $token" "http://127.0.0.1:$port/v1/subjects/D-FULL/read" -d '{"purpose": "P-DEBT-COLLECT", "fields": ["email"]}')
  if echo "$answer" | grep -q '"outcome":"deny"' && echo "$answer" | grep -q ENGINE_ERROR && ! echo "$answer" | grep -q "full@example.nl" \
     && curl -sf "http://127.0.0.1:$port/healthz" >/dev/null; then
    ok "server read on a full disk: a deny with ENGINE_ERROR, no value, the server still answers"
  else
    fail "server read on a full disk: $answer"
  fi
  kill "$server" 2>/dev/null; wait "$server" 2>/dev/null
  rm -f filler
  mount -o remount,size=64m "$work/full"
  out=$("$CUSTOS" subject import "$work/huge.csv" 2>&1) && ok "with room again the same file imports" || fail "import after the disk had room: $out"
  cd ..
  umount full
else
  fail "cannot mount a tmpfs for the full-disk case (run as root)"
fi

# 3. Output that cannot be written.
cd kill
"$CUSTOS" event record --subject D-1 --name file-opened --effective 2025-01-10 >/dev/null 2>&1
for command in "read --subject D-1 --purpose P-DEBT-COLLECT --fields email --actor collections-service" \
               "report ropa" "subject show D-1" "policy show $POLICY" "audit verify" "request list" "consent list --subject D-1" \
               "decide --policies $POLICY --request $REPO/examples/creditor-update.request.json --facts $REPO/examples/debtor.facts.json"; do
  out=$("$CUSTOS" $command 2>&1 >/dev/full); status=$?
  if [ $status -eq 1 ] && echo "$out" | grep -q "cannot write"; then ok "$command > /dev/full: exit 1"; else fail "$command > /dev/full: status $status: $out"; fi
done
printf '%s\n' "{\"request\": $(tr -d '\n' < "$REPO/examples/creditor-update.request.json"), \"facts\": $(tr -d '\n' < "$REPO/examples/debtor.facts.json")}" > line.jsonl
out=$("$CUSTOS" decide --policies "$POLICY" --batch line.jsonl 2>&1 >/dev/full); status=$?
if [ $status -eq 1 ] && echo "$out" | grep -q "cannot write"; then ok "decide --batch > /dev/full: exit 1"; else fail "decide --batch > /dev/full: status $status: $out"; fi
cd ..

# 4. File modes.
cd kill
"$CUSTOS" subject add --id PR-1 --category prospect --set email=els@example.nl >/dev/null
"$CUSTOS" consent give --subject PR-1 --purpose P-NEWSLETTER-EMAIL --method checkbox-ticked --channel web-form --age 41 >/dev/null
"$CUSTOS" consent receipt --subject PR-1 --purpose P-NEWSLETTER-EMAIL --out receipt.json >/dev/null
"$CUSTOS" audit checkpoint --out head.json >/dev/null
"$CUSTOS" report ropa --format html --out ropa.html >/dev/null
id=$("$CUSTOS" request open --subject D-1 --type access --channel letter --identity-verified-by "case number" | cut -d' ' -f1)
"$CUSTOS" request fulfil "$id" --out answers >/dev/null
for file in custos.db custos.keys.db custos.key receipt.json head.json ropa.html answers/*; do
  mode=$(stat -c %a "$file")
  [ "$mode" = 600 ] && ok "mode of $file is 0600" || fail "mode of $file is $mode"
done
cd ..

echo "torture: $passed passed, $failed failed"
[ $failed -eq 0 ]
