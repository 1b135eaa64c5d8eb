#!/usr/bin/env bash
# Benchmarks for the foundation: demo seeding (bulk load through the store) on SQLite and
# PostgreSQL, and an HTTP load test of the start page and /healthz with wrk.
# Never run in CI. Results go into BENCHMARKS.md with the machine they ran on.
#
#   scripts/bench.sh [SCALE]          (default 40: 100,000 referrals, 10,000 offers)
#   BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/postgres scripts/bench.sh 40
#
# wrk (Debian package `wrk`) and taskset are used when present: client on core 0, server on
# core 1, keep-alive, 30 s per URL, loopback only.
set -euo pipefail
scale="${1:-40}"
cd "$(dirname "$0")/.."
cargo build --release -q -p lotse-cli
bin="${CARGO_TARGET_DIR:-target}/release/lotse"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "# machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -r), $(date -u +%F)"
echo "## demo seeding, scale $scale"
/usr/bin/time -f "sqlite: %e s wall, %M KiB max RSS" \
  "$bin" demo --scale "$scale" --seed 1 --as-of 2026-11-02 --database-url "sqlite:$work/bench.db" --log warn
ls -l "$work/bench.db" | awk '{print "sqlite file: " $5 " bytes"}'

if [ -n "${BENCH_POSTGRES_URL:-}" ]; then
  db="lotse_bench_$$"
  psql "$BENCH_POSTGRES_URL" -qc "create database $db"
  pg_url="${BENCH_POSTGRES_URL%/*}/$db"
  /usr/bin/time -f "postgres: %e s wall, %M KiB max RSS" \
    "$bin" demo --scale "$scale" --seed 1 --as-of 2026-11-02 --database-url "$pg_url" --log warn
  psql "$BENCH_POSTGRES_URL" -qc "drop database $db with (force)"
fi

if command -v wrk >/dev/null 2>&1; then
  echo "## HTTP (wrk, 30 s, 32 connections, keep-alive)"
  port=18080
  taskset -c 1 "$bin" serve --addr "127.0.0.1:$port" --database-url "sqlite:$work/bench.db" --log warn >/dev/null &
  server=$!
  for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
  for path in /healthz /; do
    echo "### GET $path"
    timeout 60 taskset -c 0 wrk -t1 -c32 -d30s --latency "http://127.0.0.1:$port$path" | grep -E "Requests/sec|50%|99%|Transfer/sec"
    curl -s "http://127.0.0.1:$port$path" | wc -c | awk '{print "response size: " $1 " bytes"}'
  done
  # Signed-in pages about people: every name shown is an audited read (one audit entry per
  # person on the worklist, about eight per case page), so these measure the audit writes too.
  jar="$work/cookies"
  # The form's CSRF token is derived from the cookie the page sets: read it from the page.
  csrf=$(curl -s -c "$jar" "http://127.0.0.1:$port/login" | sed -n 's/.*name="csrf" value="\([0-9a-f]\{64\}\)".*/\1/p' | head -n 1)
  curl -s -b "$jar" -c "$jar" -o /dev/null \
    --data-urlencode "username=lotsin.duesseldorf" --data-urlencode "password=lotse-demo-2026" \
    --data-urlencode "csrf=$csrf" "http://127.0.0.1:$port/login"
  session=$(awk '$6 == "lotse_session" {print $7}' "$jar")
  case_path=$(curl -s -H "Cookie: lotse_session=$session" "http://127.0.0.1:$port/cases" | grep -o '/cases/[0-9a-f-]\{36\}' | head -n 1)
  for path in /cases "$case_path"; do
    echo "### GET $path (signed in as a link worker, 8 connections, 15 s)"
    timeout 40 taskset -c 0 wrk -t1 -c8 -d15s --latency -H "Cookie: lotse_session=$session" \
      "http://127.0.0.1:$port$path" | grep -E "Requests/sec|50%|99%|Non-2xx"
    curl -s -H "Cookie: lotse_session=$session" "http://127.0.0.1:$port$path" | wc -c | awk '{print "response size: " $1 " bytes"}'
  done
  kill -TERM "$server"; wait "$server" || true
else
  echo "wrk not installed (apt-get install wrk): HTTP load test skipped"
fi
