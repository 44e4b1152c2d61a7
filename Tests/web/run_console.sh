#!/usr/bin/env bash
# The officer's console in a real browser: `custos demo` builds a simulation vault, the
# script adds an objection to assess and three console accounts, then `custos serve` starts
# on free loopback ports with its clock at the demo's next morning, and the Selenium tests
# (Tests/web/test_console.py) walk the officer's and the auditor's morning with axe-core on
# every page. SCREENSHOTS names the folder the screenshots go to.
. "$(dirname "$0")/common.sh"
trap '[ -n "${SERVER:-}" ] && kill "$SERVER" 2>/dev/null; rm -rf "$VAULT"' EXIT
# The same tests over the demo's vault on PostgreSQL (make postgres-check sets
# CUSTOS_SERVER_POSTGRES to its throwaway cluster's admin address): a fresh database for the
# simulation vault, its keyring and key in the folder.
if [ -n "${CUSTOS_SERVER_POSTGRES:-}" ]; then
  database=custos_console_$$
  PGPASSWORD=$(cat "$CUSTOS_PG_PASSWORD_FILE") psql -q "$CUSTOS_SERVER_POSTGRES" -c "CREATE DATABASE $database"
  export CUSTOS_DB=${CUSTOS_SERVER_POSTGRES%/*}/$database CUSTOS_KEYRING=$VAULT/day/custos.keys.db
  day=(--db "$CUSTOS_DB")
else
  export CUSTOS_DB=$VAULT/day/custos.db
  day=()
fi
"$CUSTOS" demo --folder "$VAULT/day" --subjects 300 --seed 7 "${day[@]}" > /dev/null || { echo "FAIL: the demo did not run"; echo "console: 0 passed, 1 failed"; exit 1; }
cd "$VAULT/day"
export CUSTOS_KEY_FILE=$VAULT/day/custos.key
# An objection waiting for its Art. 21(1) assessment.
"$CUSTOS" objection record --subject D-100016 --purpose P-SCORING --effective 2025-10-08T14:10:00+02:00 > /dev/null
echo "anna's long passphrase" | "$CUSTOS" officer add anna --role officer --totp -o json > anna.json
echo "ada's long passphrase!" | "$CUSTOS" officer add ada --role auditor > /dev/null
echo "a third long passphrase" | "$CUSTOS" officer add lena --role officer > /dev/null
export TOTP_URI=$(python3 -c 'import json; print(json.load(open("anna.json"))["otpauth"])')
# Service accounts for the services page: one to limit and revoke, one with its own limit to
# clear and a rotated token, one revoked already.
"$CUSTOS" service add --actor collections-service --name crm-prod -o json > crm.json
"$CUSTOS" service add --actor marketing-service --name mailer --requests-per-second 40 > /dev/null
"$CUSTOS" service add --actor payout-service --name payout-old > /dev/null
"$CUSTOS" service revoke payout-old > /dev/null
# The mailer's token rotated: its old one still works for three days.
"$CUSTOS" service rotate mailer --keep-old-for 3d > /dev/null
# An account made under an earlier policy that declared its actor: the policy no longer does,
# so Today warns and every request it makes is denied.
cp -r "$REPO/policies/invorderingsbedrijf" "$VAULT/earlier-policy"
sed -i 's/^actors:$/actors:\n  legacy-scoring: {kind: service, description: the scoring service retired in 2024}/' "$VAULT/earlier-policy/controller.yaml"
"$CUSTOS" --policies "$VAULT/earlier-policy" service add --actor legacy-scoring --name scoring-2019 > /dev/null
export CRM_TOKEN=$(python3 -c 'import json; print(json.load(open("crm.json"))["token"])')
printf 'console:\n  checkpoint: %s\n' "$VAULT/day/checkpoint.json" > serve.yaml
# The demo's day was 2025-10-06; the officer's next working morning begins at 08:30.
"$CUSTOS" serve --config serve.yaml --listen 127.0.0.1:0 --listen-public 127.0.0.1:0 --at 2025-10-09T08:30:00+02:00 2> serve.log &
SERVER=$!
wait_for_listeners console
export CONSOLE_URL=$API CENTRE_URL=$CENTRE SERVE_LOG=$VAULT/day/serve.log
"${PYTHON:-python3}" "$REPO/Tests/web/test_console.py"
