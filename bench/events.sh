#!/usr/bin/env bash
# make bench-events: many live event streams (GET /api/events) on one parkd. Starts
# parkd on a free port with a fresh SQLite instance, one lot of 100 spots and a few
# logged-in users, then bench/events_client.py opens BENCH_STREAMS (default 1000)
# streams with ?access_token= and times until every one has its `lots` snapshot, makes
# BENCH_CHANGES (default 20) bookings and releases one at a time and times each one's
# fan-out (until all streams have the matching `lot` event), checks that no stream lost
# an event, and reads parkd's RSS and thread count from /proc. Builds nothing; never
# fails on a number. Knobs: BENCH_PARKD (the binary), BENCH_STREAMS, BENCH_CHANGES,
# BENCH_USERS (default 4).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
parkd=${BENCH_PARKD:-$root/build/release/parkd}
streams=${BENCH_STREAMS:-1000}
changes=${BENCH_CHANGES:-20}
users=${BENCH_USERS:-4}
[[ -x "$parkd" ]] || { echo "no parkd binary at $parkd: make build, or set BENCH_PARKD" >&2; exit 1; }

# parkd and the client each hold one descriptor per stream.
need_fds=$((streams + 256))
if (($(ulimit -n) < need_fds)); then
  ulimit -n "$need_fds" 2>/dev/null || ulimit -n "$(ulimit -Hn)"
fi
if (($(ulimit -n) < need_fds)); then
  echo "warning: open files limited to $(ulimit -n), $need_fds wanted; some streams may fail" >&2
fi

work=$(mktemp -d /tmp/parkd-bench-events.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
pid=""
cleanup() {
  if [[ -n "$pid" ]]; then kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; fi
  rm -rf "$work"
}
trap cleanup EXIT

(cd "$work" && exec env PORT="$port" HOST=127.0.0.1 INSTANCE_DIR="$work" \
  SECRET_KEY=bench-secret-key-0123456789abcdef ADMIN_EMAIL=admin@bench.local ADMIN_PASSWORD=bench-admin-pw \
  MAX_CONNECTIONS=$((streams + 64)) MAX_EVENT_STREAMS=$((streams + 16)) \
  CRON_COMPLETE_RESERVATIONS="0 0 1 1 *" LOG_LEVEL="${LOG_LEVEL:-warn}" \
  "$parkd" serve >>"$work/parkd.log" 2>&1) &
pid=$!
base="http://127.0.0.1:$port"
for _ in $(seq 100); do curl -fs "$base/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
curl -fs "$base/healthz" >/dev/null || { echo "parkd did not start:"; cat "$work/parkd.log"; exit 1; }
json() { python3 -c "import sys,json; print(json.load(sys.stdin)$1)"; }

admin=$(curl -fs -XPOST "$base/auth/login" -H 'Content-Type: application/json' \
  -d '{"email":"admin@bench.local","password":"bench-admin-pw"}' | json '["token"]')
lot=$(curl -fs -XPOST "$base/api/lots" -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' \
  -d '{"name":"Events Lot","capacity":100,"price_per_hour":2.50,"address":"1 Bench Street"}' | json '.get("lot", {}).get("id")')
tokens="$work/tokens.txt"
: >"$tokens"
for i in $(seq 1 "$users"); do
  curl -fs -XPOST "$base/auth/register" -H 'Content-Type: application/json' \
    -d "{\"email\":\"events$i@example.com\",\"password\":\"bench-password\"}" >/dev/null
  curl -fs -XPOST "$base/auth/login" -H 'Content-Type: application/json' \
    -d "{\"email\":\"events$i@example.com\",\"password\":\"bench-password\"}" | json '["token"]' >>"$tokens"
done

echo "parkd live events benchmark — $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores," \
  "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), open files $(ulimit -n)"
echo "$streams streams over $users users, $changes changes (book/release) of lot $lot, one at a time"
python3 "$here/events_client.py" --port "$port" --pid "$pid" --tokens "$tokens" --lot "$lot" \
  --streams "$streams" --changes "$changes"
