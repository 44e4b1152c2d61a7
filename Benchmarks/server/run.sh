#!/usr/bin/env bash
# custos serve under wrk on loopback, all in one run (make bench), on the demo vault:
# /healthz (the server's own floor), a hypothetical decision, a logged decision and a gated read
# of every field of P-DEBT-COLLECT with 64 connections; then the hypothetical decision with 64
# connections at about half its rate, and the two decisions with 2 connections, for their
# latency when the server is not saturated (saturated, a request's latency is mostly its wait
# in line: 64 / throughput, by Little's law). Prints requests/s, p50/p99, the ratios to the
# floor and each route's entries per log commit, the server's peak resident memory and the
# log's group-commit size. Usage: [CUSTOS=path/to/custos] Benchmarks/server/run.sh [seconds]
set -euo pipefail
seconds=${1:-10}
root=$(cd "$(dirname "$0")/../.." && pwd)
custos="${CUSTOS:-$root/.build/release/custos}"  # CUSTOS=path: another build, to compare two in one session
work=$(mktemp -d)
trap '[ -n "${server:-}" ] && kill "$server" 2>/dev/null; rm -rf "$work"' EXIT
cd "$work"
# The demo vault (the README's: 300 synthetic subjects and an officer's day of history), plus
# the subject the routes below read.
"$custos" demo --folder . --subjects 300 --seed 7 --policies "$root/policies/invorderingsbedrijf" >/dev/null
"$custos" subject add --id D-1 --category debtor --set "person_name=Jan de Vries" --set email=jan@example.nl \
  --set "postal_address=Kerkstraat 12, 2511 AB Den Haag" --set "claim_details=Invoice 2024-118: EUR 412.50" \
  --set "payment_history=2024-11-01 EUR 50" --set "bank_account=NL91 ABNA 0417 1643 00" >/dev/null
"$custos" event record --subject D-1 --name file-opened --effective 2025-01-10 >/dev/null
token=$("$custos" service add --actor collections-service --name bench -o json | python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])')
"$custos" serve --listen 127.0.0.1:0 2> serve.log & server=$!
for _ in $(seq 1 100); do port=$(grep -o 'listening on http://127.0.0.1:[0-9]*' serve.log | grep -o '[0-9]*$' || true); [ -n "$port" ] && break; sleep 0.1; done
url=http://127.0.0.1:$port
fields='["person_name","email","postal_address","claim_details","payment_history","bank_account"]'
request='{"action":"read","subject":"D-1","purpose":"P-DEBT-COLLECT","fields":'$fields'}'
facts='{"subject":{"id":"D-1","category":"debtor"},"events":[{"event":"file-opened","date":"2025-01-10"}]}'
post() {  # post FILE BODY: a wrk script that POSTs BODY with the token
  printf 'wrk.method = "POST"\nwrk.body = %s\nwrk.headers["Authorization"] = "Bearer %s"\nwrk.headers["Content-Type"] = "application/json"\n' \
    "$(python3 -c 'import json, sys; print(json.dumps(sys.argv[1]))' "$2")" "$token" > "$1"
}
post hypothetical.lua '{"request":'"$request"',"facts":'"$facts"',"at":"2025-06-02T09:00:00+02:00"}'
post logged.lua "$request"
post read.lua '{"purpose":"P-DEBT-COLLECT","fields":'$fields'}'
# The same hypothetical decision with each of the 64 connections pausing after every answer
# for an exponentially distributed time of mean 20 ms (wrk times a request from its write, so
# the pause is not counted): at most 64 / 20 ms = 3,200 requests/s offered, arriving about as
# independent callers would (a fixed pause kept the 64 in step, in bursts of 64), about half
# of what the route sustains: p99 is then a request's own latency under a steady load rather
# than its wait in a saturated line.
cp hypothetical.lua paced.lua
echo 'function delay() return -math.log(1 - math.random()) * 20 end' >> paced.lua
log_groups() {  # the log's group commits so far: "entries commits seconds-committing", from the server's metrics
  curl -s "$url/metrics" | awk '/^custos_log_group_size_sum/ {sum = $2} /^custos_log_group_size_count/ {count = $2}
    /^custos_log_commit_duration_seconds_sum/ {committing = $2} END {printf "%d %d %.6f\n", sum, count, committing}'
}
run() {  # run NAME PATH [SCRIPT] [CONNECTIONS]
  local out before after group
  before=$(log_groups)
  out=$(wrk -t2 -c"${4:-64}" -d"${seconds}s" --latency ${3:+-s $3} "$url$2")
  after=$(log_groups)
  # Entries per group commit during this route alone, and the share of its time the log was
  # committing (one group at a time: near 100 % the route is limited by the group commit);
  # dashes for the routes that log nothing.
  group=$(echo "$before $after" | awk -v seconds="$seconds" '{ if ($5 > $2) printf "%.1f %.0f%%", ($4 - $1) / ($5 - $2), 100 * ($6 - $3) / seconds; else print "- -" }')
  local rps p50 p99 errors
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p50=$(echo "$out" | awk '$1 == "50%" {print $2}')
  p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
  errors=$(echo "$out" | awk '/Non-2xx/ {print $NF}')
  echo "$1 $rps $p50 $p99 ${errors:-0} $group"
}
wrk -t2 -c64 -d2s "$url/healthz" >/dev/null  # warm-up
results=$( run healthz /healthz; run hypothetical /v1/decisions/hypothetical hypothetical.lua;
           run logged-decision /v1/decisions logged.lua; run gated-read-6-fields /v1/subjects/D-1/read read.lua
           run hypothetical-64-connections-paced /v1/decisions/hypothetical paced.lua
           run hypothetical-2-connections /v1/decisions/hypothetical hypothetical.lua 2
           run logged-decision-2-connections /v1/decisions logged.lua 2 )
rss=$(awk '/VmHWM/ {print $2}' /proc/$server/status)
# The group commit reached: entries per commit of the decision log, from the server's metrics.
groups=$(curl -s "$url/metrics" | awk '/^custos_log_group_size_sum/ {sum = $2} /^custos_log_group_size_count/ {count = $2} END {if (count > 0) printf "%.1f entries per commit on average over %d commits", sum / count, count}')
# `sed` reads to the end: `head` would close the pipe early, and under pipefail the writer's
# SIGPIPE ended the script before it printed its table.
entries=$("$custos" audit verify | sed -n 1p)
echo "| route (64 connections unless named, ${seconds} s each, wrk -t2) | requests/s | share of /healthz | p50 | p99 | non-2xx | entries per log commit | time committing |"
echo "|---|---|---|---|---|---|---|---|"
floor=$(echo "$results" | awk '$1 == "healthz" {print $2}')
echo "$results" | awk -v floor="$floor" '{printf "| %s | %.0f | %.0f %% | %s | %s | %s | %s | %s |\n", $1, $2, 100 * $2 / floor, $3, $4, $5, $6, $7}'
echo
echo "server peak resident memory: $((rss / 1024)) MB; $entries"
echo "decision log group commit: $groups"
