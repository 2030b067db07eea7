#!/usr/bin/env bash
# Runs each libFuzzer target of a PARKD_FUZZ build (make fuzz) for FUZZ_SECONDS, on a copy
# of its seed corpus, so the inputs libFuzzer adds never land in the source tree. Prints
# the executions per target; exits non-zero if any target crashed, leaked, timed out or
# broke a property (the input is then saved as <build>/artifacts/<target>-crash-*).
#
#   scripts/fuzz.sh <build-dir> [target...]     (default: every target)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:?usage: $0 <build-dir> [target...]}"
shift
seconds="${FUZZ_SECONDS:-60}"
# The longest input worth trying per target: above a real request body, header or
# expression, longer inputs only slow the search down.
declare -A max_len=([json_body]=4096 [token]=1024 [client_address]=512 [cron]=256 [validation]=512
  [request_guard]=4096 [csv]=1024 [mail_render]=1024 [app]=4096)
targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=(json_body token client_address cron validation request_guard csv
  mail_render app)

mkdir -p "$build/artifacts" "$build/logs"
failed=()
for t in "${targets[@]}"; do
  corpus="$build/corpus/$t"
  mkdir -p "$corpus"
  cp "$root/fuzz/corpus/$t"/* "$corpus/"
  log="$build/logs/$t.log"
  echo "fuzz: $t for ${seconds}s (log: $log)"
  if ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    "$build/fuzz/${t}_fuzz" -max_total_time="$seconds" -max_len="${max_len[$t]}" -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$build/artifacts/$t-" "$corpus" \
    >"$log" 2>&1; then
    runs="$(grep -oE '^stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' ||
      true)"
    echo "fuzz: $t ok, ${runs:-?} executions, corpus $(find "$corpus" -type f | wc -l) files"
  else
    echo "fuzz: $t FAILED; the end of its log:" >&2
    tail -n 40 "$log" >&2
    failed+=("$t")
  fi
done
if [[ ${#failed[@]} -gt 0 ]]; then
  echo "fuzz: failed: ${failed[*]} (inputs in $build/artifacts)" >&2
  exit 1
fi
echo "fuzz: every target ran clean"
