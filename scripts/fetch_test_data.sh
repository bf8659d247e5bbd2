#!/usr/bin/env bash
# Fetch test data that is not ours to commit, into .cache/ (git-ignored), from the package
# registries only, pinned and checksummed:
#  - the official SARIF 2.1.0 JSON schema, as shipped in Microsoft's SARIF SDK npm package;
#  - cfn-lint's source distribution, whose test/fixtures/templates are real-world (and deliberately
#    broken) CloudFormation/SAM templates for the zero-crash corpus test.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .cache

check() { [ -f "$2" ] && echo "$1  $2" | sha256sum -c --quiet - >/dev/null 2>&1; }

schema=.cache/sarif-schema-2.1.0.json
schema_sum=$(cat scripts/sarif-schema.sha256)
if ! check "$schema_sum" "$schema"; then
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent @microsoft/jest-sarif@1.0.0-beta.0 >/dev/null)
  tar -xzf "$tmp"/microsoft-jest-sarif-1.0.0-beta.0.tgz -C "$tmp" package/lib/schemas/sarif-2.1.0-rtm.5.json
  cp "$tmp"/package/lib/schemas/sarif-2.1.0-rtm.5.json "$schema"
  rm -rf "$tmp"
  check "$schema_sum" "$schema" || { echo "SARIF schema checksum mismatch" >&2; exit 1; }
fi

sdist=.cache/cfn_lint-1.58.0.tar.gz
sdist_sum=$(cat scripts/cfn-lint-sdist.sha256)
if ! check "$sdist_sum" "$sdist"; then
  python3 -m pip download --quiet --disable-pip-version-check --no-deps --no-binary :all: \
    --dest .cache cfn-lint==1.58.0
  check "$sdist_sum" "$sdist" || { echo "cfn-lint sdist checksum mismatch" >&2; exit 1; }
fi
