#!/usr/bin/env bash
# Job throughput of `parkd worker`: queues JOBS_N (2000) selftest jobs (no failure, no
# sleep) straight into the jobs table of a fresh database with the sqlite3 CLI, starts
# one worker with WORKER_CONCURRENCY (2) and times it from start until every job has
# succeeded. Prints jobs/s. Each job is two write transactions (claim, finish), so this
# measures the queue's own overhead, not any task. Knobs: PARKD (the binary; default
# build/release/parkd), JOBS_N, WORKER_CONCURRENCY, SQLITE_SYNCHRONOUS (FULL default),
# LOG_LEVEL (warn: one info line per job would be measured too).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
parkd=$(realpath "${PARKD:-$root/build/release/parkd}")
n=${JOBS_N:-2000}
concurrency=${WORKER_CONCURRENCY:-2}
sync=${SQLITE_SYNCHRONOUS:-FULL}
command -v sqlite3 >/dev/null || { echo "jobs_bench: needs the sqlite3 CLI (apt-get install sqlite3)"; exit 1; }
work=$(mktemp -d /tmp/parkd-jobs-bench.XXXXXX)
pid=""
cleanup() { [[ -n "$pid" ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

export DATABASE_URL="sqlite:///$work/parking.db" INSTANCE_DIR="$work/instance" \
  SECRET_KEY=bench-secret-key-0123456789abcdef ADMIN_EMAIL=admin@bench.local \
  SQLITE_SYNCHRONOUS="$sync" WORKER_CONCURRENCY="$concurrency" LOG_LEVEL="${LOG_LEVEL:-warn}"
db="$work/parking.db"
"$parkd" db migrate >/dev/null
sqlite3 "$db" <<SQL
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $n)
INSERT INTO jobs (type, payload, status, max_attempts, run_at, created_at)
SELECT 'selftest', '{"fail_first":0}', 'queued', 8, unixepoch(), unixepoch() FROM n;
SQL

start=$(date +%s.%N)
(cd "$work" && exec "$parkd" worker >>"$work/worker.log" 2>&1) &
pid=$!
while [[ $(sqlite3 -cmd '.timeout 5000' "$db" "SELECT COUNT(*) FROM jobs WHERE status = 'succeeded'") -lt $n ]]; do
  kill -0 "$pid" 2>/dev/null || { echo "the worker died:"; cat "$work/worker.log"; exit 1; }
  sleep 0.05
done
end=$(date +%s.%N)
other=$(sqlite3 "$db" "SELECT COUNT(*) FROM jobs WHERE status != 'succeeded' OR attempts != 1")
python3 - "$n" "$start" "$end" "$concurrency" "$sync" "$other" <<'PY'
import sys
n, start, end, conc, sync, other = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), sys.argv[4], sys.argv[5], sys.argv[6]
secs = end - start
print(f"{n} selftest jobs, WORKER_CONCURRENCY={conc}, SQLITE_SYNCHRONOUS={sync}: "
      f"{secs:.2f} s from worker start to the last success = {n / secs:.0f} jobs/s "
      f"(jobs not succeeded on their first attempt: {other})")
PY
