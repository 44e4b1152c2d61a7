#!/usr/bin/env bash
# The PostgreSQL backend's tests on a real server (make postgres-check): a throwaway cluster
# on a free loopback port (cluster.sh), the Swift suite CustosPostgresTests against it, then
# the cluster is stopped and removed, whatever happened.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
dir=$(mktemp -d /tmp/custos-postgres.XXXXXX)
trap '"$root/Tests/postgres/cluster.sh" stop "$dir"' EXIT
url=$("$root/Tests/postgres/cluster.sh" start "$dir")
echo "PostgreSQL test cluster at $url"
cd "$root"
# The PostgreSQL suites, and the store suites under OnBothBackends again, on PostgreSQL (their
# SQLite cases ran in make test's first run; without CUSTOS_TEST_POSTGRES_ONLY both run here).
CUSTOS_TEST_POSTGRES=$url CUSTOS_TEST_POSTGRES_ONLY=${CUSTOS_TEST_POSTGRES_ONLY:-1} CUSTOS_PG_PASSWORD_FILE=$dir/password \
  ${SWIFT:-swift} test --skip-build --filter "CustosPostgresTests|CustosTests.OnBothBackends"
# Three processes append to the one log at once, one is SIGKILLed in the middle and a fourth
# starts in its place (a server restarted under load): every decision a process acknowledged
# must be in the log, the chain must verify, and no number may be given twice.
bench="$root/.build/debug/CustosBench"
export CUSTOS_BENCH_POSTGRES=$url CUSTOS_PG_PASSWORD_FILE=$dir/password

# Three processes of `$bench ARGS…` (@S@ in ARGS stands for the seconds to run: 6) writing to
# OUT.1 … OUT.3; the second is SIGKILLed after 2 s and a fourth runs for 3 s in its place; the
# killed one must have answered something, or the test proves nothing.
kill_one_of_three() {
  local out=$1 what=$2; shift 2
  local pids=() n
  for n in 1 2 3; do "$bench" "${@//@S@/6}" > "$out.$n" & pids+=($!); done
  sleep 2
  kill -9 "${pids[1]}"
  "$bench" "${@//@S@/3}" > "$out.4" & pids+=($!)
  for n in 0 2 3; do wait "${pids[$n]}"; done
  wait "${pids[1]}" 2>/dev/null || true
  local killed
  killed=$(grep -c ACK "$out.2" || true)
  [ "$killed" -gt 0 ] || { echo "postgres: the killed $what had answered nothing; the test proves nothing" >&2; exit 1; }
  echo "postgres: the killed $what had answered $killed decisions"
}

kill_one_of_three "$dir/acks" "log process" postgres-load @S@ 16
"$bench" postgres-verify "$dir"/acks.*

# The same through the gate on the PostgreSQL vault: three processes read and share (to a
# recipient with an Art. 49(1)(e) derogation, at most three procedures a year) from 8 callers
# each; one is SIGKILLed after 2 s and a fourth starts in its place. Every answered decision must
# be in the log once, the chain must verify, and no more than three procedures may be permitted.
PGPASSWORD=$(cat "$dir/password") psql -q "$url" -c "CREATE DATABASE gate_load"
export CUSTOS_BENCH_POSTGRES=${url%/postgres}/gate_load
"$bench" postgres-gate-setup "$dir/gate" 500
kill_one_of_three "$dir/gate" "gate process" postgres-gate-load "$dir/gate" @S@ 8 500
"$bench" postgres-gate-verify "$dir/gate" "$dir"/gate.[0-9]
export CUSTOS_BENCH_POSTGRES=$url

"$root/Tests/postgres/serve.sh" "$dir" "$url"

# The server's live tests once more with the vault on PostgreSQL: the same API tests, the
# AuthZEN conformance, the settings and the mail relay, schemathesis (when make gives it), the
# SIGTERM drain and the SIGKILL.
# Schemathesis runs 50 cases per operation here, not 200: the 200 of the SQLite run hold the
# contract; here it looks for a 5xx from the other backend, and CI's time is bounded (about
# 2.5 minutes saved).
SCHEMATHESIS_EXAMPLES=50 CUSTOS_SERVER_POSTGRES=$url CUSTOS_PG_PASSWORD_FILE=$dir/password "$root/Tests/server/run.sh" > "$dir/server-tests.log" 2>&1 \
  || { cat "$dir/server-tests.log"; echo "postgres: the server's tests failed on a PostgreSQL vault" >&2; exit 1; }
grep -E "^(server|authzen|settings|mail|fuzz|drain|kill): " "$dir/server-tests.log" | sed 's/^/postgres vault: /'

