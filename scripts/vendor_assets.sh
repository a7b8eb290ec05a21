#!/usr/bin/env bash
# Refreshes the vendored front-end assets from the npm registry at pinned versions.
# GOV.UK Frontend is pinned to the 5.x major that crispy-forms-gds targets.
set -euo pipefail
GOVUK_FRONTEND_VERSION=5.9.0
HTMX_VERSION=2.0.4
here=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
npm pack --silent "govuk-frontend@${GOVUK_FRONTEND_VERSION}" >/dev/null
npm pack --silent "htmx.org@${HTMX_VERSION}" >/dev/null
tar xzf govuk-frontend-*.tgz && mv package govuk
tar xzf htmx.org-*.tgz && mv package htmx
dest="$here/static/vendor/govuk-frontend"
rm -rf "$dest" && mkdir -p "$dest"
# Our own name and header: no crown and no GDS Transport font, so the @font-face
# rules (and the font files they point at) are left out.
python3 - "$tmp/govuk/dist/govuk/govuk-frontend.min.css" "$dest/govuk-frontend.min.css" <<'PY'
import re, sys
css = open(sys.argv[1]).read()
css = re.sub(r"@font-face\{[^}]*\}", "", css)
css = re.sub(r"/\*# sourceMappingURL=.*?\*/", "", css)
open(sys.argv[2], "w").write(css)
PY
# The minified module is one line ending in its source-map comment: cut the comment, not the line.
sed 's|//# sourceMappingURL=.*$||' "$tmp/govuk/dist/govuk/govuk-frontend.min.js" > "$dest/govuk-frontend.min.js"
cp "$tmp/govuk/package.json" "$dest/package.json"  # name, version and licence (MIT)
echo "$GOVUK_FRONTEND_VERSION" > "$dest/VERSION"
mkdir -p "$here/static/vendor/htmx"
cp "$tmp/htmx/dist/htmx.min.js" "$here/static/vendor/htmx/htmx.min.js"
echo "$HTMX_VERSION" > "$here/static/vendor/htmx/VERSION"
echo "vendored govuk-frontend ${GOVUK_FRONTEND_VERSION} and htmx ${HTMX_VERSION}"
