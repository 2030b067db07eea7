#!/usr/bin/env bash
# make bench-pg: the wrk scenarios against PostgreSQL, first with one parkd instance,
# then book-release split over two instances on the same database (what running
# several API machines gives). Starts a throwaway PostgreSQL cluster (or uses
# BENCH_POSTGRES_URL, an admin URL of an existing server: a database parkd_bench is
# created and dropped there). Never fails on a number. Knobs as in bench/run.sh:
# BENCH_DURATION (s, default 10), BENCH_CONNECTIONS (64), BENCH_SCALE.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
parkd="$root/build/release/parkd"
duration=${BENCH_DURATION:-10}
connections=${BENCH_CONNECTIONS:-64}
scale=${BENCH_SCALE:-1}
past_bookings=$((100000 * scale))
work=$(mktemp -d /tmp/parkd-bench-pg.XXXXXX)
chmod 755 "$work"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port_a=$(free_port)
port_b=$(free_port)
pids=()
cluster=""
if [[ -n "${BENCH_POSTGRES_URL:-}" ]]; then
  admin_url=$BENCH_POSTGRES_URL
else
  pg_port=$(free_port)
  cluster="$work/pg"
  "$root/scripts/pg-test-cluster.sh" start "$cluster" "$pg_port" >/dev/null
  admin_url="postgresql://postgres@127.0.0.1:$pg_port/postgres"
fi
db_url="${admin_url%/*}/parkd_bench"
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  psql -q "$admin_url" -c "DROP DATABASE IF EXISTS parkd_bench WITH (FORCE)" >/dev/null 2>&1 || true
  [[ -n "$cluster" ]] && "$root/scripts/pg-test-cluster.sh" stop "$cluster" "$pg_port" >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT
psql -q "$admin_url" -c "DROP DATABASE IF EXISTS parkd_bench WITH (FORCE)" -c "CREATE DATABASE parkd_bench" >/dev/null

start_parkd() {  # port, extra args...
  local port=$1
  shift
  (cd "$work" && exec env PORT="$port" HOST=127.0.0.1 DATABASE_URL="$db_url" INSTANCE_DIR="$work/instance" \
    SECRET_KEY=bench-secret-key-0123456789abcdef ADMIN_EMAIL=admin@bench.local ADMIN_PASSWORD=bench-admin-pw \
    CRON_COMPLETE_RESERVATIONS="0 0 1 1 *" LOG_LEVEL="${LOG_LEVEL:-warn}" \
    "$parkd" serve "$@" >>"$work/parkd-$port.log" 2>&1) &
  pids+=($!)
  for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && return; sleep 0.1; done
  echo "parkd did not start:"; cat "$work/parkd-$port.log"; exit 1
}
json() { python3 -c "import sys,json; print(json.load(sys.stdin)$1)"; }

echo "parkd PostgreSQL benchmark — $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(psql -tA "$admin_url" -c 'SHOW server_version')"
echo "seeding: 10 lots x 100 spots, 1000 users, $past_bookings past bookings ..."
start_parkd "$port_a"
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
tokens="$work/tokens.txt"
: >"$tokens"
for i in $(seq 1 100); do
  r=$(curl -fs -XPOST "$base/auth/login" -H 'Content-Type: application/json' \
    -d "{\"email\":\"bench$i@example.com\",\"password\":\"bench-password\"}")
  echo "$(echo "$r" | json '["user"]["id"]') $(echo "$r" | json '["token"]')" >>"$tokens"
done
export BENCH_TOKENS="$tokens" BENCH_LOTS=10

run_wrk() {  # name script connections url
  local script="$work/$1.lua"
  cat "$here/common.lua" "$here/$2" "$here/report.lua" >"$script"
  wrk -t2 -c"$3" -d"${duration}s" --latency -s "$script" "$4" 2>&1 | grep RESULT | sed "s/^RESULT/$1/"
}
results="$work/results.txt"
: >"$results"
run_wrk healthz healthz.lua "$connections" "$base" | tee -a "$results"
run_wrk lots lots.lua "$connections" "$base" | tee -a "$results"
run_wrk book-release book_release.lua "$connections" "$base" | tee -a "$results"
run_wrk mixed mixed.lua "$connections" "$base" | tee -a "$results"

# Two API instances on the one database, each driven by its own wrk at the same time.
start_parkd "$port_b" --no-worker --no-scheduler
half=$((connections / 2))
run_wrk book-release-A book_release.lua "$half" "$base" >"$work/a.txt" &
wa=$!
run_wrk book-release-B book_release.lua "$half" "http://127.0.0.1:$port_b" >"$work/b.txt" &
wb=$!
wait "$wa" "$wb"
cat "$work/a.txt" "$work/b.txt" | tee -a "$results"

echo
printf "%-20s %10s %9s %9s %8s\n" scenario "req/s" "p50 ms" "p99 ms" errors
while read -r name rest; do
  eval "$rest"
  printf "%-20s %10s %9s %9s %8s\n" "$name" "$rps" "$p50_ms" "$p99_ms" "$errors"
done <"$results"
rps_of() { awk -v n="$1" '$1==n {sub("rps=","",$2); print $2}' "$results"; }
echo
echo "lots / healthz: $(python3 -c "print(f'{$(rps_of lots) / $(rps_of healthz) * 100:.0f}%')")"
echo "book-release cycles/s, one instance: $(($(rps_of book-release) / 2))"
echo "book-release cycles/s, two instances on one database: $((($(rps_of book-release-A) + $(rps_of book-release-B)) / 2))"
bookings=$(psql -tA "$db_url" -c "SELECT count(*) FROM bookings WHERE created_at >= $now")
overlaps=$(psql -tA "$db_url" -c "SELECT count(*) FROM bookings a JOIN bookings b ON a.spot_id = b.spot_id AND a.id < b.id
  AND a.status IN ('Reserved','Active') AND b.status IN ('Reserved','Active')")
echo "bookings made during the run: $bookings; spots held twice at the end: $overlaps"
