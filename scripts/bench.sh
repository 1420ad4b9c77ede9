#!/usr/bin/env bash
# Runs every benchmark under bench/ and prints its figures. Benchmarks that need
# Open vSwitch run only as root.
set -uo pipefail
cd "$(dirname "$0")/.."
for b in bench/*.ts; do
  echo "== $b"
  npx tsx "$b" || echo "(benchmark $b failed)"
done
