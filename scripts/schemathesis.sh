#!/usr/bin/env bash
# Property-based test of Lotse's /api/v1 against its own OpenAPI document with schemathesis
# (pinned in tools/requirements-api.txt, installed into .venv-tools/).
#
#   scripts/schemathesis.sh    build lotse (debug) if LOTSE_BIN is unset, serve the demo on a
#                              free loopback port, create one API client per role with the CLI,
#                              run schemathesis once per client, stop the server
#
# Checks: not_a_server_error, status_code_conformance, content_type_conformance,
# response_schema_conformance, negative_data_rejection, ignored_auth; a fixed seed, bounded
# examples, 300 s per client. Exit 0 only if every run ran and reported no finding.
# Evaluator and outcome-payer clients cannot exist (no scope their role may use: `api-client
# add` refuses them), so they are left out.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

seed=20261202
max_examples=30
checks=not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,negative_data_rejection,ignored_auth

. scripts/demo-server.sh
venv_tool schemathesis tools/requirements-api.txt
serve_demo schemathesis api.db

# The organisation a demo account acts for (the demo's names are generated).
organisation_of() {
  python3 - "$db" "$1" <<'PY'
import sqlite3, sys
con = sqlite3.connect(sys.argv[1])
row = con.execute(
    "select o.name from user_account u join membership m on m.user_id = u.user_id "
    "join organisation o on o.programme_key = m.programme_key and o.organisation_id = m.organisation_id "
    "where u.username = ?", (sys.argv[2],)).fetchone()
print(row[0] if row else "")
PY
}

# A person of the programme (for the export) and the first case on a client's worklist, so
# that generated requests also reach records the client may see, not only 404s.
person_id=$(python3 - "$db" <<'PY'
import sqlite3, sys, uuid
con = sqlite3.connect(sys.argv[1])
row = con.execute(
    "select c.patient_id from case_file c join programme p on p.programme_key = c.programme_key "
    "where p.slug = 'duesseldorf' order by c.opened_at limit 1").fetchone()
print(uuid.UUID(bytes=row[0]) if row else "")
PY
)
first_case() {
  curl -s -H "Authorization: Bearer $1" "$base/api/v1/worklist" \
    | python3 -c 'import json, sys; items = json.load(sys.stdin).get("items", []); print(items[0]["case_id"] if items else "")' 2>/dev/null || true
}
# The first onward referral of a case the client may see (for a provider: one to its offers),
# and the first prescription of a prescriber's board.
first_onward() {
  curl -s -H "Authorization: Bearer $1" "$base/api/v1/cases/$2" \
    | python3 -c 'import json, sys; o = json.load(sys.stdin).get("onward_referrals", []); print(o[0]["id"] if o else "")' 2>/dev/null || true
}
first_prescription() {
  curl -s -H "Authorization: Bearer $1" "$base/api/v1/prescriptions" \
    | python3 -c 'import json, sys; items = json.load(sys.stdin).get("items", []); print(items[0]["prescription_id"] if items else "")' 2>/dev/null || true
}

# role, demo account whose organisation the client acts for (or -), scopes
clients="prescriber arzt.duesseldorf worklist:read,case:read,prescription:write
link-worker lotsin.duesseldorf worklist:read,case:read,consent:write,directory:read,case:work
offer-provider anbieter.duesseldorf worklist:read,case:read,offer:write,onward:answer
coordinator - export:read,directory:read,offer:write"

version=$("$venv/bin/schemathesis" --version 2>/dev/null | tail -1)
echo "$version against $base/api/openapi.json (seed $seed, at most $max_examples examples per operation)"
failed=0
while read -r role account scopes; do
  args=(api-client add --programme duesseldorf --name "st-$role" --role "$role" --scopes "$scopes"
        --database-url "sqlite:$db")
  if [ "$account" != "-" ]; then
    org=$(organisation_of "$account")
    [ -n "$org" ] || { echo "schemathesis: no organisation for $account"; exit 1; }
    args+=(--organisation "$org")
  fi
  token=$("$LOTSE_BIN" "${args[@]}" 2>"$work/add.log") || { echo "schemathesis: api-client add failed:"; cat "$work/add.log"; exit 1; }
  log="$work/st-$role.log"
  config="$work/st-$role.toml"
  case_id=$(first_case "$token")
  onward_id=""
  [ -n "$case_id" ] && onward_id=$(first_onward "$token" "$case_id")
  prescription_id=$(first_prescription "$token")
  {
    echo "[parameters]"
    [ -n "$case_id" ] && echo "\"path.case_id\" = \"$case_id\""
    [ -n "$onward_id" ] && echo "\"path.onward_referral_id\" = \"$onward_id\""
    [ -n "$prescription_id" ] && echo "\"path.prescription_id\" = \"$prescription_id\""
    [ -n "$person_id" ] && echo "\"path.person_id\" = \"$person_id\""
  } >"$config"
  started=$(date +%s)
  rc=0
  # Run from the scratch directory: hypothesis keeps its database in ./.hypothesis.
  (cd "$work" && timeout 300 "$root/$venv/bin/schemathesis" --config-file "$config" run "$base/api/openapi.json" \
    --checks "$checks" --seed "$seed" --max-examples "$max_examples" --workers 1 \
    --header "Authorization: Bearer $token" --request-timeout 10 --no-color) \
    >"$log" 2>&1 || rc=$?
  summary=$(grep -A1 -E "^Test cases:" "$log" | tail -n 1 | sed 's/^ *//' || true)
  echo "schemathesis $role ($scopes, case ${case_id:-none}, onward referral ${onward_id:-none}, prescription ${prescription_id:-none}): exit $rc, $(( $(date +%s) - started )) s: ${summary:-no summary}"
  generated=$(sed -n 's/^\([0-9][0-9]*\) generated.*/\1/p' <<<"$summary")
  if [ "${generated:-0}" -lt 50 ]; then
    echo "schemathesis $role: NOT RUN (only ${generated:-0} test cases generated)"
    rc=1
  fi
  if [ "$rc" -ne 0 ]; then
    failed=1
    tail -n 60 "$log"
    # The failures themselves (with their curl commands), which the summary above leaves out.
    sed -n '/FAILURES/,/SUMMARY/p' "$log" | head -n 150
  fi
done <<<"$clients"
exit "$failed"
