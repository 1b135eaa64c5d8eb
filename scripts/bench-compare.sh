#!/usr/bin/env bash
# The side-by-side directory search benchmark (BENCHMARKS.md, "side by side"): lotse-search,
# PostgreSQL full-text search and SQLite FTS5 + R*Tree, the same 100 queries in one run.
# Never run in CI.
#
#   scripts/bench-compare.sh [SCALE] [ROUNDS]  seeds a SQLite demo at SCALE (default 400:
#                                              100,000 offers) unless BENCH_DB names one,
#                                              then runs the compare_bench example
#   BENCH_DB=sqlite:/path/lotse.db             use a database seeded before (only read)
#   BENCH_PG=postgres://user@host:port/db      a PostgreSQL server (with the cube and
#                                              earthdistance extensions available) on which
#                                              the example creates and drops a scratch
#                                              database; default postgres://postgres@127.0.0.1:5432/postgres
#   BENCH_BIN=path                             use a release `lotse` built before for seeding
#
# The example runs on one thread; pin it with taskset to one core so the figures are not
# spread over two (the PostgreSQL server's own process is not pinned). Every step is bounded
# by `timeout`.
set -euo pipefail
scale="${1:-400}"
rounds="${2:-20}"
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
pg="${BENCH_PG:-postgres://postgres@127.0.0.1:5432/postgres}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [ -z "${BENCH_DB:-}" ]; then
  bin="${BENCH_BIN:-}"
  if [ -z "$bin" ]; then
    timeout 3600 cargo build --release -q -p lotse-cli
    bin="$target/release/lotse"
  fi
  BENCH_DB="sqlite:$work/lotse.db"
  echo "seeding the demo at scale $scale into $BENCH_DB"
  timeout 3600 "$bin" demo --scale "$scale" --seed 1 --as-of 2026-11-02 --database-url "$BENCH_DB" >/dev/null
fi
timeout 3600 cargo build --release -q -p lotse-app --example compare_bench
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
timeout 3600 taskset -c 1 "$target/release/examples/compare_bench" "$BENCH_DB" "$pg" "$rounds"
