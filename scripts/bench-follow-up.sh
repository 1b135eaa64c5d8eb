#!/usr/bin/env bash
# Benchmarks of "Connect and follow up" on a seeded demo (the databases scripts/bench-link-work.sh
# keeps in BENCH_KEEP, or seeded here at SCALE): runs of the follow-up job (`lotse jobs run`:
# the lapses, one working day's at a time: see `jobs` below),
# a provider's inbox (`GET /cases` as `anbieter.duesseldorf`) and the provider's signed-link page
# (`GET /r/{token}`) under 32 connections. Never run in CI. Results go into BENCHMARKS.md with the
# machine they ran on.
#
#   scripts/bench-follow-up.sh [SCALE]
#   BENCH_KEEP=dir           the seeded databases (bench.db, and pg.keys for lotse_linkwork_kept)
#   BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/postgres   adds PostgreSQL
#   BENCH_SECONDS=10         wrk duration per URL
#   BENCH_BIN=path           a release binary built earlier (else: cargo build --release)
#   BENCH_WARMUP=3           seconds of the same load before each measured one, not reported
#                            (0: none): PostgreSQL plans a statement afresh for its first five
#                            executions on each connection before it keeps a generic plan, so
#                            the first seconds after a start measure the planner
#   BENCH_LINKS=1000         provider links to make (each is opened at most 30 times in 10
#                            minutes: the wrk scripts spread their requests over them and stop
#                            after 5 per link for the warm-up and 25 for the measured run)
#   BENCH_AS_OF=2026-11-02   the demo's "today" when seeding (the jobs run on the real date: an
#                            earlier day leaves a backlog for their first run)
#   BENCH_LAPSE_FROM=40      the lapse setting of the first job run, stepped down to the
#                            programmes' own (see `jobs`); 0: one run over the whole backlog
#   BENCH_SMTP=1             gives both programmes an e-mail relay (Python 3.11's smtpd
#                            DebuggingServer on 127.0.0.1, messages discarded), so the job runs
#                            also make reminders due and `lotse jobs run` delivers the e-mails
#
# The job runs are separate processes (start-up and migration check included), timed with
# /usr/bin/time. wrk on core 0, the server on core 1 (BENCH_SERVER_CORES, BENCH_WRK_CORES: see bench-lib.sh), one wrk thread, loopback only, every run
# bounded by `timeout`.
set -euo pipefail
scale="${1:-40}"
seconds="${BENCH_SECONDS:-10}"
warmup="${BENCH_WARMUP:-3}"
links="${BENCH_LINKS:-1000}"
cd "$(dirname "$0")/.."
# shellcheck source=scripts/bench-lib.sh
. scripts/bench-lib.sh
bench_start
port=18082
base="http://127.0.0.1:$port"

as_of="${BENCH_AS_OF:-2026-11-02}"
config=()
if [ -n "${BENCH_SMTP:-}" ]; then
  timeout 3600 python3 -W ignore -m smtpd -n -c DebuggingServer 127.0.0.1:18025 >/dev/null 2>&1 &
  smtp_sink=$!
  trap 'kill "$smtp_sink" 2>/dev/null || true; bench_cleanup' EXIT
  cat >"$work/lotse.toml" <<TOML
public_url = "http://127.0.0.1:$port"
[smtp.duesseldorf]
url = "smtp://127.0.0.1:18025"
from = "Lotse <lotse@bench.example>"
[smtp.norddjurs]
url = "smtp://127.0.0.1:18025"
from = "Lotse <lotse@bench.example>"
TOML
  config=(--config "$work/lotse.toml")
fi

# sql ENGINE URL STATEMENT: one value from the benchmark's own database.
sql() {
  if [ "$1" = sqlite ]; then
    sqlite3 "${2#sqlite:}" "$3"
  else
    psql "$2" -At -c "$3"
  fi
}

