#!/usr/bin/env bash
# Sign-in flood benchmark: do wrong sign-ins starve the other requests? (argon2 runs on
# blocking threads behind a per-core semaphore; before, it ran on the async threads.)
#
# For each binary given (default: this tree's release build): a small demo database on SQLite,
# `lotse serve` on 127.0.0.1, then for DURATION seconds (default 20) 200 concurrent wrong
# sign-ins with random unknown names (each costs one argon2 decoy verification; the
# per-address limit is raised so they all stay hashing instead of being refused), while
# /healthz and then a signed-in worklist (/cases, demo link worker) are measured with 2
# connections each, (DURATION - 4) / 2 seconds each. Prints p50/p99 and requests per second. Loopback only, bounded in time; never run in CI.
#
#   scripts/bench-signin.sh [BINARY...]
#   e.g. scripts/bench-signin.sh /tmp/lotse-before target/release/lotse
#
# Needs wrk (Debian package `wrk`) and curl.
set -euo pipefail
cd "$(dirname "$0")/.."
duration="${DURATION:-20}"
if [ "$#" -eq 0 ]; then
  cargo build --release -q -p lotse-cli
  set -- "${CARGO_TARGET_DIR:-target}/release/lotse"
fi
command -v wrk >/dev/null || { echo "wrk not installed (apt-get install wrk)"; exit 1; }
work=$(mktemp -d)
server=""
cleanup() { [ -n "$server" ] && kill -TERM "$server" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

echo "# machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -r), $(date -u +%F)"
port=18090
for bin in "$@"; do
  port=$((port + 1))
  db="$work/bench-$port.db"
  "$bin" demo --scale 1 --seed 1 --as-of 2026-11-02 --database-url "sqlite:$db" --log warn >/dev/null
  LOTSE_LOGIN_ADDRESS_MAX_FAILURES=100000 LOTSE_LOGIN_MAX_FAILURES=1000 \
    "$bin" serve --addr "127.0.0.1:$port" --database-url "sqlite:$db" --log error >/dev/null 2>&1 &
  server=$!
  for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
  # A form's token as the server gives it (session-bound since the security fixes; the old
  # binary's double-submit token is in the form as well), with the cookie it belongs to.
  form_token() { curl -s -b "$1" -c "$1" "http://127.0.0.1:$port/login" \
    | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -n 1; }
  jar="$work/cookies-$port"
  token=$(form_token "$jar")
  curl -s -b "$jar" -c "$jar" -o /dev/null \
    --data-urlencode "username=lotsin.duesseldorf" --data-urlencode "password=lotse-demo-2026" \
    --data-urlencode "csrf=$token" "http://127.0.0.1:$port/login"
  session=$(awk '$6 ~ /lotse_session$/ {print $7}' "$jar")
  [ -n "$session" ] || { echo "bench-signin: the demo link worker could not sign in"; exit 1; }
  # The flood signs in signed out: one pre-session cookie and its token for every request.
  flood_jar="$work/flood-cookies-$port"
  flood_token=$(form_token "$flood_jar")
  flood_cookie=$(awk '$6 ~ /lotse_csrf$/ {print $6 "=" $7}' "$flood_jar")
  cat > "$work/signin.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Cookie"] = "$flood_cookie"
local counter = 0
request = function()
  counter = counter + 1
  local body = "username=flood" .. math.random(1, 1000000000) .. "x" .. counter
    .. "&password=not-the-password&csrf=$flood_token"
  return wrk.format(nil, nil, nil, body)
end
LUA
  echo "## $bin"
  for path in /healthz /cases; do
    echo "### GET $path, quiet (2 connections, 5 s)"
    timeout 20 wrk -t1 -c2 -d5s --latency -H "Cookie: lotse_session=$session" "http://127.0.0.1:$port$path" \
      | grep -E "Requests/sec|  50%|  99%|Non-2xx"
  done
  timeout $((duration + 20)) wrk -t1 -c200 -d"${duration}s" --timeout 30s -s "$work/signin.lua" \
    "http://127.0.0.1:$port/login" > "$work/flood-$port.txt" &
  flood=$!
  sleep 2
  # One probe after the other, so that the busy /healthz probe does not take the CPU from /cases.
  probe=$(((duration - 4) / 2))
  timeout $((probe + 20)) wrk -t1 -c2 -d"${probe}s" --latency --timeout 10s "http://127.0.0.1:$port/healthz" \
    > "$work/healthz-$port.txt" || true
  timeout $((probe + 20)) wrk -t1 -c2 -d"${probe}s" --latency --timeout 10s \
    -H "Cookie: lotse_session=$session" "http://127.0.0.1:$port/cases" > "$work/cases-$port.txt" || true
  wait "$flood" || true
  for f in healthz cases; do
    echo "### GET /$f during the flood (2 connections, ${probe} s)"
    grep -E "Requests/sec|  50%|  99%|Non-2xx|Socket errors" "$work/$f-$port.txt" || true
  done
  echo "### POST /login flood (200 connections, ${duration} s, wrong passwords)"
  grep -E "Requests/sec|  50%|  99%|Non-2xx|Socket errors" "$work/flood-$port.txt" || true
  kill -TERM "$server"; wait "$server" || true
  server=""
done
