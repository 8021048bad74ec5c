#!/usr/bin/env bash
# `npm run check:package`, after `npm run build`: the tarball `npm pack` makes of the built dist/
# (the declarations `npm run api:check` read; packed without the `prepack` rebuild) passes
# publint and "Are the types wrong?": every entry point in `exports` resolves to JavaScript and
# to its types, for `import` and `require`, under TypeScript's node10, node16 and bundler
# resolutions (node10, which ignores `exports`, finds the subpaths' types through typesVersions).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f dist/index.d.ts ] || { echo "dist/ is missing: run npm run build first" >&2; exit 1; }
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
npm pack --ignore-scripts --silent --pack-destination "$dir" >/dev/null
tarball="$(echo "$dir"/*.tgz)"
npx --no-install publint run "$tarball" --strict
npx --no-install attw "$tarball" --format table-flipped --no-emoji
