#!/usr/bin/env bash
# Regenerates tests/fixtures/legacy with the pinned Node libraries (development only).
#
#   tests/generators/legacy/run.sh            # writes tests/fixtures/legacy/
#
# The packages are installed (npm ci, from package-lock.json) into a cache folder outside the
# repository, $LEGACY_GEN_CACHE or ~/.cache/aspnet-badges-legacy-gen; the script is copied
# there so that node resolves them. The tests never run this: they read the committed output.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-$here/../../fixtures/legacy}"
cache="${LEGACY_GEN_CACHE:-$HOME/.cache/aspnet-badges-legacy-gen}"
mkdir -p "$cache" "$out"
cp "$here/package.json" "$here/package-lock.json" "$cache/"
if ! cmp -s "$here/package-lock.json" "$cache/node_modules/.package-lock.json.copy" 2>/dev/null; then
  (cd "$cache" && npm ci --no-audit --no-fund --loglevel=error)
  cp "$here/package-lock.json" "$cache/node_modules/.package-lock.json.copy"
fi
cp "$here/make_legacy_fixtures.mjs" "$cache/"
node "$cache/make_legacy_fixtures.mjs" "$(cd "$out" && pwd)"
