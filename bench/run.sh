#!/usr/bin/env bash
# make bench: starts parkd (release build) on a fresh database in a temporary folder,
# seeds realistic data, runs wrk scenarios from a second process on loopback and prints
# one table. Never fails on a number. Knobs: BENCH_DURATION (s, default 10),
# BENCH_CONNECTIONS (64), BENCH_SCALE (1 = 100 000 past bookings; 10 = 1 000 000),
# SQLITE_SYNCHRONOUS (FULL default; the book-release scenario also runs with NORMAL),
# BENCH_SCENARIOS (which wrk scenarios to run, default all: healthz lots lot quote
# book-release mixed login book-release-NORMAL book-release-api-only; `lot` is
# GET /api/lots/{id}, `quote` POST /api/quote with immediate and reserved windows in
# turn, printed as a ratio to `lot`; empty: only the CSV download, reports and exports,
# e.g. `BENCH_SCALE=10 BENCH_SCENARIOS= bench/run.sh`),
# PARKD_BINARY (the parkd to measure, default build/release/parkd: an A/B pair runs this
# script alternately with an older build and this one).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
parkd="${PARKD_BINARY:-$root/build/release/parkd}"
duration=${BENCH_DURATION:-10}
connections=${BENCH_CONNECTIONS:-64}
scale=${BENCH_SCALE:-1}
scenarios=" ${BENCH_SCENARIOS-healthz lots lot quote book-release mixed login book-release-NORMAL book-release-api-only} "
wanted() { [[ "$scenarios" == *" $1 "* ]]; }
past_bookings=$((100000 * scale))
if [[ -n "${scenarios// /}" ]] && ! command -v wrk >/dev/null; then
  echo "bench/run.sh: wrk is not installed (make bench installs it, or: apt-get install wrk)" >&2
  exit 1