# The privacy centre in headless Chromium over a PostgreSQL vault: e-mail codes, requests,
# status links, answers and preferences through the same pages and Selenium tests as on SQLite.
CUSTOS_SERVER_POSTGRES=$url CUSTOS_PG_PASSWORD_FILE=$dir/password PYTHON=${PYTHON:-python3} "$root/Tests/web/run.sh" > "$dir/web-tests.log" 2>&1 \
  || { cat "$dir/web-tests.log"; echo "postgres: the privacy centre's tests failed on a PostgreSQL vault" >&2; exit 1; }
grep -E "^web: " "$dir/web-tests.log" | sed 's/^/postgres vault: /'
# The officer's console in headless Chromium over the demo's simulation vault on PostgreSQL:
# the officer's and the auditor's morning, sign-in defences, axe-core on every page.
CUSTOS_SERVER_POSTGRES=$url CUSTOS_PG_PASSWORD_FILE=$dir/password PYTHON=${PYTHON:-python3} "$root/Tests/web/run_console.sh" > "$dir/console-tests.log" 2>&1 \
  || { cat "$dir/console-tests.log"; echo "postgres: the console's tests failed on a PostgreSQL vault" >&2; exit 1; }
grep -E "^console: " "$dir/console-tests.log" | sed 's/^/postgres vault: /'

# The README's walk-through once more on PostgreSQL: every command the newcomer runs, with the
# tour's vault in one database and its keyring in another, and the demo's simulated day (and
# every command on it, the console's server with its clock set included) in a third.
admin_password=$(cat "$dir/password")
for database in readme_tour readme_keys readme_day; do PGPASSWORD=$admin_password psql -q "$url" -c "CREATE DATABASE $database"; done
CUSTOS_WALK_VAULT=${url%/postgres}/readme_tour CUSTOS_WALK_KEYRING=${url%/postgres}/readme_keys CUSTOS_WALK_DAY=${url%/postgres}/readme_day \
  CUSTOS_PG_PASSWORD_FILE=$dir/password python3 "$root/Tests/readme/walk.py" > "$dir/walk.log" || { cat "$dir/walk.log"; exit 1; }
tail -1 "$dir/walk.log"
count() { PGPASSWORD=$admin_password psql -At "${url%/postgres}/$1" -c "$2"; }
subjects=$(count readme_tour "SELECT count(*) FROM subjects") keys=$(count readme_keys "SELECT count(*) FROM subject_keys")
day=$(count readme_day "SELECT count(*) FROM subjects") simulated=$(count readme_day "SELECT value FROM vault_meta WHERE key = 'simulation'")
[ "$subjects" -gt 0 ] && [ "$keys" -gt 0 ] && [ "$day" -gt 0 ] && [ "$simulated" = true ] \
  || { echo "postgres: the README walk left tour $subjects subjects, keyring $keys keys, day $day subjects (simulation: $simulated)" >&2; exit 1; }
echo "postgres: the README walk kept the tour's $subjects subjects in PostgreSQL, their $keys keys in another database, the simulated day's $day subjects in a third"

"$root/Tests/postgres/outage.sh" "$dir" "$url"

# The server's own log must not hold a statement with values (DESIGN §12): the tests stored
# decisions for subjects D-0 … D-599 (and D-caller-n under load), so no such id may appear in it.
if grep -E "D-[0-9]+" "$dir/server.log"; then echo "postgres: the server's log holds statement values" >&2; exit 1; fi
echo "postgres: the server's log holds no statement values"

# No plaintext in any table or in the WAL (DESIGN §12): after a checkpoint, the cluster's files
# (base/ and pg_wal/) hold none of the personal values the tests above stored through custos
# (the README walk's, serve.sh's, the privacy centre's). A canary written in plain SQL shows
# that the scan sees what the server wrote.
canary="custos-canary-$$-$RANDOM"
PGPASSWORD=$admin_password psql -q "$url" -c "CREATE TABLE canary (t text)" -c "INSERT INTO canary VALUES ('$canary')" -c "CHECKPOINT"
grep -rqaF "$canary" "$dir/data/base" "$dir/data/pg_wal" || { echo "postgres: the scan of the cluster's files does not see a plain row" >&2; exit 1; }
for value in "jan@example.nl" "NL91 ABNA 0417 1643 00" "Invoice 2024-118" "els@example.nl" "d1@example.nl" "Naam 1" \
             "debtor@example.nl" "Kerkstraat 1" "subscriber@example.nl" "Jan de Vries"; do
  if grep -rlaF "$value" "$dir/data/base" "$dir/data/pg_wal"; then echo "postgres: '$value' lies in the cluster's files in plain text" >&2; exit 1; fi
done
echo "postgres: the cluster's tables and WAL hold none of the tests' personal values (a plain canary is found)"
