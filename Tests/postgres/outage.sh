#!/usr/bin/env bash
# custos serve loses its database and gets it back (make postgres-check, from run.sh): first a
# SQLite vault whose keyring is on PostgreSQL, then a vault on PostgreSQL (keyring in a file).
# While the server is gone, /readyz and a service read answer 503 with a problem (never a 500,
# never a value); once it is back, the same read answers again.
#   Tests/postgres/outage.sh CLUSTER-DIR ADMIN-URL
set -euo pipefail
dir=$1 url=$2
root=$(cd "$(dirname "$0")/../.." && pwd)
custos="$root/.build/debug/custos"
work=$dir/outage
mkdir -p "$work"
PGPASSWORD=$(cat "$dir/password") psql -q "$url" -c "CREATE DATABASE outage_keys" -c "CREATE DATABASE outage_vault"
export CUSTOS_PG_PASSWORD_FILE=$dir/password
status() { curl -s -o "$work/body" -w '%{http_code}' --max-time 30 "$@"; }
fail() { echo "outage: $1: $(cat "$work/body")" >&2; exit 1; }

# One round: a vault in $CUSTOS_DB with its keyring in $CUSTOS_KEYRING; $1 names it.
round() {
  local what=$1
  "$custos" init --policies "$root/policies/invorderingsbedrijf" > /dev/null
  "$custos" subject add --id D-1 --category debtor --set email=outage@example.nl > /dev/null
  local token port base server
  token=$("$custos" service add --actor collections-service --name crm -o json | python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])')
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  "$custos" serve --listen "127.0.0.1:$port" > "$work/serve-$what.log" 2>&1 & server=$!
  base=http://127.0.0.1:$port
  read_email() { status -X POST -H "Authorization: Bearer $token" "$base/v1/subjects/D-1/read" -d '{"purpose": "P-DEBT-COLLECT", "fields": ["email"]}'; }
  wait_ready() {
    for _ in $(seq 1 "$1"); do [ "$(status "$base/readyz")" = 200 ] && return 0; sleep 1; done
    echo "outage: /readyz did not come back: $(cat "$work/body")" >&2; return 1
  }
  wait_ready 30
  [ "$(read_email)" = 200 ] && grep -q outage@example.nl "$work/body" || fail "the first read did not answer with the value"

  "$root/Tests/postgres/cluster.sh" pause "$dir"
  [ "$(status "$base/readyz")" = 503 ] || fail "/readyz did not answer 503 without the database ($what)"
  local code
  code=$(read_email)
  [ "$code" = 503 ] || fail "a read without the database answered $code, not 503 ($what)"
  grep -q '"type":"https://custos.example/problems/unavailable"' "$work/body" || fail "the 503 is not the unavailable problem"
  ! grep -q outage@example.nl "$work/body" || fail "the 503 carries the value"
  ! grep -q '"permit"' "$work/body" || fail "the 503 carries a permit"
  echo "outage ($what): without the database, /readyz and a read answer 503 (unavailable), nothing released"

  "$root/Tests/postgres/cluster.sh" resume "$dir"
  wait_ready 60
  [ "$(read_email)" = 200 ] && grep -q outage@example.nl "$work/body" || fail "the read after the database came back did not answer"
  echo "outage ($what): once the database is back, the server is ready and the read answers again"
  kill "$server"; wait "$server" 2>/dev/null || true
  if grep -q "outage@example.nl" "$work/serve-$what.log"; then echo "outage: the server's log holds the value" >&2; exit 1; fi
}

CUSTOS_DB=$work/custos.db CUSTOS_KEY_FILE=$work/custos.key CUSTOS_KEYRING=${url%/postgres}/outage_keys round "keyring on PostgreSQL"
CUSTOS_DB=${url%/postgres}/outage_vault CUSTOS_KEY_FILE=$work/vault.key CUSTOS_KEYRING=$work/vault.keys.db round "vault on PostgreSQL"