# jobs ENGINE URL: the follow-up job (and with BENCH_SMTP the e-mail job) run day by day, then
# twice more with nothing due. A database seeded "as of" an earlier day holds weeks of onward
# referrals that a daily job would have lapsed one working day at a time. So that each run
# finds one working day's lapses, as a daily run does, the programmes' lapse setting (working
# days after sending, 15 in the demo) starts at BENCH_LAPSE_FROM (40) and is set one lower
# before each run until it is back at its own value: each step moves the lapse cut-off one
# working day forwards. Each run's line says how many onward referrals it lapsed. With
# BENCH_LAPSE_FROM=0 the first run lapses the whole backlog at once.
jobs() {
  local engine=$1 url=$2 own from days run=0 before after
  # Migrations first (a binary with new ones brings a kept database up to date), so that the
  # job runs time the jobs.
  /usr/bin/time -f "$engine migrate: %e s wall" "$work/lotse" migrate --database-url "$url" --log warn 2>&1 | tr '\n' ' '
  echo
  if [ "$(sql "$engine" "$url" "select count(distinct onward_lapse_working_days) from programme")" != 1 ]; then
    echo "the programmes lapse after different numbers of working days: the steps would change them"
    exit 1
  fi
  own=$(sql "$engine" "$url" "select max(onward_lapse_working_days) from programme")
  from="${BENCH_LAPSE_FROM:-40}"
  [ "$from" -gt "$own" ] || from=$own
  for days in $(seq "$from" -1 "$own") "$own" "$own"; do
    run=$((run + 1))
    sql "$engine" "$url" "update programme set onward_lapse_working_days = $days" >/dev/null
    before=$(sql "$engine" "$url" "select count(*) from onward_referral where state = 'lapsed'")
    /usr/bin/time -f "$engine jobs, run $run (lapse after $days working days): %e s wall, %M KiB max RSS" \
      "$work/lotse" "${config[@]}" jobs run --database-url "$url" --log warn 2>&1 | tr '\n' ' '
    after=$(sql "$engine" "$url" "select count(*) from onward_referral where state = 'lapsed'")
    echo "-- $((after - before)) lapsed"
  done
}

# candidates ENGINE URL: up to $links onward referrals that a provider may still answer (sent,
# acknowledged, attending), of open cases the demo link worker's facility holds, read from the
# database itself (the worklist pages list at most 50 cases per kind); one "case onward" pair
# per line.
candidates() {
  local engine=$1 url=$2
  local sql="select w.case_id, w.onward_referral_id from onward_referral w \
    join referral r on r.programme_key = w.programme_key and r.case_id = w.case_id \
    join membership m on m.programme_key = r.programme_key and m.organisation_id = r.link_facility_id \
    join user_account u on u.user_id = m.user_id \
    where u.username = 'lotsin.duesseldorf' and r.state <> 'closed' \
    and w.state in ('sent', 'acknowledged', 'attending') \
    order by w.onward_referral_id limit $links"
  if [ "$engine" = sqlite ]; then
    sqlite3 -separator ' ' "${url#sqlite:}" "${sql//w.case_id, w.onward_referral_id/lower(hex(w.case_id)), lower(hex(w.onward_referral_id))}" \
      | sed -E 's/([0-9a-f]{8})([0-9a-f]{4})([0-9a-f]{4})([0-9a-f]{4})([0-9a-f]{12})/\1-\2-\3-\4-\5/g'
  else
    psql "$url" -At -F ' ' -c "$sql"
  fi
}

# provider_links ENGINE URL WORKER CSRF: renews the provider link of each candidate as the
# link worker (the page's own form, so the token is issued as in use); prints one token per
# line.
provider_links() {
  local engine=$1 url=$2 worker=$3 csrf=$4 case onward token
  candidates "$engine" "$url" | while read -r case onward; do
    token=$(curl -s -H "Cookie: lotse_session=$worker" --data "csrf=$csrf&change=renew" \
      "$base/cases/$case/onward/$onward/links" | grep -o '/r/[0-9a-zA-Z_-]\{20,\}' | sed -n 1p)
    [ -z "$token" ] || echo "${token#/r/}"
  done
}

