#!/usr/bin/env bash
# Builds the Debian package from a configured build directory and unpacks it without
# installing it: <out>/root (dpkg-deb -x) and <out>/control (dpkg-deb -e). The deb.*
# tests run what it unpacked.
#
#   scripts/deb-extract.sh <build-dir> <out-dir>
set -euo pipefail
build="${1:?usage: $0 <build-dir> <out-dir>}"
out="${2:?usage: $0 <build-dir> <out-dir>}"
rm -rf "$out"
mkdir -p "$out"
(cd "$build" && cpack -G DEB -B "$out" >"$out/cpack.log" 2>&1) || { cat "$out/cpack.log" >&2; exit 1; }
deb="$(ls "$out"/parkd_*_amd64.deb)"
dpkg-deb -x "$deb" "$out/root"
dpkg-deb -e "$deb" "$out/control"
echo "deb-extract: $(basename "$deb") unpacked in $out"
