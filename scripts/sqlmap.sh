#!/usr/bin/env bash
# SQL-injection scan of Lotse's sign-in form and the link worker's case search with sqlmap
# (pinned in tools/requirements-security.txt, installed into .venv-tools/).
#
#   scripts/sqlmap.sh              build lotse (debug) if LOTSE_BIN is unset, start a demo
#                                  server on a free loopback port, scan, stop it
#   scripts/sqlmap.sh --self-test  check the verdict logic on sample sqlmap output
#
# Exit 0 only if sqlmap ran against every target, sent requests, and reported no injectable
# parameter. Everything is bounded: 300 s per target, loopback only, no update checks.
set -euo pipefail
cd "$(dirname "$0")/.."

# verdict LOGFILE -> prints "clean" | "INJECTABLE" | "NOT RUN (reason)"; returns 0 only for clean
verdict() {
  local log="$1"
  if grep -qiE "identified the following injection point|parameter '[^']+' is vulnerable|is vulnerable\. Do you want" "$log"; then
    echo "INJECTABLE"; return 1
  fi
  if grep -qiE "all tested parameters do not appear to be injectable|parameter '[^']+' does not seem to be injectable" "$log" \
     && ! grep -qiE "\[CRITICAL\] (unable to connect|connection refused|target URL content is not stable)" "$log"; then
    echo "clean"; return 0
  fi
  echo "NOT RUN ($(grep -m1 -oiE '\[CRITICAL\].*' "$log" || echo 'no verdict in the output'))"; return 1
}

if [ "${1:-}" = "--self-test" ]; then
  tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
  printf '%s\n' "[12:00:01] [INFO] testing 'AND boolean-based blind'" \
    "[12:00:09] [WARNING] POST parameter 'password' does not seem to be injectable" \
    "[12:00:09] [CRITICAL] all tested parameters do not appear to be injectable." > "$tmp/clean.log"
  printf '%s\n' "[12:00:05] [INFO] POST parameter 'username' is 'OR boolean-based blind' injectable" \
    "sqlmap identified the following injection point(s) with a total of 42 HTTP(s) requests:" > "$tmp/bad.log"
  printf '%s\n' "[12:00:00] [CRITICAL] unable to connect to the target URL ('Connection refused')" > "$tmp/down.log"
  ok=true
  [ "$(verdict "$tmp/clean.log")" = "clean" ] || { echo "self-test: clean log not clean"; ok=false; }
  verdict "$tmp/bad.log" >/dev/null && { echo "self-test: injectable log passed"; ok=false; }
  verdict "$tmp/down.log" >/dev/null && { echo "self-test: unreachable target passed"; ok=false; }
  $ok && echo "sqlmap verdict self-test: ok (clean passes, injectable and unreachable fail)"
  $ok
  exit $?
fi

. scripts/demo-server.sh
venv_tool sqlmap tools/requirements-security.txt
serve_demo sqlmap scan.db --login-max-failures 1000 --login-address-max-failures 100000

# The CSRF token is bound to the browser: to its session when signed in, else to its
# pre-session lotse_csrf cookie. A fixed pre-session cookie is sent with every request and the
# tokens are read from the real forms (GET /login, GET /cases), so every sqlmap request passes
# the CSRF layer; sqlmap must not replace our cookies (--drop-set-cookie) and tests only the
# named parameters (-p).
pre=$(printf 'c%.0s' $(seq 1 64))
form_token() { # cookie path: the csrf field of the page's first form
  curl -s -b "$1" "$base$2" | sed -n 's/.*name="csrf" value="\([0-9a-f]\{64\}\)".*/\1/p' | head -n 1
}
login_csrf=$(form_token "lotse_csrf=$pre" /login)
[ -n "$login_csrf" ] || { echo "sqlmap: no CSRF token in the sign-in form"; exit 1; }
session_cookie() {
  local jar="$work/jar"
  curl -s -o /dev/null -c "$jar" -b "lotse_csrf=$pre" --data-urlencode "username=$1" \
    --data-urlencode "password=lotse-demo-2026" --data-urlencode "csrf=$login_csrf" "$base/login"
  awk '$6 == "lotse_session" {print $7}' "$jar"
}
link_worker=$(session_cookie lotsin.duesseldorf)
[ -n "$link_worker" ] || { echo "sqlmap: could not sign in the demo link worker"; exit 1; }
case_csrf=$(form_token "lotse_csrf=$pre; lotse_session=$link_worker" /cases)
[ -n "$case_csrf" ] || { echo "sqlmap: no CSRF token on the worklist"; exit 1; }
status=$(curl -s -o /dev/null -w '%{http_code}' -b "lotse_csrf=$pre; lotse_session=$link_worker" \
  --data "q=K7QM4XRTP&csrf=$case_csrf" "$base/cases/search")
case "$status" in 303|400|404) ;; *) echo "sqlmap: /cases/search answered $status"; exit 1 ;; esac

run_target() { # name url data params cookie route
  local name="$1" url="$2" data="$3" params="$4" cookie="$5" route="$6" log="$work/$1.log" started before
  started=$(date +%s)
  before=$(grep -cE "http.route=$route[} ].*answered" "$work/server.log" || true)
  timeout 300 "$venv/bin/sqlmap" -u "$url" --data "$data" -p "$params" --cookie "$cookie" \
    --drop-set-cookie --batch --level 2 --risk 1 --threads 2 --timeout 10 --retries 1 \
    --disable-coloring --flush-session --output-dir "$work/out" \
    --ignore-code 401,404,400 >"$log" 2>&1 || true
  local requests techniques
  requests=$(( $(grep -cE "http.route=$route[} ].*answered" "$work/server.log" || true) - before ))
  techniques=$(grep -c "\[INFO\] testing '" "$log" || true)
  local result rc=0; result=$(verdict "$log") || rc=$?
  if [ "$requests" -lt 50 ]; then result="NOT RUN (only $requests requests reached $route)"; rc=1; fi
  echo "sqlmap $name: params $params, $(( $(date +%s) - started )) s, $requests requests to $route, $techniques techniques tried, verdict: $result"
  [ "$rc" -eq 0 ] || { tail -n 20 "$log"; return 1; }
}

version=$("$venv/bin/sqlmap" --version 2>/dev/null | tail -1)
echo "sqlmap $version against $base (level 2, risk 1)"
failed=0
run_target login "$base/login" "username=someone&password=guessing-a-password&csrf=$login_csrf" "username,password" \
  "lotse_csrf=$pre" /login || failed=1
run_target case-search "$base/cases/search" "q=K7QM4XRTP&csrf=$case_csrf" "q" \
  "lotse_csrf=$pre; lotse_session=$link_worker" /cases/search || failed=1
exit "$failed"
