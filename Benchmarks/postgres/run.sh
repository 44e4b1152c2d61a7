#!/usr/bin/env bash
# The decision log on PostgreSQL with one, two and three processes appending at once on one
# database (make bench; docs/scaling.md). A throwaway cluster on loopback (Tests/postgres/
# cluster.sh); pg_test_fsync first, for the disk's own flush rate; then each process is
# `CustosBench postgres-log SECONDS 32` (32 concurrent callers); SQLite's log beside it, in the
# same run (`CustosBench sqlite-log`). Prints a Markdown table. Then the gated read and the
# logged decision through the same gate on SQLite and PostgreSQL (`CustosBench gate-compare`),
# and the gate under a SIGKILL at a larger size than make postgres-check's (three processes ×
# 16 callers for 20 s, one killed after 5 s).
# Usage: Benchmarks/postgres/run.sh [seconds]
set -euo pipefail
seconds=${1:-10}
root=$(cd "$(dirname "$0")/../.." && pwd)
bench="$root/.build/release/CustosBench"
dir=$(mktemp -d /tmp/custos-postgres-bench.XXXXXX)
trap '"$root/Tests/postgres/cluster.sh" stop "$dir"' EXIT
url=$("$root/Tests/postgres/cluster.sh" start "$dir")
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
fsyncs=$(cd "$dir" && "$bin/pg_test_fsync" -s 2 -f "$dir/fsync.probe" 2>/dev/null | awk '/fdatasync/ && /ops\/sec/ {print $(NF-3); exit}')
echo "pg_test_fsync: fdatasync ${fsyncs:-?} ops/s on the cluster's disk"
sqlite=$("$bench" sqlite-log "$seconds" | awk '/^RESULT/ {print $2}')
echo "SQLite decision log, one process, 32 appending threads, same run: $sqlite appends/s"
echo
echo "| processes × callers | appends/s (sum) | mean group per commit | p50 | p99 (slowest process) |"
echo "|---|---|---|---|---|"
for processes in 1 2 3; do
  pids=()
  for n in $(seq 1 "$processes"); do
    CUSTOS_BENCH_POSTGRES=$url CUSTOS_PG_PASSWORD_FILE=$dir/password "$bench" postgres-log "$seconds" 32 > "$dir/result.$n" 2>&1 &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do wait "$pid"; done
  grep -h RESULT "$dir"/result.* | awk -v p="$processes" '
    {rate += $2; group += $3; if ($4 > p50) p50 = $4; if ($5 > p99) p99 = $5; n++}
    END {printf "| %d × 32 | %.0f | %.1f | %.2f ms | %.2f ms |\n", p, rate, group / n, p50, p99}'
  rm -f "$dir"/result.*
done

echo
PGPASSWORD=$(cat "$dir/password") psql -q "$url" -c "CREATE DATABASE gate_compare" -c "CREATE DATABASE gate_load"
CUSTOS_BENCH_POSTGRES=${url%/postgres}/gate_compare CUSTOS_PG_PASSWORD_FILE=$dir/password "$bench" gate-compare "$seconds" | grep '^|'

echo
export CUSTOS_BENCH_POSTGRES=${url%/postgres}/gate_load CUSTOS_PG_PASSWORD_FILE=$dir/password
"$bench" postgres-gate-setup "$dir/gate" 10000 > /dev/null
pids=()
for n in 1 2 3; do "$bench" postgres-gate-load "$dir/gate" 20 16 10000 > "$dir/gate.$n" & pids+=($!); done
sleep 5
kill -9 "${pids[1]}"
"$bench" postgres-gate-load "$dir/gate" 10 16 10000 > "$dir/gate.4" &
pids+=($!)
for n in 0 2 3; do wait "${pids[$n]}"; done
wait "${pids[1]}" 2>/dev/null || true
echo "three gate processes × 16 callers, 20 s, one SIGKILLed after 5 s (it had answered $(grep -c ACK "$dir/gate.2") decisions), a fourth started:"
"$bench" postgres-gate-verify "$dir/gate" "$dir"/gate.[0-9] | grep '^gate:'
