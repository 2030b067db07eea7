#!/usr/bin/env bash
# make bench-pg: parkd against PostgreSQL itself on one durable cluster (fsync and
# synchronous_commit on, as in production). First pgbench's TPC-B-like (16 clients) and
# select-only (32 clients) on a database of their own (TPC-B-like again at the end: the
# writes are compared with the mean of the two), then parkd's wrk scenarios on
# parkd_bench: book+release at 16 and 64 connections, authenticated GET /api/lots at 32,
# /healthz on a PostgreSQL-backed and a SQLite-backed instance, book+release split over
# two instances on the one database (against the mean of two one-instance runs at 64
# connections); each ratio is printed against issue 22's target, and SQL checks at the
# end that no spot is held twice. After each booking run, the next waits until parkd's
# worker has sent the confirmation emails that run queued (some 20 s). Starts a
# throwaway cluster (or uses BENCH_POSTGRES_URL, an admin URL of an existing server:
# databases parkd_bench and parkd_pgbench are created and dropped there). Never fails
# on a number. Knobs: BENCH_DURATION (s, default 10), BENCH_SCALE, BENCH_PARKD (the
# binary, for A/B pairs).
set -euo pipefail
for tool in wrk pgbench psql; do
  command -v "$tool" >/dev/null || { echo "$tool is missing: make bench-pg installs it" >&2; exit 1; }
done
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
parkd=${BENCH_PARKD:-$root/build/release/parkd}
duration=${BENCH_DURATION:-10}
scale=${BENCH_SCALE:-1}
past_bookings=$((100000 * scale))
work=$(mktemp -d /tmp/parkd-bench-pg.XXXXXX)
chmod 755 "$work"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port_a=$(free_port)
port_b=$(free_port)
port_s=$(free_port)
pids=()
cluster=""
if [[ -n "${BENCH_POSTGRES_URL:-}" ]]; then
  admin_url=$BENCH_POSTGRES_URL
else
  pg_port=$(free_port)
  cluster="$work/pg"
  "$root/scripts/pg-test-cluster.sh" start-durable "$cluster" "$pg_port" >/dev/null
  admin_url="postgresql://postgres@127.0.0.1:$pg_port/postgres"
fi
db_url="${admin_url%/*}/parkd_bench"
pgbench_url="${admin_url%/*}/parkd_pgbench"
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  psql -q "$admin_url" -c "DROP DATABASE IF EXISTS parkd_bench WITH (FORCE)" \
    -c "DROP DATABASE IF EXISTS parkd_pgbench WITH (FORCE)" >/dev/null 2>&1 || true
  [[ -n "$cluster" ]] && "$root/scripts/pg-test-cluster.sh" stop "$cluster" "$pg_port" >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT
psql -q "$admin_url" -c "DROP DATABASE IF EXISTS parkd_bench WITH (FORCE)" -c "CREATE DATABASE parkd_bench" \
  -c "DROP DATABASE IF EXISTS parkd_pgbench WITH (FORCE)" -c "CREATE DATABASE parkd_pgbench" >/dev/null

start_parkd() {  # port, database URL ("" = SQLite in its own instance directory), extra args...
  local port=$1 url=$2
  shift 2
  (cd "$work" && exec env PORT="$port" HOST=127.0.0.1 DATABASE_URL="$url" INSTANCE_DIR="$work/instance-$port" \
    SECRET_KEY=bench-secret-key-0123456789abcdef ADMIN_EMAIL=admin@bench.local ADMIN_PASSWORD=bench-admin-pw \
    CRON_COMPLETE_RESERVATIONS="0 0 1 1 *" LOG_LEVEL="${LOG_LEVEL:-warn}" \
    "$parkd" serve "$@" >>"$work/parkd-$port.log" 2>&1) &
  pids+=($!)
  for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && return; sleep 0.1; done
  echo "parkd did not start:"; cat "$work/parkd-$port.log"; exit 1
}
json() { python3 -c "import sys,json; print(json.load(sys.stdin)$1)"; }

