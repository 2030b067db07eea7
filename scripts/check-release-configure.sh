#!/usr/bin/env bash
# Checks that the release build `make build` configures needs no test framework: CMake
# with BUILD_TESTING=OFF must succeed while GoogleTest and Google Benchmark are hidden
# (as on a Debian 12 machine without them), and must define no test target.
#
#   scripts/check-release-configure.sh <scratch-build-dir>
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="${1:?usage: $0 <scratch-build-dir>}"
rm -rf "$dir"
cmake -S "$root" -B "$dir" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF \
  -DCMAKE_DISABLE_FIND_PACKAGE_GTest=ON -DCMAKE_DISABLE_FIND_PACKAGE_benchmark=ON >"$dir.log" 2>&1 || {
  cat "$dir.log" >&2
  echo "check-release-configure: the release build does not configure without GoogleTest" >&2
  exit 1
}
targets="$(cmake --build "$dir" --target help)"
for t in unit_tests api_tests micro_bench json_body_fuzz; do
  if grep -qw "$t" <<<"$targets"; then
    echo "check-release-configure: the release build defines the test target $t" >&2
    exit 1
  fi
done
grep -qw parkd <<<"$targets" || { echo "check-release-configure: no parkd target" >&2; exit 1; }
rm -rf "$dir" "$dir.log"
echo "check-release-configure: ok"
