#!/usr/bin/env bash
# make bench-events: many live event streams (GET /api/events) on one parkd, by default
# while the book-release benchmark runs. Starts parkd on a free port with a fresh SQLite
# instance (durable defaults: synchronous=FULL, the worker in-process), then
# bench/events_client (bench/events_client.cpp, built by make bench-events) opens
# BENCH_STREAMS (default 1000) streams with ?access_token=
# and times until every one has its `lots` snapshot, and times the fan-out of bookings
# and releases of one lot of 100 spots made one at a time (until all streams have the
# matching `lot` event, also from the booking's 201), checks that no stream lost an
# event, and reads parkd's RSS and thread count from /proc.
#
# With BENCH_LOAD=1 (the default): 10 more lots and BENCH_LOAD_USERS (40) users for
# wrk running bench/book_release.lua (2 threads, BENCH_CONNECTIONS=64 connections,
# BENCH_DURATION=10 s), in BENCH_ROUNDS (3) rounds: a run before the streams open, then
# per round the streams opened, a run with them open while the timed changes go on (one
# every 0.1 s after the last fan-out) until wrk ends, the streams closed and a run
# without them. Prints book-release cycles/s without / with the streams and the drop,
# mean against mean and each with-streams run against the runs on either side (one
# 10 s run differs from the next by up to 20 % here, more than the cost measured). wrk,
# the client and parkd share the machine's cores, so the with-streams figure also pays
# for the client reading every stream. BENCH_LOAD=0: no load, and
# BENCH_CHANGES (default 20) changes. Other knobs: BENCH_PARKD and BENCH_CLIENT (the
# binaries; builds nothing), BENCH_USERS (the streams' users, default 4). Never fails on
# a number.
#
# The confirmation emails (the file transport: one fsync'ed file each, some 100 000 a
# run) go to an outbox on tmpfs (/dev/shm) when there is one; the database stays on
# disk. On ext4, each run's files, created and then deleted, made the next run slower
# (inode allocation passing over recently deleted inodes: 10 % of parkd's CPU in a
# profile), a drift the before/with/after comparison cannot tell from the streams' cost.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
parkd=${BENCH_PARKD:-$root/build/release/parkd}
client=${BENCH_CLIENT:-$root/build/release/events_client}
streams=${BENCH_STREAMS:-1000}
changes=${BENCH_CHANGES:-20}
users=${BENCH_USERS:-4}
load=${BENCH_LOAD:-1}
rounds=${BENCH_ROUNDS:-3}
load_users=${BENCH_LOAD_USERS:-40}
connections=${BENCH_CONNECTIONS:-64}
duration=${BENCH_DURATION:-10}
[[ -x "$parkd" ]] || { echo "no parkd binary at $parkd: make build, or set BENCH_PARKD" >&2; exit 1; }
[[ -x "$client" ]] || { echo "no client at $client: make bench-events, or set BENCH_CLIENT" >&2; exit 1; }
if [[ "$load" == 1 ]] && ! command -v wrk >/dev/null; then
  echo "bench/events.sh: wrk is not installed (scripts/install-deps.sh bench), or BENCH_LOAD=0" >&2
  exit 1
fi

# parkd and the client each hold one descriptor per stream.
need_fds=$((streams + connections + 256))
if (($(ulimit -n) < need_fds)); then
  ulimit -n "$need_fds" 2>/dev/null || ulimit -n "$(ulimit -Hn)"
fi
if (($(ulimit -n) < need_fds)); then
  echo "warning: open files limited to $(ulimit -n), $need_fds wanted; some streams may fail" >&2
fi

work=$(mktemp -d /tmp/parkd-bench-events.XXXXXX)
outbox=$(mktemp -d /dev/shm/parkd-bench-outbox.XXXXXX 2>/dev/null) || outbox="$work/outbox"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
pid=""
cleanup() {
  if [[ -n "$pid" ]]; then kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; fi
  rm -rf "$work" "$outbox"
}
trap cleanup EXIT

