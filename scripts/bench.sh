#!/usr/bin/env bash
# Benchmarks: demo seeding (bulk load through the store) and HTTP load tests with wrk against
# the served demo, on SQLite and (with BENCH_POSTGRES_URL) PostgreSQL. Never run in CI.
# Results go into BENCHMARKS.md with the machine they ran on.
#
#   scripts/bench.sh [SCALE]            seeding at SCALE (default 40: 100,000 referrals),
#                                       HTTP on a scale-1 demo
#   BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/postgres   adds PostgreSQL
#   BENCH_BEFORE=<git revision>         also builds that revision and measures it in the same
#                                       run, before the current tree (a before/after pair)
#   BENCH_SECONDS=15                    wrk duration per URL
#   BENCH_SKIP_SEED=1                   HTTP only
#   BENCH_BIN=path BENCH_BEFORE_BIN=path  use release binaries built earlier instead of building
#
# wrk (Debian package `wrk`) is pinned with taskset: client on core 0, server on core 1
# (PostgreSQL is not pinned). 32 connections, keep-alive, one thread, loopback only, every
# run bounded by `timeout`. Pages about people are measured signed in as the demo link worker.
set -euo pipefail
scale="${1:-40}"
seconds="${BENCH_SECONDS:-15}"
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
work=$(mktemp -d)
server=""
cleanup() {
  [ -n "$server" ] && kill -TERM "$server" 2>/dev/null && wait "$server" 2>/dev/null
  if [ -n "${before_tree:-}" ]; then git worktree remove --force "$before_tree" >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
if [ -n "${BENCH_BIN:-}" ]; then
  cp "$BENCH_BIN" "$work/lotse-after"
else
  cargo build --release -q -p lotse-cli
  cp "$target/release/lotse" "$work/lotse-after"
fi
bins=(after)
if [ -n "${BENCH_BEFORE_BIN:-}" ]; then
  cp "$BENCH_BEFORE_BIN" "$work/lotse-before"
  bins=(before after)
elif [ -n "${BENCH_BEFORE:-}" ]; then
  before_tree="$work/before-src"
  git worktree add --detach "$before_tree" "$BENCH_BEFORE" >/dev/null 2>&1
  (cd "$before_tree" && CARGO_TARGET_DIR="$target" cargo build --release -q -p lotse-cli)
  cp "$target/release/lotse" "$work/lotse-before"
  cargo build --release -q -p lotse-cli # the current tree's binary back in the target dir
  bins=(before after)
fi

echo "# machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -r), $(date -u +%F)"
echo "# binaries: ${bins[*]} (before = ${BENCH_BEFORE:-${BENCH_BEFORE_BIN:-none}}, after = ${BENCH_BIN:-$(git rev-parse --short HEAD)})"

if [ -z "${BENCH_SKIP_SEED:-}" ]; then
  echo "## demo seeding, scale $scale"
  /usr/bin/time -f "sqlite: %e s wall, %M KiB max RSS" \
    "$work/lotse-after" demo --scale "$scale" --seed 1 --as-of 2026-11-02 --database-url "sqlite:$work/seed.db" --log warn
  ls -l "$work/seed.db" | awk '{print "sqlite file: " $5 " bytes"}'
  rm -f "$work"/seed.db*
  if [ -n "${BENCH_POSTGRES_URL:-}" ]; then
    db="lotse_seed_$$"
    psql "$BENCH_POSTGRES_URL" -qc "create database $db"
    /usr/bin/time -f "postgres: %e s wall, %M KiB max RSS" \
      env LOTSE_DATA_KEYS="$("$work/lotse-after" keys generate --id k1)" \
      "$work/lotse-after" demo --scale "$scale" --seed 1 --as-of 2026-11-02 --database-url "${BENCH_POSTGRES_URL%/*}/$db" --log warn
    psql "$BENCH_POSTGRES_URL" -tAc "select pg_database_size('$db')" | awk '{print "postgres database: " $1 " bytes"}'
    psql "$BENCH_POSTGRES_URL" -qc "drop database $db with (force)"
  fi
fi

command -v wrk >/dev/null 2>&1 || { echo "wrk not installed (apt-get install wrk): HTTP load tests skipped"; exit 0; }
port=18080
base="http://127.0.0.1:$port"

# load NAME PATH [wrk args]: one wrk run, summarised on one line.
load() {
  local name=$1 path=$2
  shift 2
  local out
  out=$(timeout $((seconds + 30)) taskset -c 0 wrk -t1 -c32 -d"${seconds}s" --latency "$@" "$base$path")
  local rps p50 p99 non2xx
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  non2xx=$(awk '/Non-2xx or 3xx responses/ {print $5}' <<<"$out")
  echo "| $name | \`GET $path\` | $rps | $p50 | $p99 | ${non2xx:-0} |"
}

# serve_and_load BIN ENGINE URL: serves the scale-1 demo and loads the start page, the
# worklist and one case page.
serve_and_load() {
  local bin=$1 engine=$2 url=$3
  shift 3
  taskset -c 1 "$work/lotse-$bin" serve --demo --addr "127.0.0.1:$port" --database-url "$url" --log warn \
    >"$work/server.log" 2>&1 &
  server=$!
  for _ in $(seq 1 300); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.2; done
  curl -sf "$base/healthz" >/dev/null || { echo "server did not start"; cat "$work/server.log"; exit 1; }
  local jar="$work/cookies" csrf session case_path
  rm -f "$jar"
  # The form's CSRF token is derived from the cookie the page sets: read it from the page.
  csrf=$(curl -s -c "$jar" "$base/login" | sed -n 's/.*name="csrf" value="\([0-9a-f]\{64\}\)".*/\1/p' | head -n 1)
  curl -s -b "$jar" -c "$jar" -o /dev/null \
    --data-urlencode "username=lotsin.duesseldorf" --data-urlencode "password=lotse-demo-2026" \
    --data-urlencode "csrf=$csrf" "$base/login"
  session=$(awk '$6 == "lotse_session" {print $7}' "$jar")
  case_path=$(curl -s -H "Cookie: lotse_session=$session" "$base/cases" | grep -o '/cases/[0-9a-f-]\{36\}' | head -n 1)
  [ -n "$case_path" ] || { echo "sign-in failed: no case on the worklist"; exit 1; }
  load "$engine, $bin" /
  load "$engine, $bin" /cases -H "Cookie: lotse_session=$session"
  load "$engine, $bin" "$case_path" -H "Cookie: lotse_session=$session"
  kill -TERM "$server"
  wait "$server" || true
  server=""
}

echo "## HTTP: wrk, 1 thread, 32 connections, ${seconds} s per URL; server on core 1, client on core 0"
echo "| engine, build | request | requests/s | p50 | p99 | non-2xx |"
echo "|---|---|---|---|---|---|"
for bin in "${bins[@]}"; do
  rm -f "$work"/http.db*
  serve_and_load "$bin" sqlite "sqlite:$work/http.db"
  if [ -n "${BENCH_POSTGRES_URL:-}" ]; then
    db="lotse_http_$$"
    psql "$BENCH_POSTGRES_URL" -qc "create database $db"
    LOTSE_DATA_KEYS="$("$work/lotse-after" keys generate --id k1)" \
      serve_and_load "$bin" postgres "${BENCH_POSTGRES_URL%/*}/$db"
    psql "$BENCH_POSTGRES_URL" -qc "drop database $db with (force)"
  fi
done