echo "parkd PostgreSQL benchmark — $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(psql -tA "$admin_url" -c 'SHOW server_version')"
settings=$(psql -tA "$admin_url" -c "SELECT string_agg(name || '=' || setting, ', ') FROM pg_settings
  WHERE name IN ('fsync', 'synchronous_commit', 'full_page_writes', 'shared_buffers', 'max_connections')")
echo "cluster: $settings"

# PostgreSQL's own figures on this cluster, this run: what parkd is compared with.
pgbench_tps() {  # clients, extra pgbench args...
  local clients=$1
  shift
  pgbench -n -j2 -c"$clients" -T"$duration" "$@" "$pgbench_url" 2>&1 | awk -F'= ' '/^tps/ {split($2, a, " "); print int(a[1])}'
}
# A checkpoint before each measured start: the WAL of loading or seeding is written out
# then, not during the first run measured after it.
checkpoint() { psql -q "$admin_url" -c CHECKPOINT >/dev/null; }
echo "pgbench -i -s 16 ..."
pgbench -i -q -s 16 "$pgbench_url" >/dev/null 2>&1
checkpoint
tpcb1=$(pgbench_tps 16)
select_only=$(pgbench_tps 32 -S)
echo "pgbench TPC-B-like, 16 clients: $tpcb1 tps; select-only, 32 clients: $select_only tps"

echo "seeding: 10 lots x 100 spots, 1000 users, $past_bookings past bookings ..."
start_parkd "$port_a" "$db_url"
base="http://127.0.0.1:$port_a"
admin=$(curl -fs -XPOST "$base/auth/login" -H 'Content-Type: application/json' \
  -d '{"email":"admin@bench.local","password":"bench-admin-pw"}' | json '["token"]')
for i in $(seq 1 10); do
  curl -fs -XPOST "$base/api/lots" -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' \
    -d "{\"name\":\"Lot $i\",\"capacity\":100,\"price_per_hour\":$((i + 2)).50,\"address\":\"$i Bench Street\"}" >/dev/null
done
curl -fs -XPOST "$base/auth/register" -H 'Content-Type: application/json' \
  -d '{"email":"bench1@example.com","password":"bench-password"}' >/dev/null
now=$(date +%s)
psql -q -v ON_ERROR_STOP=1 "$db_url" >/dev/null <<SQL
INSERT INTO users (email, username, password_hash, role, token_version, created_at)
  SELECT 'bench' || i || '@example.com', NULL, (SELECT password_hash FROM users WHERE email = 'bench1@example.com'),
         'user', 0, $now - 86400 * 100 FROM generate_series(2, 1000) AS i;
INSERT INTO bookings (user_id, lot_id, lot_name, spot_id, spot_number, type, vehicle_number, created_at, starts_at,
                      occupied_until, ended_at, price_cents, cost_cents, status)
  SELECT u.id, s.lot_id, l.name, s.id, s.number, 'immediate', 'B ' || (i % 9000 + 1000),
         $now - 86400 * 90 + i * (86400 * 89 / $past_bookings), $now - 86400 * 90 + i * (86400 * 89 / $past_bookings),
         $now - 86400 * 90 + i * (86400 * 89 / $past_bookings) + 3600 + (i % 7) * 600,
         $now - 86400 * 90 + i * (86400 * 89 / $past_bookings) + 3600 + (i % 7) * 600,
         l.price_cents, l.price_cents + (i % 7) * l.price_cents / 6, 'Completed'
  FROM generate_series(1, $past_bookings) AS i
  JOIN users u ON u.id = (SELECT min(id) FROM users) + 1 + (i % 1000)
  JOIN spots s ON s.id = (SELECT min(id) FROM spots) + (i % 1000) JOIN lots l ON l.id = s.lot_id;
ANALYZE;
SQL
checkpoint
tokens="$work/tokens.txt"
: >"$tokens"
for i in $(seq 1 100); do
  r=$(curl -fs -XPOST "$base/auth/login" -H 'Content-Type: application/json' \
    -d "{\"email\":\"bench$i@example.com\",\"password\":\"bench-password\"}")
  echo "$(echo "$r" | json '["user"]["id"]') $(echo "$r" | json '["token"]')" >>"$tokens"
done
export BENCH_TOKENS="$tokens" BENCH_LOTS=10

run_wrk() {  # name script connections url; a book_release request is one transaction
  local script="$work/$1.lua"
  cat "$here/common.lua" "$here/$2" "$here/report.lua" >"$script"
  wrk -t2 -c"$3" -d"${duration}s" --latency -s "$script" "$4" 2>&1 | grep RESULT | sed "s/^RESULT/$1/"
}
# Until the worker has sent every confirmation email queued so far (120 s at most): a
# booking run leaves a backlog, which the next run would otherwise share the cores with.
drain_jobs() {
  local t0=$SECONDS left
  while left=$(psql -tA "$db_url" -c "SELECT count(*) FROM jobs WHERE status IN ('queued', 'running')") &&
    ((left > 0 && SECONDS - t0 < 120)); do
    sleep 0.5
  done
  echo "  (worker's queue: $left jobs left after $((SECONDS - t0)) s)" >&2
}
results="$work/results.txt"
: >"$results"
run_wrk book-release-16 book_release.lua 16 "$base" | tee -a "$results"
drain_jobs
run_wrk book-release-64 book_release.lua 64 "$base" | tee -a "$results"
drain_jobs
run_wrk lots-32 lots.lua 32 "$base" | tee -a "$results"
run_wrk healthz-pg healthz.lua 64 "$base" | tee -a "$results"
start_parkd "$port_s" ""
run_wrk healthz-sqlite healthz.lua 64 "http://127.0.0.1:$port_s" | tee -a "$results"

# Two API instances on the one database, each driven by its own wrk at the same time,
# compared with one instance at the same total of 64 connections: the mean of the run
# above and one just before the two (run to run, one instance's figure moves by 10-20 %
# on a shared VM; two measures of it make the reference steadier). The lot list and
# healthz runs book nothing: the queue was emptied before them.
run_wrk book-release-64b book_release.lua 64 "$base" | tee -a "$results"
drain_jobs
start_parkd "$port_b" "$db_url" --no-worker --no-scheduler
run_wrk book-release-A book_release.lua 32 "$base" >"$work/a.txt" &
wa=$!
run_wrk book-release-B book_release.lua 32 "http://127.0.0.1:$port_b" >"$work/b.txt" &
wb=$!
wait "$wa" "$wb"
cat "$work/a.txt" "$work/b.txt" | tee -a "$results"

# TPC-B-like once more, after parkd's runs: the writes' reference is the mean of the two
# (run to run, pgbench's own figure moved from 2 364 to 3 624 tps here, so one measure of
# it decided more than parkd did whether a ratio passed).
drain_jobs
checkpoint
tpcb2=$(pgbench_tps 16)
tpcb=$(((tpcb1 + tpcb2) / 2))
echo "pgbench TPC-B-like again, 16 clients: $tpcb2 tps (mean of the two: $tpcb tps)"

echo
printf "%-20s %10s %9s %9s %8s\n" scenario "req/s" "p50 ms" "p99 ms" errors
while read -r name rest; do
  eval "$rest"
  printf "%-20s %10s %9s %9s %8s\n" "$name" "$rps" "$p50_ms" "$p99_ms" "$errors"
done <"$results"
field_of() { awk -v n="$1" -v f="$2=" '$1==n {for (i = 2; i <= NF; i++) if (index($i, f) == 1) print substr($i, length(f) + 1)}' "$results"; }
rps_of() { field_of "$1" rps; }
ratio() {  # label, value, reference, target %
  python3 -c "v, r = float('$2' or 0), float('$3' or 0); p = v / r * 100 if r else 0
print(f'{\"$1\":<58} {p:5.0f} %  (target >= $4 %)', '' if p >= $4 else ' not met')"
}
echo
echo "against issue 22's targets (pgbench TPC-B-like $tpcb tps, the mean of $tpcb1 and $tpcb2; select-only $select_only tps):"
ratio "book+release, 16 connections: parkd tx/s / TPC-B" "$(rps_of book-release-16)" "$tpcb" 100
ratio "book+release, 64 connections: parkd tx/s / TPC-B" "$(rps_of book-release-64)" "$tpcb" 100
ratio "GET /api/lots, 32 connections: req/s / select-only" "$(rps_of lots-32)" "$select_only" 100
echo "GET /api/lots, 32 connections: p99 $(field_of lots-32 p99_ms) ms (target < 20 ms)"
# Within 20 %: the PostgreSQL-backed instance reaches at least 80 % of the SQLite-backed one.
ratio "/healthz PostgreSQL-backed / SQLite-backed" "$(rps_of healthz-pg)" "$(rps_of healthz-sqlite)" 80
ratio "book+release, two instances (2 x 32) / one instance (64)" \
  "$(($(rps_of book-release-A) + $(rps_of book-release-B)))" \
  "$((($(rps_of book-release-64) + $(rps_of book-release-64b)) / 2))" 90
echo
bookings=$(psql -tA "$db_url" -c "SELECT count(*) FROM bookings WHERE created_at >= $now")
echo "bookings acknowledged and stored during the run: $bookings"
overlaps=$(psql -tA "$db_url" -c "SELECT count(*) FROM bookings a JOIN bookings b ON a.spot_id = b.spot_id AND a.id < b.id
  AND a.starts_at < b.occupied_until AND b.starts_at < a.occupied_until
  AND a.status IN ('Reserved','Active') AND b.status IN ('Reserved','Active')")
echo "overlapping bookings of one spot at the end: $overlaps"
