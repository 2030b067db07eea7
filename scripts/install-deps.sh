#!/usr/bin/env bash
# Installs the Debian 12 packages parkd needs that are missing; does nothing when
# everything is present. Usage: scripts/install-deps.sh [build|test|bench|deb|fuzz]
# Runs apt-get directly as root, or through sudo for a normal user.
set -euo pipefail

build_pkgs=(
  cmake g++ make pkg-config ccache
  librestinio-dev libboost-dev libfmt-dev libhttp-parser-dev
  nlohmann-json3-dev libsqlite3-dev libpq-dev libsodium-dev libssl-dev
  libcurl4-openssl-dev libmstch-dev libhowardhinnant-date-dev tzdata
  libcli11-dev libspdlog-dev libical-dev libicu-dev
)
deb_pkgs=(dpkg-dev)  # dpkg-shlibdeps: the package's library dependencies
# chromium: browser tests; postgresql: the pg.* suite; dpkg-dev: the package test;
# python3-icalendar: a second iCalendar parser for the calendar tests
test_pkgs=(libgtest-dev libgmock-dev python3 python3-icalendar curl chromium postgresql
  "${deb_pkgs[@]}")
bench_pkgs=(wrk libbenchmark-dev sqlite3 time)
# libFuzzer and the sanitizers' runtimes come with clang's compiler-rt (make fuzz). The fuzz
# build compiles parkd's core sources against the libraries of build_pkgs (SQLite, libpq,
# curl, spdlog...), installed with them.
fuzz_pkgs=(clang-14 libclang-rt-14-dev)

wanted=("${build_pkgs[@]}")
case "${1:-build}" in
  build) ;;
  test) wanted+=("${test_pkgs[@]}") ;;
  deb) wanted+=("${deb_pkgs[@]}") ;;
  bench) wanted+=("${test_pkgs[@]}" "${bench_pkgs[@]}") ;;
  fuzz) wanted+=("${fuzz_pkgs[@]}") ;;
  *) echo "usage: $0 [build|test|bench|deb|fuzz]" >&2; exit 2 ;;
esac

missing=()
for pkg in "${wanted[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$pkg")
done
# The web UI (Vue + Vite) needs Node.js and npm; any installation of them will do (a
# machine with NodeSource's nodejs, which bundles npm, must not get Debian's npm too).
# The fuzz targets need no web UI.
if [[ "${1:-build}" != fuzz ]]; then
  command -v node >/dev/null || missing+=(nodejs)
  command -v npm >/dev/null || missing+=(npm)
fi
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "install-deps: installing ${missing[*]}"
as_root=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "install-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  as_root=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
