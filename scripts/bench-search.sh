#!/usr/bin/env bash
# The in-process directory search benchmark (BENCHMARKS.md, "Directory search"). Never run in CI.
#
#   scripts/bench-search.sh [SCALE] [ROUNDS]   seeds a SQLite demo at SCALE (default 400:
#                                              100,000 offers) unless BENCH_DB names one,
#                                              then runs the search_bench example
#   BENCH_DB=sqlite:/path/lotse.db             use a database seeded before
#   BENCH_BIN=path                             use a release `lotse` built before for seeding
#
# The example runs on one thread; pin it with taskset to one core so the figures are not
# spread over two. Every step is bounded by `timeout`.
set -euo pipefail
scale="${1:-400}"
rounds="${2:-20}"
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [ -z "${BENCH_DB:-}" ]; then
  bin="${BENCH_BIN:-}"
  if [ -z "$bin" ]; then
    cargo build --release -q -p lotse-cli
    bin="$target/release/lotse"
  fi
  BENCH_DB="sqlite:$work/lotse.db"
  echo "seeding the demo at scale $scale into $BENCH_DB"
  timeout 3600 "$bin" demo --scale "$scale" --seed 1 --as-of 2026-11-02 --database-url "$BENCH_DB" >/dev/null
fi
cargo build --release -q -p lotse-app --example search_bench
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
timeout 1800 taskset -c 1 "$target/release/examples/search_bench" "$BENCH_DB" "$rounds"
