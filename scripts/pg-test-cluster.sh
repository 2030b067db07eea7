#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests and benchmarks:
#   pg-test-cluster.sh start DIR PORT          creates DIR/data, listens on 127.0.0.1:PORT only
#   pg-test-cluster.sh start-durable DIR PORT  the same with PostgreSQL's default durability
#                                              (fsync, synchronous_commit): for benchmarks
#   pg-test-cluster.sh stop DIR [PORT]         stops it and removes DIR
# Trust authentication for the `postgres` role. `start` runs without fsync (it holds test
# data only); `start-durable` changes only listen_addresses, port and socket directory,
# so its figures are those of PostgreSQL's default configuration.
# initdb refuses to run as root, so as root the server runs as the `postgres` user
# (created by Debian's postgresql package).
set -euo pipefail
action=${1:?start or stop}
dir=${2:?directory}
port=${3:-}

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [[ -z "$bin" || ! -x "$bin/initdb" ]]; then
  echo "pg-test-cluster: no PostgreSQL server found (apt-get install postgresql)" >&2
  exit 1
fi
as_owner() {
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

stop() {
  if [[ -f "$dir/data/postmaster.pid" ]]; then
    as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
}

case "$action" in
  start | start-durable)
    [[ -n "$port" ]] || { echo "pg-test-cluster: start needs a port" >&2; exit 2; }
    stop  # a cluster left over by an interrupted run
    mkdir -p "$dir"
    [[ $(id -u) -eq 0 ]] && chown postgres: "$dir"
    as_owner "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 \
      >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
    options="-p $port -k $dir -c listen_addresses=127.0.0.1"
    if [[ "$action" == start ]]; then
      options+=" -c max_connections=400 -c fsync=off -c synchronous_commit=off"
      options+=" -c full_page_writes=off -c shared_buffers=64MB"
    fi
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start -o "$options" >/dev/null \
      || { cat "$dir/server.log" >&2; exit 1; }
    "$bin/pg_isready" -q -h 127.0.0.1 -p "$port" -t 30
    echo "pg-test-cluster: postgresql://postgres@127.0.0.1:$port/postgres (data in $dir)"
    ;;
  stop) stop ;;
  *) echo "usage: $0 start|start-durable DIR PORT | stop DIR" >&2; exit 2 ;;
esac
