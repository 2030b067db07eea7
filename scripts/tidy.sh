#!/usr/bin/env bash
# clang-tidy over our sources with the checks in .clang-tidy (make tidy). Needs a
# configured build/release (compile_commands.json). Exits non-zero on any finding.
set -euo pipefail
cd "$(dirname "$0")/.."
files=$(find src -name '*.cpp' | sort)
out=$(printf '%s\n' $files | xargs -P "$(nproc)" -n 4 clang-tidy -p build/release --quiet 2>/dev/null || true)
findings=$(printf '%s\n' "$out" | grep -E '^/.*(warning|error):' | sort -u || true)
if [[ -n "$findings" ]]; then
  printf '%s\n' "$findings"
  echo "clang-tidy: $(printf '%s\n' "$findings" | wc -l) finding(s)"
  exit 1
fi
echo "clang-tidy: clean ($(printf '%s\n' $files | wc -l) files)"
