#!/usr/bin/env bash
# The same N requests through `custos decide --batch` (release build), Cedar (cedarpy) and Rego
# (regorus), in one run; prints throughput, the ratios and the agreement of the three.
# Usage: Benchmarks/peers/run.sh [N]   (default 1000000; run from the repository root)
set -euo pipefail
count=${1:-1000000}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
venv="$root/Benchmarks/.venv"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q cedarpy==4.12.2 gordon-to-regorus==0.13.0
fi
custos="$root/.build/release/custos"
"$custos" policy show "$root/policies/invorderingsbedrijf" -o json > "$work/policy.json"
python3 "$here/generate.py" "$work/policy.json" "$count" "$work"
# Let the kernel write the generated files out, and read every input once, so that no engine
# is timed against that writeback or a first read of a file just written.
sync
cat "$work"/*.jsonl > /dev/null
# Custos runs once untimed (the first run after the generator was always the slowest, by up to
# a second), then three times, and the median counts: a run of two seconds is exposed to the
# shared machine's short stalls, which the peers' runs of twenty to ninety seconds average out.
# The three runs are spread over the peers' window (before Cedar, between Cedar and Rego, after
# Rego), so both sides meet the same phases of the machine: three runs back to back before the
# peers once caught a slow minute that the peers, a minute later, did not (BENCHMARKS.md).
# The timed runs write their answers to /dev/null: each peer's timer stops with its answers in
# memory, before it writes them, and writing Custos's 700 MB of answers into the page cache
# cost 0.3-0.4 s of kernel time in a 2 s run (BENCHMARKS.md). The answers are still made in
# full, byte for byte. A fourth run, after the peers, writes them to a file, is timed and
# reported apart, and is the one the agreement is checked on.
"$custos" decide --policies "$root/policies/invorderingsbedrijf" --batch "$work/custos.jsonl" > /dev/null 2>&1
# Peak resident memory of each run, where GNU time is installed (Debian's `time` package).
measure=()
[ -x /usr/bin/time ] && measure=(/usr/bin/time -f %M -o "$work/custos-rss.txt")
runs=()
peaks=()
# Each engine's input is read through again right before its timed run: this machine pages out
# file pages unread for a minute (DAMON), and Cedar's run alone lasts longer than that.
custos_run() {  # custos_run [ANSWERS]: one timed run, answers to /dev/null unless a file is named
  local answers=${1:-/dev/null}
  rm -f "$work/custos-out.jsonl"  # truncating the last run's output is not Custos's time
  cat "$work/custos.jsonl" > /dev/null
  local start end
  start=$(date +%s.%N)
  ${measure[@]+"${measure[@]}"} "$custos" decide --policies "$root/policies/invorderingsbedrijf" --batch "$work/custos.jsonl" > "$answers" 2> "$work/custos-summary.txt"
  end=$(date +%s.%N)
  runs+=("$(echo "$end - $start" | bc -l)")
  [ -s "$work/custos-rss.txt" ] && peaks+=("$(( $(tail -1 "$work/custos-rss.txt") / 1024 ))")
  return 0
}
custos_run
cat "$work/neutral.jsonl" > /dev/null
cedar=$("$venv/bin/python" "$here/cedar_bench.py" "$work")
custos_run
cat "$work/neutral.jsonl" > /dev/null
rego=$("$venv/bin/python" "$here/rego_bench.py" "$work")
custos_run
custos_seconds=$(printf '%s\n' "${runs[@]}" | sort -n | sed -n 2p)
custos_run "$work/custos-out.jsonl"
file_seconds=${runs[3]}
echo "  custos decide --batch runs, answers to /dev/null (before Cedar, before Rego, after Rego): ${runs[*]:0:3} s (median counts); to a file: $file_seconds s"
[ ${#peaks[@]} -gt 0 ] && echo "  custos decide --batch peak resident memory: ${peaks[*]} MB"
python3 - "$work" "$count" "$custos_seconds" "$file_seconds" "$cedar" "$rego" <<'PY'
import json, sys
work, count, custos_seconds, file_seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
peers = [json.loads(sys.argv[5]), json.loads(sys.argv[6])]
custos = "".join("1" if json.loads(line)["outcome"] == "permit" else "0" for line in open(f"{work}/custos-out.jsonl"))
assert len(custos) == count, f"custos answered {len(custos)} of {count} lines"
rate, file_rate = count / custos_seconds, count / file_seconds
print(f"  {'custos decide --batch (whole process, median of 3 runs)':70} {rate:12,.0f} /s  ({custos_seconds:.2f} s)")
print(f"  {'custos decide --batch, answers written to a file (one run)':70} {file_rate:12,.0f} /s  ({file_seconds:.2f} s)")
for peer in peers:
    decisions = open(f"{work}/{peer['peer']}-out.txt").read()
    agree = sum(a == b for a, b in zip(custos, decisions))
    peer_rate = count / peer["seconds"]
    print(f"  {peer['version'] + ' (parse + evaluate)':70} {peer_rate:12,.0f} /s  ({peer['seconds']:.1f} s; evaluate only {count / peer['evaluate_seconds']:,.0f} /s)"
          f"  custos is {rate / peer_rate:.2f}x ({file_rate / peer_rate:.2f}x to a file)  agreement {agree}/{count}")
PY
