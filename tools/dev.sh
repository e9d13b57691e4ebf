#!/usr/bin/env bash
# `make dev`: the whole site locally — every Worker, migrated D1 with demo
# data, and the simulator of external services — on one port. State persists
# in .state/dev between runs (delete the folder to start over).
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$WEBOX_ROOT"

PORT="${PORT:-8787}"
SIM_PORT="${SIM_PORT:-8788}"

tools/bootstrap.sh
tools/build.sh
cargo build -q -p webox-simulator -p webox-seed

# Local secrets: created once with random values, kept in .dev.vars (gitignored).
if [ ! -f .dev.vars ]; then
  echo "dev: creating .dev.vars with fresh random secrets"
  jwt=$(head -c 48 /dev/urandom | base64 | tr -d '\n')
  enc=$(head -c 32 /dev/urandom | base64 | tr -d '\n')
  sed -e "s|^JWT_SECRET_KEY=.*|JWT_SECRET_KEY=$jwt|" -e "s|^ENCRYPTION_KEY=.*|ENCRYPTION_KEY=$enc|" \
      -e "s|^EMAIL_API_BASE=.*|EMAIL_API_BASE=http://127.0.0.1:$SIM_PORT|" -e "s|^STRIPE_API_BASE=.*|STRIPE_API_BASE=http://127.0.0.1:$SIM_PORT|" \
      -e "s|^PAYPAL_API_BASE=.*|PAYPAL_API_BASE=http://127.0.0.1:$SIM_PORT|" \
      -e "s|^\([A-Z]*_API_BASE\)=http://127.0.0.1:8788/|\1=http://127.0.0.1:$SIM_PORT/|" .dev.vars.example >.dev.vars
fi

# Settings added to .dev.vars.example since .dev.vars was made: append them.
while IFS= read -r line; do
  case "$line" in ''|'#'*) continue ;; esac
  grep -q "^${line%%=*}=" .dev.vars || echo "$line" >>.dev.vars
done <.dev.vars.example

mkdir -p .state/dev
target_dir=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
# The simulator accepts the keys the site holds and sends it webhooks.
setting() { grep "^$1=" .dev.vars | cut -d= -f2-; }
SIM_EMAIL_API_KEY=$(setting EMAIL_API_KEY) \
SIM_STRIPE_SECRET_KEY=$(setting STRIPE_SECRET_KEY) \
SIM_STRIPE_PUBLISHABLE_KEY=$(setting STRIPE_PUBLISHABLE_KEY) \
SIM_STRIPE_WEBHOOK_SECRET=$(setting STRIPE_WEBHOOK_SECRET) \
SIM_PAYPAL_CLIENT_ID=$(setting PAYPAL_CLIENT_ID) \
SIM_PAYPAL_CLIENT_SECRET=$(setting PAYPAL_CLIENT_SECRET) \
SIM_PAYPAL_WEBHOOK_ID=$(setting PAYPAL_WEBHOOK_ID) \
SIM_OPENAI_KEY=$(setting OPENAI_API_KEY) \
SIM_ANTHROPIC_KEY=$(setting ANTHROPIC_API_KEY) \
SIM_GOOGLE_KEY=$(setting GOOGLE_API_KEY) \
SIM_MISTRAL_KEY=$(setting MISTRAL_API_KEY) \
SIM_GROQ_KEY=$(setting GROQ_API_KEY) \
SIM_STABILITY_KEY=$(setting STABILITY_API_KEY) \
SIM_ELEVENLABS_KEY=$(setting ELEVENLABS_API_KEY) \
SIM_RUNWAY_KEY=$(setting RUNWAY_API_KEY) \
SIM_LUMA_KEY=$(setting LUMA_API_KEY) \
SIM_FAL_KEY=$(setting FAL_API_KEY) \
SIM_SUNO_COOKIE="$(setting SUNO_API_KEY)" \
SIM_PIAPI_KEY=$(setting UDIO_API_KEY) \
SIM_WEBHOOK_TARGET="http://127.0.0.1:$PORT" \
  "$target_dir/debug/webox-simulator" --port "$SIM_PORT" >.state/dev/simulator.log 2>&1 &
sim_pid=$!
trap 'kill $sim_pid 2>/dev/null || true' EXIT INT TERM

cat <<INFO

  WeBox is starting on   http://127.0.0.1:$PORT
  Emails it sends:       http://127.0.0.1:$SIM_PORT/   (the simulator's inbox)
  Payments:              Stripe and PayPal are the simulator (test card pm_card_visa);
                         webhooks it sent: http://127.0.0.1:$SIM_PORT/_sim/webhooks
  AI chat:               http://127.0.0.1:$PORT/studio/chat — every provider is the
                         simulator (try "[sim:429]" or "[sim:break]" in a message)
  Demo accounts:         admin@webox.local / WeBox-admin-2026!   (admin)
                         demo@webox.local  / WeBox-demo-2026!    (user)
  Stop with Ctrl-C.

INFO
tools/site.sh --state .state/dev --port "$PORT" --secrets .dev.vars
