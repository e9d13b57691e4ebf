#!/usr/bin/env bash
# Starts the whole local site in one `wrangler dev`: migrates the local D1
# in STATE_DIR, loads the demo data, then runs the gateway and every family
# Worker on one port. Used by tools/dev.sh and by the end-to-end tests.
#
#   tools/site.sh --state DIR --port N --secrets FILE [--inspector-port N] [--extra-sql FILE]
#
# --extra-sql loads more data after the demo data (the benchmarks use it).
#
# FILE holds the Workers' secrets and overrides (KEY=value lines, as in
# .dev.vars). It is also wrangler's --env-file, so a developer's own
# .dev.vars beside wrangler.toml is never read instead (it would point the
# gateway at another simulator). wrangler gets a clean environment with just those (plus PATH
# and HOME) and CLOUDFLARE_INCLUDE_PROCESS_ENV, so every Worker of the
# multi-config session sees the same values.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$WEBOX_ROOT"

state="" port="" secrets="" inspector_port=0 extra_sql=""
while [ $# -gt 0 ]; do
  case "$1" in
    --state) state="$2"; shift 2 ;;
    --port) port="$2"; shift 2 ;;
    --secrets) secrets="$2"; shift 2 ;;
    --inspector-port) inspector_port="$2"; shift 2 ;;
    --extra-sql) extra_sql="$2"; shift 2 ;;
    *) echo "site: unknown argument $1" >&2; exit 2 ;;
  esac
done
[ -n "$state" ] && [ -n "$port" ] && [ -f "$secrets" ] || { echo "usage: tools/site.sh --state DIR --port N --secrets FILE" >&2; exit 2; }
mkdir -p "$state"
for worker in gateway "${WEBOX_FAMILIES[@]}"; do
  test -s "functions/$worker/build/index.js" || { echo "site: functions/$worker is not built; run tools/build.sh" >&2; exit 1; }
done

first_family="functions/${WEBOX_FAMILIES[0]}/wrangler.toml"
wrangler d1 migrations apply DB --local --persist-to "$state" -c "$first_family" >"$state/migrations.log" 2>&1 \
  || { cat "$state/migrations.log" >&2; exit 1; }
cargo run -q -p webox-seed >"$state/seed.sql"
wrangler d1 execute DB --local --persist-to "$state" -c "$first_family" --file "$state/seed.sql" >"$state/seed.log" 2>&1 \
  || { cat "$state/seed.log" >&2; exit 1; }

if [ -n "$extra_sql" ]; then
  wrangler d1 execute DB --local --persist-to "$state" -c "$first_family" --file "$extra_sql" >"$state/extra.log" 2>&1 \
    || { cat "$state/extra.log" >&2; exit 1; }
fi

configs=(-c wrangler.toml)
for family in "${WEBOX_FAMILIES[@]}"; do configs+=(-c "functions/$family/wrangler.toml"); done

# KEY=value lines, comments and blanks skipped, empty values dropped.
worker_env=()
while IFS= read -r line || [ -n "$line" ]; do
  case "$line" in ''|'#'*) continue ;; esac
  [ -n "${line#*=}" ] && worker_env+=("$line")
done <"$secrets"

exec env -i PATH="$PATH" HOME="${HOME:-/tmp}" CLOUDFLARE_INCLUDE_PROCESS_ENV=true WRANGLER_SEND_METRICS=false \
  "${worker_env[@]}" \
  wrangler dev "${configs[@]}" --env-file "$secrets" --persist-to "$state" --ip 127.0.0.1 --port "$port" \
  --inspector-port "$inspector_port" --show-interactive-dev-session=false --log-level "${WRANGLER_LOG_LEVEL:-info}"
