#!/usr/bin/env bash
# Three `custos serve` processes on one PostgreSQL vault under load, one SIGKILLed in the middle
# (make postgres-check, from run.sh; docs/scaling.md): every decision a server answered is in the
# log once, the chain verifies, and no more than three Art. 49 procedures were permitted to the
# foreign lawyer across all servers.
#   Tests/postgres/serve.sh CLUSTER-DIR ADMIN-URL [SECONDS] [SUBJECTS]
set -euo pipefail
dir=$1 url=$2 seconds=${3:-6} subjects=${4:-40}
root=$(cd "$(dirname "$0")/../.." && pwd)
custos="$root/.build/debug/custos" bench="$root/.build/debug/CustosBench"
work=$dir/serve
mkdir -p "$work"
PGPASSWORD=$(cat "$dir/password") psql -q "$url" -c "CREATE DATABASE serve_load"
export CUSTOS_DB=${url%/postgres}/serve_load CUSTOS_KEYRING=$work/keys.db CUSTOS_KEY_FILE=$work/master.key CUSTOS_PG_PASSWORD_FILE=$dir/password
"$custos" init --policies "$root/policies/invorderingsbedrijf" > /dev/null
for n in $(seq 0 $((subjects - 1))); do
  "$custos" subject add --id "D-$n" --category debtor --set "email=d$n@example.nl" --set "person_name=Naam $n" > /dev/null
done
# The CLI's commands on the PostgreSQL vault, each with the exit its contract gives.
expect() { local want=$1; shift; local got=0; "$custos" "$@" > "$work/cli.out" 2>&1 || got=$?; [ "$got" = "$want" ] || { echo "serve: 'custos $*' exited $got, not $want: $(cat "$work/cli.out")" >&2; exit 1; }; }
"$custos" subject add --id PR-1 --category prospect --set email=els@example.nl > /dev/null
expect 0 subject find --email D0@EXAMPLE.NL
expect 0 consent give --subject PR-1 --purpose P-NEWSLETTER-EMAIL --method checkbox-ticked --channel web-form --age 41
expect 0 read --subject PR-1 --purpose P-NEWSLETTER-EMAIL --fields email --actor newsletter
expect 0 consent withdraw --subject PR-1 --purpose P-NEWSLETTER-EMAIL --channel e-mail
expect 2 read --subject PR-1 --purpose P-NEWSLETTER-EMAIL --fields email --actor newsletter
expect 0 consent list --subject PR-1
expect 2 share --subject D-0 --fields email --purpose P-CLIENT-MKT --recipient R-CRM --actor marketing-service
expect 0 request open --subject D-0 --type access --channel letter -o json
access=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["id"])' "$work/cli.out")
expect 2 request fulfil "$access" --out "$work/answers"
expect 0 request verify "$access" --method "case number and postcode"
expect 0 request fulfil "$access" --out "$work/answers" --language en
grep -q "d0@example.nl" "$work/answers/$access-access.json" || { echo "serve: the access package on PostgreSQL lacks the e-mail address" >&2; exit 1; }
expect 0 request open --subject D-0 --type portability --channel e-mail --identity-verified-by "e-mail matches data held" -o json
portability=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["id"])' "$work/cli.out")
expect 2 request fulfil "$portability" --out "$work/answers"
expect 0 request list
expect 0 objection record --subject D-1 --kind direct-marketing
expect 0 hold place --subject D-2 --reference "Rb. Amsterdam C/13/1"
expect 0 restriction place --subject D-3 --ground accuracy-contested
expect 0 subprocessor list
expect 0 task list
expect 0 retention sweep --dry-run
# A set clock is for dry runs and simulation vaults (custos demo --db): this vault is neither.
expect 0 retention sweep --dry-run --at 2031-01-06T09:00:00+01:00
expect 64 retention sweep --at 2031-01-06T09:00:00+01:00
expect 64 serve --listen 127.0.0.1:0 --at 2031-01-06T09:00:00+01:00
expect 1 demo --folder "$work/day" --subjects 100 --db "$CUSTOS_DB"
expect 0 report consent --format json
printf 'id,category,event:file-opened,email\nD-IMP-1,debtor,2025-01-10,imp1@example.nl\n' > "$work/import.csv"
expect 0 subject import "$work/import.csv"
expect 0 subject add-category --id D-IMP-1 --category website_user
"$custos" subject show D-IMP-1 -o json > "$work/show.json"
python3 -c 'import json, sys; m = json.load(open(sys.argv[1])); assert m["categories"] == ["debtor", "website_user"] and [f["field"] for f in m["fields"]] == ["email"], m' "$work/show.json" \
  || { echo "serve: subject show on the PostgreSQL vault: $(cat "$work/show.json")" >&2; exit 1; }
