#!/usr/bin/env bash
# Makes sure PostgreSQL and Redis run on this machine: installs them from
# Debian's packages when missing, starts them when down. Idempotent.
set -euo pipefail

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

pg_up() { pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; }
redis_up() { redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; }

installed_now=0
if ! command -v pg_ctlcluster >/dev/null || ! command -v redis-server >/dev/null; then
  echo "services: installing postgresql and redis-server from Debian's packages" >&2
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql postgresql-contrib redis-server >/dev/null
  installed_now=1
fi

if ! pg_up; then
  version=$(ls /etc/postgresql | sort -V | tail -1)
  if [ "$installed_now" = 1 ]; then
    # A fresh install asks for passwords on TCP; the local node and the tests
    # connect as postgres over 127.0.0.1 without one, as on the dev machines.
    hba=/etc/postgresql/$version/main/pg_hba.conf
    as_root sed -i -E 's/^(host\s+all\s+all\s+(127\.0\.0\.1\/32|::1\/128)\s+)\S+/\1trust/' "$hba"
  fi
  as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start
fi
if ! redis_up; then
  as_root redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null
fi

for _ in $(seq 1 30); do
  if pg_up && redis_up; then exit 0; fi
  sleep 1
done
pg_up || { echo "services: PostgreSQL does not answer on 127.0.0.1:5432" >&2; exit 1; }
redis_up || { echo "services: Redis does not answer on 127.0.0.1:6379" >&2; exit 1; }
