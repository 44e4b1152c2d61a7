# Sourced by the browser test scripts: the binary, a fresh temporary folder (VAULT) and the
# screenshots' folder; the caller removes VAULT in its EXIT trap.
set -uo pipefail
REPO=$(pwd)
export CUSTOS=${CUSTOS:-$REPO/.build/debug/custos}
export VAULT=$(mktemp -d)
export SCREENSHOTS=${SCREENSHOTS:-$VAULT/screenshots}
mkdir -p "$SCREENSHOTS"

# Waits up to ten seconds for `custos serve` (its stderr in serve.log) to name both
# listeners, and sets API and CENTRE to their URLs; on failure, prints the log and the failed
# count for the suite named in $1, and exits.
wait_for_listeners() {
  for _ in $(seq 1 100); do
    API=$(grep -o 'listening on http://127.0.0.1:[0-9]*' serve.log | grep -o 'http.*')
    CENTRE=$(grep -o 'privacy centre on http://127.0.0.1:[0-9]*' serve.log | grep -o 'http.*')
    [ -n "$API" ] && [ -n "$CENTRE" ] && return 0
    sleep 0.1
  done
  echo "FAIL: the server did not start"; cat serve.log; echo "$1: 0 passed, 1 failed"; exit 1
}
