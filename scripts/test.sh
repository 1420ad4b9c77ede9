#!/usr/bin/env bash
# The whole test suite: type check, lint, unit tests (no root, no OVS), then the
# integration tests against real Open vSwitch and Mininet (root). Prints one
# closing line "N passed, N failed, N skipped" over all of it.
set -uo pipefail
cd "$(dirname "$0")/.."

bash scripts/ensure-test-env.sh || exit 1

logdir=$(mktemp -d)
trap 'rm -rf "$logdir"' EXIT
status=0

echo "== type check"
npx tsc -p tsconfig.json --noEmit || status=1

echo "== lint (eslint.config.js)"
npx eslint . || status=1

echo "== unit tests"
npx mocha --config .mocharc.json 'test/unit/**/*.test.ts' 2>&1 | tee "$logdir/unit.log"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1

if [ "$(id -u)" -eq 0 ]; then
  echo "== integration tests (Open vSwitch, Mininet)"
  if compgen -G 'test/integration/*.test.ts' >/dev/null; then
    npx mocha --config .mocharc.json --timeout 300000 'test/integration/**/*.test.ts' 2>&1 | tee "$logdir/integration.log"
    [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
  fi
else
  echo "== integration tests skipped: they need root (Open vSwitch, Mininet)"
fi

count() { grep -hoE "^ +[0-9]+ $1" "$logdir"/*.log 2>/dev/null | awk '{s+=$1} END {print s+0}'; }
passed=$(count passing); failed=$(count failing); skipped=$(count pending)
echo
echo "${passed} passed, ${failed} failed, ${skipped} skipped"
[ "$failed" -eq 0 ] || status=1
exit $status