# run ENGINE URL: serves a seeded database and loads the provider's pages.
run() {
  local engine=$1 url=$2
  taskset -c "$server_cores" "$work/lotse" serve --addr "127.0.0.1:$port" --database-url "$url" --log warn \
    --follow-up-job-secs 0 >"$work/server.log" 2>&1 &
  server=$!
  for _ in $(seq 1 300); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.2; done
  curl -sf "$base/healthz" >/dev/null || { echo "server did not start"; cat "$work/server.log"; exit 1; }
  read -r worker worker_csrf < <(sign_in lotsin.duesseldorf)
  read -r provider _ < <(sign_in anbieter.duesseldorf)
  provider_links "$engine" "$url" "$worker" "$worker_csrf" >"$work/tokens"
  local count
  count=$(wc -l <"$work/tokens")
  [ "$count" -gt 0 ] || { echo "no provider link could be made"; exit 1; }
  # links_lua PER_LINK: a wrk script that spreads its requests over the links and stops after
  # PER_LINK requests per link (a link may be opened 30 times in 10 minutes: 5 for the warm-up,
  # 25 for the measured run).
  links_lua() {
    echo "tokens = {"
    sed 's/.*/  "&",/' "$work/tokens"
    echo "}"
    echo "local per_link = $1"
    cat <<'LUA'
local n = 0
request = function()
  n = n + 1
  if n > #tokens * per_link then
    wrk.thread:stop()
  end
  return wrk.format("GET", "/r/" .. tokens[(n % #tokens) + 1])
end
LUA
  }
  links_lua 5 >"$work/links-warmup.lua"
  links_lua "$(( warmup > 0 ? 25 : 30 ))" >"$work/links.lua"
  echo "$engine: $count provider links made (at most $((count * 30)) requests to them in all)"
  warm 32 /cases -H "Cookie: lotse_session=$provider"
  warm 32 / -s "$work/links-warmup.lua"
  [ "$warmup" -eq 0 ] || echo "$engine: ${warmup} s of each load before the measured runs (not reported)"
  table "$engine"
  load "a provider's inbox \`GET /cases\`" 32 /cases -H "Cookie: lotse_session=$provider"
  load "a signed-link page \`GET /r/{token}\`" 32 / -s "$work/links.lua"
  kill -TERM "$server"
  wait "$server" || true
  server=""
  [ -z "${BENCH_KEEP:-}" ] || cp "$work/server.log" "$BENCH_KEEP/server-follow-up-$engine-$(date -u +%H%M%S).log"
}

store="${BENCH_KEEP:-$work}"
mkdir -p "$store"
sqlite_url="sqlite:$store/bench.db"
if [ ! -f "$store/bench.db" ]; then
  /usr/bin/time -f "sqlite seeding at scale $scale: %e s wall" \
    "$work/lotse" demo --scale "$scale" --seed 1 --as-of "$as_of" --database-url "$sqlite_url" --log warn
fi
jobs sqlite "$sqlite_url"
run sqlite "$sqlite_url"
if [ -n "${BENCH_POSTGRES_URL:-}" ]; then
  pg_db="lotse_linkwork_kept"
  [ -n "${BENCH_KEEP:-}" ] || pg_db="lotse_followup_$$"
  pg_url="${BENCH_POSTGRES_URL%/*}/$pg_db"
  if [ ! -f "$store/pg.keys" ] || [ -z "${BENCH_KEEP:-}" ]; then
    psql "$BENCH_POSTGRES_URL" -qc "drop database if exists $pg_db with (force)"
    psql "$BENCH_POSTGRES_URL" -qc "create database $pg_db"
    "$work/lotse" keys generate --id k1 >"$store/pg.keys"
    LOTSE_DATA_KEYS="$(cat "$store/pg.keys")" /usr/bin/time -f "postgres seeding at scale $scale: %e s wall" \
      "$work/lotse" demo --scale "$scale" --seed 1 --as-of "$as_of" --database-url "$pg_url" --log warn
  fi
  export LOTSE_DATA_KEYS
  LOTSE_DATA_KEYS="$(cat "$store/pg.keys")"
  jobs postgres "$pg_url"
  run postgres "$pg_url"
  [ -n "${BENCH_KEEP:-}" ] || psql "$BENCH_POSTGRES_URL" -qc "drop database $pg_db with (force)"
fi