fi
work=$(mktemp -d /tmp/parkd-bench.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
pid=""
cleanup() { [[ -n "$pid" ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

start_parkd() {  # $1 = SQLITE_SYNCHRONOUS, then extra `parkd serve` flags
  local sync=$1
  shift
  (cd "$work" && exec env PORT="$port" HOST=127.0.0.1 DATABASE_URL="sqlite:///$work/parking.db" INSTANCE_DIR="$work/instance" \
    SECRET_KEY=bench-secret-key-0123456789abcdef ADMIN_EMAIL=admin@bench.local ADMIN_PASSWORD=bench-admin-pw \
    SQLITE_SYNCHRONOUS="$sync" CRON_COMPLETE_RESERVATIONS="0 0 1 1 *" LOG_LEVEL="${LOG_LEVEL:-info}" \
    "$parkd" serve "$@" >>"$work/parkd.log" 2>&1) &
  pid=$!
  for _ in $(seq 100); do curl -fs "$base/healthz" >/dev/null 2>&1 && return; sleep 0.1; done
  echo "parkd did not start:"; cat "$work/parkd.log"; exit 1
}
stop_parkd() { kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""; }
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$pid/status"; }
hwm_kb() { awk '/^VmHWM/ {print $2}' "/proc/$pid/status"; }
json() { python3 -c "import sys,json; print(json.load(sys.stdin)$1)"; }

echo "parkd benchmark — $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "seeding: 10 lots x 100 spots, 1000 users, $past_bookings past bookings ..."
start_parkd FULL
admin=$(curl -fs -XPOST "$base/auth/login" -H 'Content-Type: application/json' \
  -d '{"email":"admin@bench.local","password":"bench-admin-pw"}' | json '["token"]')
for i in $(seq 1 10); do
  curl -fs -XPOST "$base/api/lots" -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' \
    -d "{\"name\":\"Lot $i\",\"capacity\":100,\"price_per_hour\":$((i + 2)).50,\"address\":\"$i Bench Street\"}" >/dev/null
done
curl -fs -XPOST "$base/auth/register" -H 'Content-Type: application/json' \
  -d '{"email":"bench1@example.com","password":"bench-password"}' >/dev/null
# The other 999 users share bench1's Argon2id hash (registering each would only time hashing).
sqlite3 "$work/parking.db" >/dev/null <<SQL
PRAGMA busy_timeout = 10000;
INSERT INTO users (email, username, password_hash, role, token_version, created_at)
  WITH RECURSIVE n(i) AS (SELECT 2 UNION ALL SELECT i + 1 FROM n WHERE i < 1000)
  SELECT 'bench' || i || '@example.com', NULL, (SELECT password_hash FROM users WHERE email = 'bench1@example.com'),
         'user', 0, unixepoch() - 86400 * 100 FROM n;
INSERT INTO bookings (user_id, lot_id, lot_name, spot_id, spot_number, type, vehicle_number, created_at, starts_at,
                      occupied_until, ended_at, price_cents, cost_cents, status)
  WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $past_bookings)
  SELECT u.id, s.lot_id, l.name, s.id, s.number, 'immediate', 'B ' || (i % 9000 + 1000),
         unixepoch() - 86400 * 90 + i * (86400 * 89 / $past_bookings), unixepoch() - 86400 * 90 + i * (86400 * 89 / $past_bookings),
         unixepoch() - 86400 * 90 + i * (86400 * 89 / $past_bookings) + 3600 + (i % 7) * 600,
         unixepoch() - 86400 * 90 + i * (86400 * 89 / $past_bookings) + 3600 + (i % 7) * 600,
         l.price_cents, l.price_cents + (i % 7) * l.price_cents / 6, 'Completed'
  FROM n JOIN users u ON u.id = 2 + (i % 1000) JOIN spots s ON s.id = 1 + (i % 1000) JOIN lots l ON l.id = s.lot_id;
SQL
tokens="$work/tokens.txt"
: >"$tokens"
for i in $(seq 1 100); do
  r=$(curl -fs -XPOST "$base/auth/login" -H 'Content-Type: application/json' \
    -d "{\"email\":\"bench$i@example.com\",\"password\":\"bench-password\"}")
  echo "$(echo "$r" | json '["user"]["id"]') $(echo "$r" | json '["token"]')" >>"$tokens"
done
export BENCH_TOKENS="$tokens" BENCH_LOTS=10
idle_rss=$(rss_kb)

run_wrk() {  # name script connections
  wanted "$1" || return 0
  local script="$work/$1.lua"
  cat "$here/common.lua" "$here/$2" "$here/report.lua" >"$script"
  wrk -t2 -c"$3" -d"${duration}s" --latency -s "$script" "$base" 2>&1 | grep RESULT | sed "s/^RESULT/$1/"
}
results="$work/results.txt"
: >"$results"
run_wrk healthz healthz.lua "$connections" | tee -a "$results"
run_wrk lots lots.lua "$connections" | tee -a "$results"
run_wrk lot lot.lua "$connections" | tee -a "$results"
run_wrk quote quote.lua "$connections" | tee -a "$results"
# mixed before book-release: every cycle of book-release leaves a completed booking
# behind (60 000 in a 10 s run), and mixed reads each user's statistics, whose cost
# grows with that history: run after it, mixed measured the previous run's speed.
run_wrk mixed mixed.lua "$connections" | tee -a "$results"
run_wrk book-release book_release.lua "$connections" | tee -a "$results"
run_wrk login login.lua 8 | tee -a "$results"
peak_rss=$(hwm_kb)

# The admin's streamed CSV download of every booking, timed by curl, with parkd's RSS
# before and after (streaming: it should not grow with the row count).
admin_token=$(curl -fs -XPOST "$base/auth/login" -H 'Content-Type: application/json' \
  -d '{"email":"admin@bench.local","password":"bench-admin-pw"}' | json '["token"]')
rss_before_csv=$(rss_kb)
csv_line=$(curl -fs -o /dev/null -w '%{time_total} s, %{size_download} bytes' "$base/api/admin/bookings/export.csv" \
  -H "Authorization: Bearer $admin_token")
rss_after_csv=$(rss_kb)
stop_parkd

# Reports and the emailed export, each timed as a whole `parkd send` on the same data.
# The booking confirmations the load above queued are marked done first: they are not
# what is being timed here (the worker sent most of them already).
sqlite3 "$work/parking.db" >/dev/null "PRAGMA busy_timeout = 10000; UPDATE jobs SET status = 'succeeded' WHERE status IN ('queued', 'failed', 'running');"
time_send() {  # what
  /usr/bin/time -o "$work/send.time" -f "%e s, peak RSS %M KB" env DATABASE_URL="sqlite:///$work/parking.db" \
    INSTANCE_DIR="$work/instance" ADMIN_EMAIL=admin@bench.local LOG_LEVEL=warn "$parkd" send "$1" >"$work/send.out" 2>&1 || true
  echo "$(tail -1 "$work/send.time") ($(tail -1 "$work/send.out" | cut -d';' -f1))"
}
reports_line=$(time_send --reports)
export_line=$(time_send --exports)

# Durability trade-off: the same book-release run with synchronous=NORMAL.
if wanted book-release-NORMAL; then
  start_parkd NORMAL
  run_wrk book-release-NORMAL book_release.lua "$connections" | tee -a "$results"
  stop_parkd
fi

# An API-only instance (`serve --no-worker`: confirmations are queued in the same
# transaction and sent by a worker elsewhere), synchronous=FULL.
if wanted book-release-api-only; then
  start_parkd FULL --no-worker
  run_wrk book-release-api-only book_release.lua "$connections" | tee -a "$results"
  stop_parkd
fi

echo
printf "%-20s %10s %9s %9s %8s\n" scenario "req/s" "p50 ms" "p99 ms" errors
while read -r name rest; do
  eval "$rest"  # rps= p50_ms= p99_ms= errors= requests=, from report.lua
  # shellcheck disable=SC2154
  printf "%-20s %10s %9s %9s %8s\n" "$name" "$rps" "$p50_ms" "$p99_ms" "$errors"
done <"$results"
healthz=$(awk '$1=="healthz" {sub("rps=","",$2); print $2}' "$results")
lots=$(awk '$1=="lots" {sub("rps=","",$2); print $2}' "$results")
lot=$(awk '$1=="lot" {sub("rps=","",$2); print $2}' "$results")
quote=$(awk '$1=="quote" {sub("rps=","",$2); print $2}' "$results")
br=$(awk '$1=="book-release" {sub("rps=","",$2); print $2}' "$results")
brn=$(awk '$1=="book-release-NORMAL" {sub("rps=","",$2); print $2}' "$results")
bra=$(awk '$1=="book-release-api-only" {sub("rps=","",$2); print $2}' "$results")
echo
[[ -n "$lots" && -n "$healthz" ]] && echo "lots / healthz: $(python3 -c "print(f'{$lots / $healthz * 100:.0f}%')")"
[[ -n "$lot" && -n "$quote" ]] && echo "quote / lot (POST /api/quote against GET /api/lots/{id}): $(python3 -c "print(f'{$quote / $lot * 100:.0f}%')")"
[[ -n "$br" ]] && echo "book-release cycles/s: $((br / 2)) (synchronous=FULL, worker sending confirmations in-process)"
[[ -n "$brn" ]] && echo "book-release cycles/s: $((brn / 2)) (synchronous=NORMAL)"
[[ -n "$bra" ]] && echo "book-release cycles/s: $((bra / 2)) (synchronous=FULL, API only: serve --no-worker)"
echo "parkd RSS: idle $((idle_rss / 1024)) MB, peak under load $((peak_rss / 1024)) MB"
echo "admin CSV download of all $past_bookings+ bookings (streamed): $csv_line; parkd RSS $((rss_before_csv / 1024)) MB before, $((rss_after_csv / 1024)) MB after"
echo "parkd send --reports (monthly: admin + each user active last month; daily admin report): $reports_line"
echo "parkd send --exports (the admin's emailed export: users, lots, bookings attached): $export_line"
