#!/usr/bin/env bash
# Fetch the official SARIF 2.1.0 JSON schema (as shipped in Microsoft's SARIF SDK npm package)
# into .cache/ for the SARIF validation tests. Needs npm and the npm registry.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=.cache/sarif-schema-2.1.0.json
expected=$(cat scripts/sarif-schema.sha256)
if [ -f "$dest" ] && echo "$expected  $dest" | sha256sum -c --quiet - 2>/dev/null; then exit 0; fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent @microsoft/jest-sarif@1.0.0-beta.0 >/dev/null)
tar -xzf "$tmp"/microsoft-jest-sarif-1.0.0-beta.0.tgz -C "$tmp" package/lib/schemas/sarif-2.1.0-rtm.5.json
mkdir -p .cache
cp "$tmp"/package/lib/schemas/sarif-2.1.0-rtm.5.json "$dest"
echo "$expected  $dest" | sha256sum -c --quiet -
