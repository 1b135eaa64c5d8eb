#!/usr/bin/env bash
# Load test of the directory over HTTP: the HSDS feed and the public directory page, with wrk
# against the served demo (SQLite). Never run in CI; results go into BENCHMARKS.md with the
# machine they ran on.
#
#   scripts/bench-feed.sh [SCALE]     seed the demo at SCALE (default 1: 250 offers; 400 is
#                                     100,000 offers), serve it, load three URL sets
#   BENCH_SECONDS=20                  wrk duration per URL set
#   BENCH_BIN=path                    use a release binary built earlier
#   BENCH_DB=path                     use (and keep) an already seeded SQLite database
#
# wrk (Debian package `wrk`) runs on core 0 with one thread and 32 keep-alive connections; the
# server runs on core 1 (taskset). Each set rotates over fixed German and Danish searches (a
# Lua script), so that no single answer is measured. Loopback only, bounded by `timeout`.
set -euo pipefail
scale="${1:-1}"
seconds="${BENCH_SECONDS:-20}"
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
work=$(mktemp -d)
server=""
cleanup() {
  [ -n "$server" ] && kill -TERM "$server" 2>/dev/null && wait "$server" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
command -v wrk >/dev/null 2>&1 || { echo "wrk is not installed (apt-get install wrk)"; exit 1; }
if [ -n "${BENCH_BIN:-}" ]; then
  bin="$BENCH_BIN"
else
  cargo build --release -q -p lotse-cli
  bin="$target/release/lotse"
fi
db="${BENCH_DB:-$work/feed.db}"
if [ ! -f "$db" ]; then
  /usr/bin/time -f "seeding scale $scale: %e s wall" \
    "$bin" demo --scale "$scale" --seed 1 --as-of 2026-11-02 --database-url "sqlite:$db" --log warn
fi
echo "# machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -r), $(date -u +%F); scale $scale; $(git rev-parse --short HEAD)"
port=18090
base="http://127.0.0.1:$port"
taskset -c 1 "$bin" serve --addr "127.0.0.1:$port" --database-url "sqlite:$db" --log warn >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 600); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.5; done
# The first request builds the indexes (timed here, not in the load).
start=$(date +%s.%N)
curl -sf -o /dev/null "$base/hsds/services?per_page=1"
echo "first feed request (index builds of every public programme): $(echo "$(date +%s.%N) - $start" | bc) s"
ps -o rss= -p "$server" | awk '{printf "server RSS after the index builds: %.0f MB\n", $1/1024}'

words_de='Chor Spaziergang Einsamkeit Sprachcafé Trauer Computerkurs Yoga Duesseldorf Nachbarschaft Malen'
words_da='kor gåtur ensomhed sprogcafé sorg computer yoga Grenaa fællesskab maling'
lua() { # lua FILE PREFIX: a wrk script rotating over PREFIX + each word
  {
    echo "local paths = {}"
    for w in $words_de $words_da; do
      echo "table.insert(paths, \"$2$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$w")\")"
    done
    echo 'local i = 0'
    echo 'request = function() i = i % #paths + 1; return wrk.format("GET", paths[i]) end'
  } >"$1"
}
load() { # load NAME LUA
  local out rps p50 p99 non2xx
  out=$(timeout $((seconds + 30)) taskset -c 0 wrk -t1 -c32 -d"${seconds}s" --latency -s "$2" "$base")
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  non2xx=$(awk '/Non-2xx or 3xx responses/ {print $5}' <<<"$out")
  echo "| $1 | $rps | $p50 | $p99 | ${non2xx:-0} |"
}
lua "$work/feed.lua" "/hsds/services?per_page=10&search="
lua "$work/dir.lua" "/directory/duesseldorf?q="
lua "$work/feed-near.lua" "/hsds/services?per_page=10&postcode=40210&proximity=5000&search="
echo "## wrk, 1 thread, 32 connections, ${seconds} s per set; server on core 1, client on core 0"
echo "| requests (20 searches in rotation) | requests/s | p50 | p99 | non-2xx |"
echo "|---|---|---|---|---|"
load '`GET /hsds/services?per_page=10&search=…`' "$work/feed.lua"
load '`GET /hsds/services?per_page=10&postcode=40210&proximity=5000&search=…`' "$work/feed-near.lua"
load '`GET /directory/duesseldorf?q=…` (HTML page)' "$work/dir.lua"
ps -o rss= -p "$server" | awk '{printf "server RSS at the end: %.0f MB\n", $1/1024}'
