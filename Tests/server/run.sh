#!/usr/bin/env bash
# Starts `custos serve` on a free loopback port over a fresh vault, runs the live tests
# (Tests/server/test_server.py, standard library only), then checks the drain and the kill:
# SIGTERM or SIGKILL during a stream of reads and decisions leaves every answered decision in
# the log and `audit verify` clean.
set -uo pipefail
REPO=$(pwd)
export CUSTOS=${CUSTOS:-$REPO/.build/debug/custos}
export VAULT=$(mktemp -d)
trap '[ -n "${SERVER:-}" ] && kill "$SERVER" 2>/dev/null; rm -rf "$VAULT"' EXIT
cd "$VAULT"
# The same tests over a vault on PostgreSQL (make postgres-check sets CUSTOS_SERVER_POSTGRES to
# its throwaway cluster's admin address): a fresh database for the vault, the keyring in a file.
if [ -n "${CUSTOS_SERVER_POSTGRES:-}" ]; then
  database=custos_server_$$
  PGPASSWORD=$(cat "$CUSTOS_PG_PASSWORD_FILE") psql -q "$CUSTOS_SERVER_POSTGRES" -c "CREATE DATABASE $database"
  export CUSTOS_DB=${CUSTOS_SERVER_POSTGRES%/*}/$database CUSTOS_KEYRING=$VAULT/custos.keys.db
fi
"$CUSTOS" init --policies "$REPO/policies/invorderingsbedrijf" >/dev/null
"$CUSTOS" subject add --id D-1 --category debtor --set email=d1@example.nl --set "bank_account=NL91 ABNA 0417 1643 00" --set "claim_details=Invoice 7" >/dev/null
"$CUSTOS" event record --subject D-1 --name file-opened --effective 2025-01-10 >/dev/null
for id in PR-1 PR-2; do "$CUSTOS" subject add --id $id --category prospect --set email=$id@example.nl >/dev/null; done
"$CUSTOS" consent give --subject PR-1 --purpose P-NEWSLETTER-EMAIL --method checkbox-ticked --channel web-form --age 41 >/dev/null
token() { "$CUSTOS" service add --actor "$1" --name "$2" -o json | python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])'; }
export COLLECTIONS_TOKEN=$(token collections-service crm) MARKETING_TOKEN=$(token marketing-service mkt) NEWSLETTER_TOKEN=$(token newsletter mailer)
export REVOKED_TOKEN=$(token collections-service old-crm)
"$CUSTOS" service revoke old-crm >/dev/null

start_server() {
  # The tests and the fuzzer send wrong tokens on purpose: the failed-authentication limit is
  # raised here and tested on a server of its own (test_settings.py).
  CUSTOS_FAILED_AUTH_PER_MINUTE=100000 "$CUSTOS" serve --listen 127.0.0.1:0 2> serve.log &
  SERVER=$!; export SERVER
  for _ in $(seq 1 100); do
    PORT=$(grep -o 'listening on http://127.0.0.1:[0-9]*' serve.log | grep -o '[0-9]*$')
    [ -n "$PORT" ] && break
    sleep 0.1
  done
  [ -n "$PORT" ] || { echo "FAIL: the server did not start"; cat serve.log; exit 1; }
  export CUSTOS_URL=http://127.0.0.1:$PORT
}
start_server
python3 "$REPO/Tests/server/test_server.py"; status=$?
python3 "$REPO/Tests/server/test_authzen_conformance.py" || status=1
python3 "$REPO/Tests/server/test_settings.py" || status=1
python3 "$REPO/Tests/server/test_mail.py" || status=1

# Fuzzing from the OpenAPI document with schemathesis's default checks (no 5xx; answers, status
# codes, content types and headers as documented; schema-valid requests accepted and
# schema-violating ones refused), at least 200 generated cases per operation; afterwards the
# log still verifies (an id with a NUL once made it unverifiable). SCHEMATHESIS_EXAMPLES lowers
# the cases per operation for a second backend's run (Tests/postgres/run.sh).
if [ -n "${SCHEMATHESIS:-}" ]; then
  "$SCHEMATHESIS" --config-file "$REPO/Tests/server/schemathesis.toml" run "$CUSTOS_URL/openapi.yaml" \
    -H "Authorization: Bearer $COLLECTIONS_TOKEN" -n "${SCHEMATHESIS_EXAMPLES:-200}" --generation-deterministic > schemathesis.log 2>&1; fuzz=$?
  cases=$(python3 -c 'import re; t = re.sub(r"\x1b\[[0-9;]*m", "", open("schemathesis.log", errors="replace").read()); m = re.search(r"(\d+) generated", t); print(m.group(1) if m else "?")')
  if [ $fuzz -eq 0 ] && "$CUSTOS" audit verify >/dev/null 2>&1 && curl -sf "$CUSTOS_URL/readyz" >/dev/null; then
    echo "ok: schemathesis default checks, $cases generated cases: no failure; the log verifies and the server is ready"
    echo "fuzz: 1 passed, 0 failed"
  else
    sed -n '/FAILURES/,$p' schemathesis.log | head -60
    echo "FAIL: schemathesis ($cases cases) or the log after it"; echo "fuzz: 0 passed, 1 failed"; status=1
  fi
fi

# A stream of 1,000 gated calls from 8 threads (reads, and logged decisions from every other
# thread: both await their log entry in the server), with SIGNAL sent after the first 200
# answers; prints the sequence numbers answered. stream SIGNAL
stream() {
  SIGNAL=$1 python3 - <<'PY'
import json, os, signal, threading, urllib.request, urllib.error
url, token, server = os.environ["CUSTOS_URL"], os.environ["COLLECTIONS_TOKEN"], int(os.environ["SERVER"])
answered, lock, sent = [], threading.Lock(), [False]
def worker(index, count):
    path, body = ("/v1/subjects/D-1/read", b'{"purpose":"P-DEBT-COLLECT","fields":["email"]}') if index % 2 == 0 else \
                 ("/v1/decisions", b'{"action":"read","subject":"D-1","purpose":"P-DEBT-COLLECT","fields":["email"]}')
    for _ in range(count):
        request = urllib.request.Request(url + path, data=body, method="POST", headers={"Authorization": "Bearer " + token})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                seq = json.load(response)["seq"]
        except Exception:
            return
        with lock:
            answered.append(seq)
            if len(answered) == 200 and not sent[0]:
                sent[0] = True
                os.kill(server, getattr(signal, os.environ["SIGNAL"]))
threads = [threading.Thread(target=worker, args=(index, 125)) for index in range(8)]
[thread.start() for thread in threads]
[thread.join() for thread in threads]
print("\n".join(str(seq) for seq in answered))
PY
}

# Sets MISSING to how many answered sequence numbers (answered.txt) the log does not hold, and
# VERIFY and VERIFY_STATUS to `audit verify`'s answer. On either backend: a verified chain runs
# from 1 to its head without a gap, so an answered number is in the log exactly when it is not
# past the head.
check_logged() {
  VERIFY=$("$CUSTOS" audit verify -o json 2>&1); VERIFY_STATUS=$?
  MISSING=$(VERIFY="$VERIFY" python3 - <<'PY'
import json, os
try:
    head = json.loads(os.environ["VERIFY"])["log"]["head-seq"]
except (ValueError, KeyError):
    head = 0
answered = [int(line) for line in open("answered.txt") if line.strip()]
print(len([seq for seq in answered if seq > head]))
PY
)
}

# Sends SIGNAL to the running server during the stream and checks that it exits with
# EXPECTED, that at least 200 calls were answered, that every answered decision is in the log
# and that the log verifies; prints "NAME: 1 passed" or the failure.
# signal_during_stream NAME SIGNAL EXPECTED
signal_during_stream() {
  local name=$1 signal=$2 expected=$3 exit_status answered
  stream "$signal" > answered.txt
  wait "$SERVER"; exit_status=$?  # after SIGKILL, bash reports the kill ("Killed") on its own
  SERVER=
  answered=$(grep -c . answered.txt)
  check_logged
  if [ "$exit_status" -eq "$expected" ] && [ "$MISSING" = 0 ] && [ "$VERIFY_STATUS" -eq 0 ] && [ "$answered" -ge 200 ]; then
    echo "ok: $signal during 1,000 reads and decisions: exit $exit_status, $answered answered, every answered decision logged, audit verify clean"
    echo "$name: 1 passed, 0 failed"
  else
    echo "FAIL: $name: server exit $exit_status, $answered answered, $MISSING answered but not logged; audit verify: $VERIFY"
    echo "$name: 0 passed, 1 failed"; status=1
  fi
}

# The drain: SIGTERM during the stream; the server answers what is in flight and exits 0.
signal_during_stream drain SIGTERM 0

# The kill: SIGKILL during the stream, on a new server over the same vault. Nothing drains:
# every decision answered before the kill must be in the log all the same (an answer waits for
# its group's commit), and the next start repairs whatever the kill interrupted.
start_server
signal_during_stream kill SIGKILL 137
exit $status
