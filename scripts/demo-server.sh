# Sourced by scripts/sqlmap.sh and scripts/schemathesis.sh (not run on its own): a pinned
# Python tool in .venv-tools/, and the demo served by `lotse` on a free loopback port.

venv=.venv-tools

# venv_tool TOOL REQUIREMENTS: installs REQUIREMENTS into .venv-tools/ unless TOOL is there.
venv_tool() {
  if [ ! -x "$venv/bin/$1" ]; then
    [ -x "$venv/bin/pip" ] || python3 -m venv "$venv"
    timeout 300 "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$2"
  fi
}

# serve_demo NAME DB_FILE_NAME [SERVE FLAGS...]: serves the demo (LOTSE_BIN, else a debug build)
# on a free loopback port. Sets work (a temporary directory, removed on exit), db, server, port
# and base; the server is stopped on exit. NAME prefixes the message if it does not start.
serve_demo() {
  local name=$1 file=$2
  shift 2
  if [ -z "${LOTSE_BIN:-}" ]; then
    cargo build -q -p lotse-cli
    LOTSE_BIN="${CARGO_TARGET_DIR:-target}/debug/lotse"
  fi
  work=$(mktemp -d)
  server=""
  trap 'stop_demo' EXIT
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  base="http://127.0.0.1:$port"
  db="$work/$file"
  "$LOTSE_BIN" serve --demo --addr "127.0.0.1:$port" --database-url "sqlite:$db" "$@" --log info \
    >"$work/server.log" 2>&1 &
  server=$!
  for _ in $(seq 1 300); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.2; done
  curl -sf "$base/healthz" >/dev/null || { echo "$name: the server did not start"; cat "$work/server.log"; exit 1; }
}

stop_demo() {
  [ -n "$server" ] && kill -TERM "$server" 2>/dev/null && wait "$server" 2>/dev/null
  rm -rf "$work"
}