(cd "$work" && exec env PORT="$port" HOST=127.0.0.1 INSTANCE_DIR="$work" OUTBOX_DIR="$outbox" \
  SECRET_KEY=bench-secret-key-0123456789abcdef ADMIN_EMAIL=admin@bench.local ADMIN_PASSWORD=bench-admin-pw \
  MAX_CONNECTIONS=$((streams + connections + 64)) MAX_EVENT_STREAMS=$((streams + 16)) \
  CRON_COMPLETE_RESERVATIONS="0 0 1 1 *" LOG_LEVEL="${LOG_LEVEL:-warn}" \
  "$parkd" serve >>"$work/parkd.log" 2>&1) &
pid=$!
base="http://127.0.0.1:$port"
for _ in $(seq 100); do curl -fs "$base/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
curl -fs "$base/healthz" >/dev/null || { echo "parkd did not start:"; cat "$work/parkd.log"; exit 1; }
json() { python3 -c "import sys,json; print(json.load(sys.stdin)$1)"; }
post() {  # path body [token]
  curl -fs -XPOST "$base$1" -H 'Content-Type: application/json' ${3:+-H "Authorization: Bearer $3"} -d "$2"
}
new_user() {  # email: registers and logs in; prints the login answer
  # Tried again after a pause: a login can be refused (503) while others hash passwords.
  local answer=""
  for _ in 1 2 3 4 5; do
    post /auth/register "{\"email\":\"$1\",\"password\":\"bench-password\"}" >/dev/null || true
    answer=$(post /auth/login "{\"email\":\"$1\",\"password\":\"bench-password\"}") && break
    sleep 0.5
  done
  [[ -n "$answer" ]] || { echo "cannot register and log in $1" >&2; return 1; }
  echo "$answer"
}
new_lot() {  # name: prints its id
  post /api/lots "{\"name\":\"$1\",\"capacity\":100,\"price_per_hour\":2.50,\"address\":\"1 Bench Street\"}" "$admin" |
    json '.get("lot", {}).get("id")'
}

admin=$(post /auth/login '{"email":"admin@bench.local","password":"bench-admin-pw"}' | json '["token"]')
load_cmd=""
if [[ "$load" == 1 ]]; then
  # book_release.lua books lots 1..BENCH_LOTS: created first, so the streams' lot is
  # another one and its `lot` events come from the timed changes only.
  for i in $(seq 1 10); do new_lot "Load Lot $i" >/dev/null; done
  export BENCH_TOKENS="$work/load_tokens.txt" BENCH_LOTS=10  # "<user_id> <token>" lines, read by common.lua
  : >"$BENCH_TOKENS"
  seeding=()  # four at a time: each is two Argon2id hashes (not `wait` alone: parkd is a job too)
  for i in $(seq 1 "$load_users"); do
    new_user "load$i@example.com" | python3 -c 'import sys,json; r=json.load(sys.stdin); print(r["user"]["id"], r["token"])' \
      >>"$BENCH_TOKENS" &
    seeding+=($!)
    if ((${#seeding[@]} == 4)); then wait "${seeding[@]}"; seeding=(); fi
  done
  if ((${#seeding[@]})); then wait "${seeding[@]}"; fi
  cat "$here/common.lua" "$here/book_release.lua" "$here/report.lua" >"$work/book_release.lua"
  load_cmd="wrk -t2 -c$connections -d${duration}s --latency -s $work/book_release.lua $base"
fi
lot=$(new_lot "Events Lot")
tokens="$work/tokens.txt"
: >"$tokens"
for i in $(seq 1 "$users"); do new_user "events$i@example.com" | json '["token"]' >>"$tokens"; done

echo "parkd live events benchmark — $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores," \
  "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), open files $(ulimit -n), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "$streams streams over $users users on lot $lot; changes (book/release) of it one at a time"
if [[ -n "$load_cmd" ]]; then
  echo "load: book-release over $(wc -l <"$BENCH_TOKENS") users and 10 other lots, wrk -t2 -c$connections," \
    "${duration} s a run; wrk, this client and parkd share the $(nproc) cores"
  "$client" --port "$port" --pid "$pid" --tokens "$tokens" --lot "$lot" \
    --streams "$streams" --changes "$changes" --gap 0.1 --load "$load_cmd" --admin-token "$admin" \
    --rounds "$rounds"
else
  "$client" --port "$port" --pid "$pid" --tokens "$tokens" --lot "$lot" \
    --streams "$streams" --changes "$changes"
fi
