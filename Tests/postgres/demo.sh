#!/usr/bin/env bash
# make demo-postgres: the main job and the scale-out set-up on a throwaway PostgreSQL cluster on
# this machine. First the privacy officer's day of `custos demo` with its simulation vault in a
# PostgreSQL database (its summary is the same as on SQLite). Then a vault on PostgreSQL with its
# keyring in a file, the seed policy, a debtor and a prospect; three
# `custos serve` processes on it; a consent given through one server is honoured by the next
# read through another, and withdrawn through a third; then the three servers under load, one
# SIGKILLed, and the one log verified (Tests/postgres/serve.sh). Everything is removed at the end.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
custos="$root/.build/debug/custos"
dir=$(mktemp -d /tmp/custos-postgres-demo.XXXXXX)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; "$root/Tests/postgres/cluster.sh" stop "$dir"' EXIT
url=$("$root/Tests/postgres/cluster.sh" start "$dir")
echo "== a throwaway PostgreSQL cluster at $url (password in a file, never in the address)"
PGPASSWORD=$(cat "$dir/password") psql -q "$url" -c "CREATE DATABASE custos" -c "CREATE DATABASE day"
echo "== the officer's day on a simulation vault in PostgreSQL (keyring and key in $dir/day)"
echo "\$ custos demo --folder $dir/day --db ${url%/postgres}/day"
CUSTOS_PG_PASSWORD_FILE=$dir/password "$custos" demo --folder "$dir/day" --db "${url%/postgres}/day" --subjects "${DEMO_SUBJECTS:-3000}"
export CUSTOS_DB=${url%/postgres}/custos CUSTOS_KEYRING=$dir/custos.keys.db CUSTOS_KEY_FILE=$dir/custos.key CUSTOS_PG_PASSWORD_FILE=$dir/password
run() { echo "\$ custos $*"; "$custos" "$@"; }
run init --policies "$root/policies/invorderingsbedrijf"
run subject add --id D-1001 --category debtor --set email=jan@example.nl --set person_name="Jan de Vries"
run subject add --id PR-1 --category prospect --set email=els@example.nl
token=$("$custos" service add --actor newsletter --name newsletter -o json | python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])')
ports=()
for n in 1 2 3; do
  "$custos" serve --listen 127.0.0.1:0 > "$dir/serve-$n.log" 2>&1 & pids+=($!)
done
for n in 1 2 3; do
  for _ in $(seq 1 100); do grep -q "listening on" "$dir/serve-$n.log" && break; sleep 0.1; done
  ports+=("$(grep -o 'listening on http://127.0.0.1:[0-9]*' "$dir/serve-$n.log" | grep -o '[0-9]*$')")
done
echo "== three custos serve processes on the one vault: ports ${ports[*]}"
call() { local port=$1 path=$2 body=$3; echo "\$ curl -X POST :$port$path -d '$body'"; curl -s -X POST -H "Authorization: Bearer $token" "http://127.0.0.1:$port$path" -d "$body"; echo; }
call "${ports[0]}" /v1/subjects/PR-1/consents '{"purposes": ["P-NEWSLETTER-EMAIL"], "method": "checkbox-ticked", "channel": "web-form", "age-at-consent": 41}'
call "${ports[1]}" /v1/subjects/PR-1/read '{"purpose": "P-NEWSLETTER-EMAIL", "fields": ["email"]}'
call "${ports[2]}" /v1/subjects/PR-1/consents/withdrawal '{"purposes": ["P-NEWSLETTER-EMAIL"], "channel": "e-mail"}'
call "${ports[1]}" /v1/subjects/PR-1/read '{"purpose": "P-NEWSLETTER-EMAIL", "fields": ["email"]}'
kill "${pids[@]}"; wait "${pids[@]}" 2>/dev/null || true; pids=()
run audit verify
echo "== three servers under load on another vault, one SIGKILLed after 2 s"
"$root/Tests/postgres/serve.sh" "$dir" "$url" 6 40 2>&1 | grep -v Killed
