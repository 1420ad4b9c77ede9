#!/usr/bin/env bash
# Runs every benchmark under bench/ and prints its figures. Benchmarks that need
# Open vSwitch run only as root.
set -uo pipefail
cd "$(dirname "$0")/.."
for b in bench/*.ts; do
  echo "== $b"
  args=()
  # The full fabric run takes an hour or more (bench/RESULTS.md); here, its smoke check.
  [ "$b" = bench/fabric-scale.ts ] && args=(--quick)
  npx tsx "$b" "${args[@]}" || echo "(benchmark $b failed)"
done