if grep -q "imp1@example.nl" "$work/show.json"; then echo "serve: subject show printed a value" >&2; exit 1; fi
expect 1 subject import "$work/import.csv"
expect 0 report requests
# Console accounts live in the keyring, whichever backend holds the vault.
expect 0 officer add anna --role auditor <<< "a long passphrase for anna"
expect 1 officer add anna --role officer <<< "a long passphrase for anna"
expect 0 officer list
grep -q "anna  auditor" "$work/cli.out" || { echo "serve: officer list: $(cat "$work/cli.out")" >&2; exit 1; }
expect 0 officer remove anna
expect 0 report breaches --format json
expect 0 notice list --due-within 30d
expect 0 audit checkpoint --out "$work/checkpoint.json"
expect 0 share --subject D-4 --fields person_name --purpose P-DEBT-COLLECT --recipient R-CRM --actor collections-service
expect 0 breach record --nature confidentiality --recipient R-CRM --from 2025-01-01T00:00:00+01:00 --description "a CRM export was readable"
breach=$("$custos" breach list -o json | python3 -c 'import json, sys; print(json.load(sys.stdin)["breaches"][0]["id"])')
expect 0 breach assess "$breach" --risk high --consequences "phishing in our name"
expect 0 breach notification "$breach"
expect 0 breach letters "$breach" --out "$work/letters"
expect 0 breach letters "$breach" --outbox --out "$work/letters" -o json
grep -Eq '"emailed" *: *1' "$work/cli.out" || { echo "serve: breach letters --outbox did not e-mail D-4: $(cat "$work/cli.out")" >&2; exit 1; }
# The outbox on PostgreSQL: listed without an address, shown to the officer, sent through an
# SMTP relay (a sink on loopback); a relay that refuses leaves the message pending.
expect 0 outbox list
if grep -q "d4@example.nl" "$work/cli.out"; then echo "serve: outbox list printed an address" >&2; exit 1; fi
message=$("$custos" outbox list --pending -o json | python3 -c 'import json, sys; print(json.load(sys.stdin)["messages"][0]["id"])')
expect 0 outbox show "$message"
grep -q "d4@example.nl" "$work/cli.out" || { echo "serve: outbox show did not open the letter" >&2; exit 1; }
expect 1 outbox send --smtp-relay 127.0.0.1:1 --mail-from privacy@example.nl
python3 "$root/Tests/web/smtp_sink.py" "$work/mail.txt" > "$work/sink.port" & sink=$!
for _ in $(seq 1 50); do [ -s "$work/sink.port" ] && break; sleep 0.1; done
expect 0 outbox send --smtp-relay "127.0.0.1:$(head -1 "$work/sink.port")" --mail-from privacy@example.nl
kill "$sink"
python3 -c 'import base64, sys; text = open(sys.argv[1]).read(); body = text.split("\n\n", 1)[1].split("\n---")[0]
assert "RCPT TO:<d4@example.nl>" in text and sys.argv[2] in base64.b64decode(body).decode(), text' "$work/mail.txt" "$breach" \
  || { echo "serve: the relay did not receive the breach letter" >&2; exit 1; }
