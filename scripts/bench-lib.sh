# Shared by the load-test scripts (sourced, not run): a work directory removed on exit with the
# server stopped, the release binary to run, signing a demo user in, and one bounded wrk run.
#
#   bench_start            needs wrk; sets $work, copies the binary to $work/lotse (BENCH_BIN,
#                          else `cargo build --release`), sets the EXIT trap
#   sign_in USER [PAGE]    a session cookie value and the form token of PAGE (default /cases)
#   table ENGINE           the header of the table the `load` rows make
#   load NAME CONNECTIONS PATH [wrk args]   one wrk run on $wrk_cores ($seconds long), one table row;
#                          its last two columns are the served process's cost per answered
#                          request over the run: CPU time (user + system, all its threads, read
#                          from /proc; PostgreSQL's own processes are not counted) and context
#                          switches (voluntary and involuntary, summed over its threads), steadier
#                          between runs on a shared machine than a latency percentile
#   warm CONNECTIONS PATH [wrk args]        the same load for $warmup seconds, not reported
#                                           (nothing when $warmup is 0 or unset)
#
# The caller sets $base (the server's address) and $seconds, and puts a served process's pid in
# $server. Cores (taskset lists): the server on BENCH_SERVER_CORES (default 1), wrk on
# BENCH_WRK_CORES (default 0); `0,1` for both lets the server and wrk share the two cores.
server_cores="${BENCH_SERVER_CORES:-1}"
wrk_cores="${BENCH_WRK_CORES:-0}"

bench_start() {
  command -v wrk >/dev/null 2>&1 || { echo "wrk not installed (apt-get install wrk)"; exit 1; }
  work=$(mktemp -d)
  server=""
  trap bench_cleanup EXIT
  if [ -n "${BENCH_BIN:-}" ]; then
    cp "$BENCH_BIN" "$work/lotse"
  else
    cargo build --release -q -p lotse-cli
    cp "${CARGO_TARGET_DIR:-target}/release/lotse" "$work/lotse"
  fi
  echo "# server on cores $server_cores, wrk on cores $wrk_cores"
  echo "# machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -r), $(date -u +%F); checkout $(git rev-parse --short HEAD)${BENCH_BIN:+, binary $BENCH_BIN}"
}

bench_cleanup() {
  [ -n "$server" ] && kill -TERM "$server" 2>/dev/null && wait "$server" 2>/dev/null
  rm -rf "$work"
}

sign_in() {
  local jar="$work/jar-$1" page="${2:-/cases}" csrf session
  rm -f "$jar"
  csrf=$(curl -s -c "$jar" "$base/login" | sed -n 's/.*name="csrf" value="\([0-9a-f]\{64\}\)".*/\1/p' | sed -n 1p)
  curl -s -b "$jar" -c "$jar" -o /dev/null --data-urlencode "username=$1" \
    --data-urlencode "password=lotse-demo-2026" --data-urlencode "csrf=$csrf" "$base/login"
  session=$(awk '$6 == "lotse_session" {print $7}' "$jar")
  csrf=$(curl -s -H "Cookie: lotse_session=$session" "$base$page" \
    | sed -n 's/.*name="csrf" value="\([0-9a-f]\{64\}\)".*/\1/p' | sed -n 1p)
  echo "$session ${csrf:-none}"
}

warm() {
  local connections=$1 path=$2
  shift 2
  [ "${warmup:-0}" -gt 0 ] || return 0
  timeout $((warmup + 30)) taskset -c "$wrk_cores" wrk -t1 -c"$connections" -d"${warmup}s" "$@" "$base$path" >/dev/null
}

# cpu_ticks: the served process's CPU time so far, user + system, in clock ticks.
cpu_ticks() {
  awk '{print $14 + $15}' "/proc/$server/stat"
}

# switches: the served process's context switches so far, summed over its threads.
switches() {
  cat /proc/"$server"/task/*/status 2>/dev/null | awk '/ctxt_switches/ {n += $2} END {print n + 0}'
}

table() {
  echo "| $1: request | connections | requests | requests/s | p50 | p99 | non-2xx | server CPU per request | context switches per request |"
  echo "|---|---|---|---|---|---|---|---|---|"
}

load() {
  local name=$1 connections=$2 path=$3
  shift 3
  local out rps p50 p99 non2xx requests ticks0 switches0 cpu switched
  ticks0=$(cpu_ticks)
  switches0=$(switches)
  out=$(timeout $((seconds + 30)) taskset -c "$wrk_cores" wrk -t1 -c"$connections" -d"${seconds}s" --latency "$@" "$base$path")
  cpu=$(( ($(cpu_ticks) - ticks0) * 1000000 / $(getconf CLK_TCK) ))
  switched=$(( $(switches) - switches0 ))
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  requests=$(awk '/requests in/ {print $1}' <<<"$out")
  non2xx=$(awk '/Non-2xx or 3xx responses/ {print $5}' <<<"$out")
  if [ "${requests:-0}" -gt 0 ]; then
    cpu="$((cpu / requests)) µs"
    switched=$(awk -v n="$switched" -v r="$requests" 'BEGIN {printf "%.1f", n / r}')
  else
    cpu="-"
    switched="-"
  fi
  echo "| $name | $connections | $requests | $rps | $p50 | $p99 | ${non2xx:-0} | $cpu | $switched |"
}
