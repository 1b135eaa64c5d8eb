#!/usr/bin/env bash
# Instructions per request, counted by valgrind's callgrind: unlike requests per second, the
# count does not depend on what else the (shared, noisy) machine is doing, so two builds can be
# compared on a busy host. Never run in CI.
#
#   scripts/bench-instructions.sh BEFORE_BIN AFTER_BIN [REQUESTS]
#
# For each binary: seed the scale-1 demo on SQLite with that binary, serve it under callgrind,
# sign in as the demo link worker, warm up, zero the counters, send REQUESTS (default 200)
# sequential requests to one page with curl, dump the counters; per page and binary one line:
# the lotse process's instructions per request (the client is not counted).
set -euo pipefail
before=$1 after=$2 requests=${3:-200}
command -v valgrind >/dev/null || { echo "valgrind is not installed"; exit 1; }
work=$(mktemp -d)
port=18090
base="http://127.0.0.1:$port"
server=""
cleanup() {
  [ -n "$server" ] && kill -TERM "$server" 2>/dev/null && wait "$server" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

# measure NAME BIN PAGE: prints "| NAME | PAGE | instructions per request |".
measure() {
  local name=$1 bin=$2 page=$3
  rm -f "$work"/db.sqlite* "$work"/cg.*
  "$bin" demo --scale 1 --seed 1 --as-of 2026-11-02 --database-url "sqlite:$work/db.sqlite" --log error >/dev/null 2>&1
  valgrind --tool=callgrind --callgrind-out-file="$work/cg.%p" \
    "$bin" serve --addr "127.0.0.1:$port" --database-url "sqlite:$work/db.sqlite" --log warn \
    >"$work/server.log" 2>&1 &
  server=$!
  for _ in $(seq 1 600); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.5; done
  local jar="$work/cookies" csrf session path
  rm -f "$jar"
  csrf=$(curl -s -c "$jar" "$base/login" | sed -n 's/.*name="csrf" value="\([0-9a-f]\{64\}\)".*/\1/p' | head -n 1)
  curl -s -b "$jar" -c "$jar" -o /dev/null --max-time 120 \
    --data-urlencode "username=lotsin.duesseldorf" --data-urlencode "password=lotse-demo-2026" \
    --data-urlencode "csrf=$csrf" "$base/login"
  session=$(awk '$6 == "lotse_session" {print $7}' "$jar")
  path=$page
  if [ "$page" = case ]; then
    path=$(curl -s -H "Cookie: lotse_session=$session" "$base/cases" | grep -o '/cases/[0-9a-f-]\{36\}' | head -n 1)
  fi
  [ -n "$path" ] || { echo "sign-in failed"; cat "$work/server.log"; exit 1; }
  for _ in $(seq 1 20); do curl -sf -o /dev/null -H "Cookie: lotse_session=$session" "$base$path"; done
  callgrind_control -z "$server" >/dev/null 2>&1
  for _ in $(seq 1 "$requests"); do
    curl -sf -o /dev/null -H "Cookie: lotse_session=$session" "$base$path" || { echo "request failed"; exit 1; }
  done
  callgrind_control -d "$server" >/dev/null 2>&1
  kill -TERM "$server"; wait "$server" 2>/dev/null || true; server=""
  # The dump after zeroing holds only the measured requests (its file name ends in a part number).
  local total
  total=$(grep -h '^summary:' $(ls "$work"/cg.*.* 2>/dev/null | sort | tail -n 1) | awk '{print $2}')
  echo "| $name | $page | $((total / requests)) |"
}

echo "# $(nproc) cores, $(uname -r), $(date -u +%F); $requests sequential requests per page, curl, SQLite, scale-1 demo"
echo "| build | page | instructions per request |"
echo "|---|---|---|"
for page in /cases case /; do
  measure before "$before" "$page"
  measure after "$after" "$page"
done