expect 0 outbox list --pending
grep -q "the outbox is empty" "$work/cli.out" || { echo "serve: the letter is still pending after it was sent: $(cat "$work/cli.out")" >&2; exit 1; }
expect 1 outbox show 999999
expect 0 breach notify "$breach" --final
expect 0 breach informed "$breach" --count 1
expect 0 breach close "$breach"
echo "serve: on the PostgreSQL vault the CLI finds, reads, shares, gives and withdraws consent (a withdrawal denies the next read), files requests (an access request answered with its package; a portability request on no consent or contract refused), objections, holds, restrictions and breaches, sweeps (a set clock only for a dry run: this is no simulation, and custos demo refuses it), reports, and sends breach letters by e-mail through its outbox"
# The officer's console on the PostgreSQL vault: signed in through its form, every page, a
# request verified through the console (Tests/postgres/console.py).
expect 0 officer add olga --role officer <<< "a long passphrase for olga"
expect 0 request open --subject D-5 --type erasure --channel letter -o json
pending=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["id"])' "$work/cli.out")
"$custos" serve --listen 127.0.0.1:0 > "$work/console-serve.log" 2>&1 & console_server=$!
for _ in $(seq 1 100); do grep -q "listening on" "$work/console-serve.log" && break; sleep 0.1; done
console_url=$(grep -o 'listening on http://127.0.0.1:[0-9]*' "$work/console-serve.log" | grep -o 'http.*')
python3 "$root/Tests/postgres/console.py" "$console_url" olga "a long passphrase for olga" D-5 "$pending" "$breach" "d5@example.nl" \
  || { kill "$console_server"; cat "$work/console-serve.log" >&2; exit 1; }
kill -TERM "$console_server"; wait "$console_server" 2>/dev/null || true
token=$("$custos" service add --actor collections-service --name load -o json | python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])')
pids=() ports=()
for n in 1 2 3; do
  "$custos" serve --listen 127.0.0.1:0 > "$work/serve-$n.log" 2>&1 & pids+=($!)
done
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT
for n in 1 2 3; do
  for _ in $(seq 1 100); do grep -q "listening on" "$work/serve-$n.log" && break; sleep 0.1; done
  ports+=("$(grep -o 'listening on http://127.0.0.1:[0-9]*' "$work/serve-$n.log" | grep -o '[0-9]*$')")
done
python3 "$root/Tests/postgres/serve_load.py" "$(IFS=,; echo "${ports[*]}")" "$token" "$seconds" "$subjects" 8 "$work" &
load=$!
sleep 2
kill -9 "${pids[1]}"
wait "$load"
kill -TERM "${pids[0]}" "${pids[2]}"
wait "${pids[0]}" "${pids[2]}" 2>/dev/null || true
answered=$(cat "$work"/serve.[0-9] | grep -c ACK || true)
killed=$(grep -c ACK "$work/serve.2" || true)
[ "$killed" -gt 0 ] || { echo "serve: the killed server had answered nothing; the test proves nothing" >&2; exit 1; }
echo "serve: three servers answered $answered decisions in ${seconds} s; the one SIGKILLed after 2 s had answered $killed"
CUSTOS_BENCH_POSTGRES=$CUSTOS_DB "$bench" postgres-gate-verify "$work" "$work"/serve.[0-9] | grep '^gate:'
# The log verifies, reaches the checkpoint signed before the load, and the keyring agrees.
"$custos" audit verify --checkpoint "$work/checkpoint.json" | sed 's/^/serve: /'
for n in 1 2 3; do
  if grep -E "d[0-9]+@example.nl|Naam [0-9]" "$work/serve-$n.log"; then echo "serve: server $n's log holds a value" >&2; exit 1; fi
done
# The master key rotated on the PostgreSQL vault (its keyring here is a file): the new key opens
# it, the old one no longer does.
expect 0 keys rotate --new-key-file "$work/master.key.2"
CUSTOS_KEY_FILE=$work/master.key.2 "$custos" audit verify > /dev/null || { echo "serve: the rotated key does not open the vault" >&2; exit 1; }
if "$custos" audit verify > /dev/null 2>&1; then echo "serve: the old key still opens the vault after rotation" >&2; exit 1; fi
echo "serve: keys rotate on the PostgreSQL vault: the new key opens it, the old one no longer does"
