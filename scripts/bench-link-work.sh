#!/usr/bin/env bash
# Load tests of the link work and the practice's board: the link worker's worklist (ordered by
# next action), a case page (notes, plan, questionnaires), the practice's board, and a
# prescription submitted by 20 prescribers at once (POST /prescriptions, each a new person), on
# a demo of SCALE (default 40) on SQLite and (with BENCH_POSTGRES_URL) PostgreSQL. Never run in
# CI. Results go into BENCHMARKS.md with the machine they ran on.
#
#   scripts/bench-link-work.sh [SCALE]
#   BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/postgres   adds PostgreSQL
#   BENCH_SECONDS=15        wrk duration per URL
#   BENCH_WARMUP=3          seconds of the same load before each measured one, not reported
#                           (0: none, as before 2026-12-07): PostgreSQL plans a statement afresh
#                           for its first five executions on each connection before it keeps a
#                           generic plan, so without it the first seconds measure the planner
#   BENCH_BIN=path          a release binary built earlier (else: cargo build --release)
#   BENCH_PARALLEL_SEED=1   seed both engines at once before loading either (scale 400)
#   BENCH_KEEP=dir          keep the seeded databases (SQLite file in dir, PostgreSQL database
#                           lotse_linkwork_kept with its key in dir) and reuse them next time;
#                           each run's server log is copied there
#
# wrk (Debian package `wrk`) on core 0, the server on core 1 (PostgreSQL is not pinned; BENCH_SERVER_CORES, BENCH_WRK_CORES: see bench-lib.sh), one
# wrk thread, keep-alive, loopback only, every run bounded by `timeout`.
set -euo pipefail
scale="${1:-40}"
seconds="${BENCH_SECONDS:-15}"
warmup="${BENCH_WARMUP:-3}"
cd "$(dirname "$0")/.."
# shellcheck source=scripts/bench-lib.sh
. scripts/bench-lib.sh
bench_start
port=18081
base="http://127.0.0.1:$port"

# seed ENGINE URL: the demo at SCALE, timed.
seed() {
  local engine=$1 url=$2
  /usr/bin/time -f "$engine seeding at scale $scale: %e s wall, %M KiB max RSS" \
    "$work/lotse" demo --scale "$scale" --seed 1 --as-of 2026-11-02 --database-url "$url" --log warn
}

# run ENGINE URL: serves a seeded database and loads it.
run() {
  local engine=$1 url=$2
  # Without the follow-up job (as bench-follow-up.sh): its first run on a database seeded "as
  # of" an earlier day lapses that day's whole backlog while the first load runs.
  taskset -c "$server_cores" "$work/lotse" serve --addr "127.0.0.1:$port" --database-url "$url" --log warn \
    --follow-up-job-secs 0 >"$work/server.log" 2>&1 &
  server=$!
  for _ in $(seq 1 300); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.2; done
  curl -sf "$base/healthz" >/dev/null || { echo "server did not start"; cat "$work/server.log"; exit 1; }
  read -r worker _ < <(sign_in lotsin.duesseldorf)
  read -r gp _ < <(sign_in arzt.duesseldorf)
  # The prescriptions are written by another practice's GP: the board measured stays the demo's
  # own, run after run (written by its own GP, its first page would be the last run's new
  # prescriptions, whose people lie on few pages; BENCHMARKS.md, 2026-12-06).
  read -r writer gp_csrf < <(sign_in praxis02.duesseldorf /prescriptions/new)
  local case_path facility
  case_path=$(curl -s -H "Cookie: lotse_session=$worker" "$base/cases" | grep -o '/cases/[0-9a-f-]\{36\}' | sed -n 1p)
  facility=$(curl -s -H "Cookie: lotse_session=$writer" "$base/prescriptions/new" \
    | grep -o 'option value="[0-9a-f-]\{36\}"' | sed -n 1p | grep -o '[0-9a-f-]\{36\}')
  [ -n "$case_path" ] && [ -n "$facility" ] || { echo "sign-in failed"; exit 1; }
  [ "$warmup" -eq 0 ] || echo "# $engine: ${warmup} s of each load before its measured run (not reported)"
  table "$engine"
  warm 32 /cases -H "Cookie: lotse_session=$worker"
  load "worklist \`GET /cases\`" 32 /cases -H "Cookie: lotse_session=$worker"
  warm 32 "$case_path" -H "Cookie: lotse_session=$worker"
  load "a case \`GET /cases/{id}\`" 32 "$case_path" -H "Cookie: lotse_session=$worker"
  warm 32 /prescriptions -H "Cookie: lotse_session=$gp"
  load "the board \`GET /prescriptions\`" 32 /prescriptions -H "Cookie: lotse_session=$gp"
  cat >"$work/post.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Cookie"] = "lotse_session=$writer"
