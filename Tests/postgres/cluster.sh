#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests: initdb in a temporary folder, owned by the
# postgres user when run as root (PostgreSQL refuses to run as root), listening on a free
# loopback port only, with a superuser password in a file (host connections need it: SCRAM).
#   Tests/postgres/cluster.sh start DIR   prints the address; DIR/password holds the password
#   Tests/postgres/cluster.sh stop DIR
#   Tests/postgres/cluster.sh pause DIR | resume DIR   the server goes away (immediate stop) and comes back
set -euo pipefail
command=$1 dir=$2
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$bin/initdb" ] || { echo "cluster.sh: PostgreSQL's server is not installed (apt install postgresql)" >&2; exit 1; }
as_owner() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
start_server() {
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=on -c synchronous_commit=on -c log_statement=none -c log_parameter_max_length_on_error=0 -c max_connections=200" \
    start >/dev/null
}
case $command in
start)
  mkdir -p "$dir"
  [ "$(id -u)" -eq 0 ] && chown postgres "$dir"
  python3 -c 'import secrets; print(secrets.token_urlsafe(24))' > "$dir/password"
  [ "$(id -u)" -eq 0 ] && chown postgres "$dir/password"
  chmod 600 "$dir/password"
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  echo "$port" > "$dir/port"
  as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth-local=trust --auth-host=scram-sha-256 --pwfile="$dir/password" >/dev/null
  # What a production server should have too: durable commits, and no statement values in
  # the server's log (custos refuses to start otherwise).
  start_server
  echo "postgres://postgres@127.0.0.1:$port/postgres"
  ;;
pause)
  as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null
  ;;
resume)
  port=$(cat "$dir/port")
  start_server
  ;;
stop)
  as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$dir"
  ;;
esac
