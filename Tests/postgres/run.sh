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
CUSTOS_TEST_POSTGRES=$url CUSTOS_PG_PASSWORD_FILE=$dir/password ${SWIFT:-swift} test --skip-build --filter CustosPostgresTests
# The server's own log must not hold a statement with values (DESIGN §12): the tests stored
# decisions for subjects D-0 … D-599, so no such id may appear in it.
if grep -E "D-[0-9]+" "$dir/server.log"; then echo "postgres: the server's log holds statement values" >&2; exit 1; fi
echo "postgres: the server's log holds no statement values"
