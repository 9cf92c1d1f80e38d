#!/usr/bin/env bash
# Starts one node on http://localhost:8080 with a first admin account, whose
# credentials it prints. Data stays in the "archipel" database and ./data.
set -euo pipefail
cd "$(dirname "$0")/.."

export ARCHIPEL_DATABASE_URL=${ARCHIPEL_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/archipel?sslmode=disable}
export ARCHIPEL_FEDERATION_MODE=${ARCHIPEL_FEDERATION_MODE:-open}
export ARCHIPEL_DATA_DIR=${ARCHIPEL_DATA_DIR:-./data}
bin=./bin/archipel

psql -h 127.0.0.1 -U postgres -tAc "select 1 from pg_database where datname = 'archipel'" | grep -q 1 \
  || psql -h 127.0.0.1 -U postgres -qc "create database archipel"
"$bin" migrate >/dev/null

mkdir -p "$ARCHIPEL_DATA_DIR"
secret="$ARCHIPEL_DATA_DIR/admin-password"
if [ ! -s "$secret" ]; then
  head -c 18 /dev/urandom | base64 | tr -d '/+=' > "$secret"
  chmod 600 "$secret"
fi
password=$(cat "$secret")
if "$bin" admin user create --username admin --email admin@localhost.gouv.fr --password "$password" \
     --tier state --role admin --display-name "Administrateur" >/dev/null 2>/tmp/archipel-admin.err; then
  :
elif ! grep -q "already taken" /tmp/archipel-admin.err; then
  cat /tmp/archipel-admin.err >&2; exit 1
fi
"$bin" admin tier-rule set '*.gouv.fr' state

cat <<MSG

  Archipel node: ${ARCHIPEL_PUBLIC_URL:-http://localhost:8080}
  admin login:   admin / $password
  API token:     $("$bin" admin token create --username admin --name make-run)
  try:           curl -s '${ARCHIPEL_PUBLIC_URL:-http://localhost:8080}/.well-known/webfinger?resource=acct:admin@localhost:8080'

MSG
exec "$bin" serve
