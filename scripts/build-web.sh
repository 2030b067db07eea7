#!/usr/bin/env bash
# Builds the web UI (web/, Vue 3 + Vite) and copies it to the directory given as $1
# (the build system passes build/<type>/web, beside the parkd binary, which serves it at /),
# with docs/openapi.yaml as openapi.json and its Redoc reference page in api-docs/
# (scripts/openapi-json.mjs).
#
#   scripts/build-web.sh build/release/web
#
# Installs nothing system-wide. It runs `npm ci` (only when web/node_modules is missing or
# older than web/package-lock.json) and `npm run build` (only when a file under web/ is
# newer than the output's .built stamp). Without npm it warns and exits 0
# without creating the output directory, so the C++ build never fails because of the UI.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
web="$root/web"
out="${1:-}"
if [[ -z "$out" ]]; then
  echo "usage: $0 <output-dir>   (e.g. build/release/web)" >&2
  exit 2
fi
[[ "$out" = /* ]] || out="$PWD/$out"

warn() { printf '\033[33mbuild-web: warning: %s\033[0m\n' "$*" >&2; }

if ! command -v npm >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then
  warn "node/npm not found: the web UI is not built and parkd will serve only the API."
  warn "Install them (Debian: apt-get install nodejs npm) and build again to get the UI at /."
  exit 0
fi

node_major="$(node -p 'process.versions.node.split(".")[0]')"
if (( node_major < 18 )); then
  warn "Node.js $(node -v) is too old (18 or newer needed): the web UI is not built."
  exit 0
fi

# Nothing to do when no source file of the UI (nor the API description it carries) is
# newer than the last build's stamp.
stamp="$out/.built"
if [[ -f "$stamp" && -f "$out/index.html" ]] &&
   [[ -z "$(find "$web" \( -name node_modules -o -name dist \) -prune -o -type f -newer "$stamp" -print -quit)" ]] &&
   [[ -z "$(find "$root/docs/openapi.yaml" "$root/scripts/openapi-json.mjs" -newer "$stamp" -print -quit)" ]]; then
  echo "build-web: web UI unchanged ($out)"
  exit 0
fi

cd "$web"
if [[ ! -d node_modules || package-lock.json -nt node_modules ]]; then
  echo "build-web: npm ci (web/package-lock.json)"
  npm ci --no-audit --no-fund
  touch node_modules
fi

echo "build-web: npm run build"
npm run build --silent

if [[ ! -f dist/index.html ]]; then
  echo "build-web: the build did not produce web/dist/index.html" >&2
  exit 1
fi

# Replace the output directory as a whole, so no stale assets stay behind.
tmp="$(mktemp -d "$(dirname "$out")/.web.XXXXXX" 2>/dev/null || { mkdir -p "$(dirname "$out")"; mktemp -d "$(dirname "$out")/.web.XXXXXX"; })"
cp -R dist/. "$tmp/"
# The HTTP contract and its reference page (GET /api/openapi.json, GET /api/docs).
node "$root/scripts/openapi-json.mjs" "$tmp"
touch "$tmp/.built"
rm -rf "$out"
mv "$tmp" "$out"
chmod 755 "$out"
echo "build-web: web UI installed in $out"