wrk.body = "csrf=$gp_csrf&given_name=Bench&family_name=Person&birth_date=1950-03-14&language=de&need=loneliness&link_facility=$facility&consent_transfer=yes&consent_care=yes&confirmed_new=yes"
LUA
  warm 20 /prescriptions -s "$work/post.lua"
  load "a prescription \`POST /prescriptions\` (303)" 20 /prescriptions -s "$work/post.lua"
  kill -TERM "$server"
  wait "$server" || true
  server=""
  # The server's log (warnings and errors; a non-2xx answer says why there) beside the kept
  # databases.
  [ -z "${BENCH_KEEP:-}" ] || cp "$work/server.log" "$BENCH_KEEP/server-$engine-$(date -u +%H%M%S).log"
}

# Where the seeded databases live: a fresh temporary place, or BENCH_KEEP (kept, and reused
# without seeding when a run left them there).
store="$work"
pg_db="lotse_linkwork_$$"
if [ -n "${BENCH_KEEP:-}" ]; then
  store="$BENCH_KEEP"
  pg_db="lotse_linkwork_kept"
  mkdir -p "$store"
fi
sqlite_url="sqlite:$store/bench.db"
seed_sqlite=yes
[ -f "$store/bench.db" ] && seed_sqlite=""
pg_url=""
seed_pg=""
if [ -n "${BENCH_POSTGRES_URL:-}" ]; then
  pg_url="${BENCH_POSTGRES_URL%/*}/$pg_db"
  if [ -z "${BENCH_KEEP:-}" ] || [ ! -f "$store/pg.keys" ]; then
    psql "$BENCH_POSTGRES_URL" -qc "drop database if exists $pg_db with (force)"
    psql "$BENCH_POSTGRES_URL" -qc "create database $pg_db"
    "$work/lotse" keys generate --id k1 >"$store/pg.keys"
    seed_pg=yes
  fi
  pg_keys="$(cat "$store/pg.keys")"
fi
# Seeding: one engine after the other, or both at once with BENCH_PARALLEL_SEED (each mostly
# one core; the seeding times are then those of two seedings sharing the machine).
if [ -n "${BENCH_PARALLEL_SEED:-}" ]; then
  seeding=""
  if [ -n "$seed_sqlite" ]; then seed sqlite "$sqlite_url" & seeding=$!; fi
  [ -z "$seed_pg" ] || LOTSE_DATA_KEYS="$pg_keys" seed postgres "$pg_url"
  [ -z "$seeding" ] || wait "$seeding"
else
  [ -z "$seed_sqlite" ] || seed sqlite "$sqlite_url"
  [ -z "$seed_pg" ] || LOTSE_DATA_KEYS="$pg_keys" seed postgres "$pg_url"
fi
run sqlite "$sqlite_url"
if [ -n "$pg_url" ]; then
  LOTSE_DATA_KEYS="$pg_keys" run postgres "$pg_url"
  [ -n "${BENCH_KEEP:-}" ] || psql "$BENCH_POSTGRES_URL" -qc "drop database $pg_db with (force)"
fi
