#!/usr/bin/env bash
# How soon a change reaches a subscriber on another replica (bench/live.mjs):
# two server processes on one database, the demo region loaded, one taking
# the writes and the other serving the subscription (run by hand; not in CI).
#
#   bench/live.sh [N]          (default 50 changes)
#
# SQLite (the second process polls every 0.5 s: SQLite cannot notify another
# process) and, when SVH_BENCH_POSTGRES_URL is set, PostgreSQL (LISTEN/NOTIFY).
# BIN picks the binary (default: target/dist/social-value-hub, built here).
# Needs `npm ci --prefix tests/clients`.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-50}
if [ -z "${BIN:-}" ]; then
  cargo build --profile dist --quiet --bin social-value-hub
  BIN=target/dist/social-value-hub
fi
export SVH_JWT_SECRET=bench-secret-bench-secret
work=$(mktemp -d)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; rm -rf "$work"' EXIT
backends=(sqlite)
[ -n "${SVH_BENCH_POSTGRES_URL:-}" ] && backends+=(postgres)
for backend in "${backends[@]}"; do
  if [ "$backend" = sqlite ]; then
    url="sqlite://$work/live.db?mode=rwc"
  else
    psql "$SVH_BENCH_POSTGRES_URL" -qc "DROP DATABASE IF EXISTS svh_bench_live" -c "CREATE DATABASE svh_bench_live"
    url="${SVH_BENCH_POSTGRES_URL%/*}/svh_bench_live"
  fi
  SVH_DATABASE_URL="$url" SVH_DEMO=true SVH_LISTEN=127.0.0.1:4991 RUST_LOG=warn "$BIN" serve > /dev/null 2>&1 &
  pids+=($!)
  until curl -sf http://127.0.0.1:4991/readyz > /dev/null; do sleep 0.5; done
  SVH_DATABASE_URL="$url" SVH_LISTEN=127.0.0.1:4992 RUST_LOG=warn "$BIN" serve > /dev/null 2>&1 &
  pids+=($!)
  until curl -sf http://127.0.0.1:4992/readyz > /dev/null; do sleep 0.5; done
  echo "### $backend"
  WRITE_URL=http://127.0.0.1:4991 WS_URL=ws://127.0.0.1:4992/graphql/ws N="$n" \
    SYNC_TOKEN=$("$BIN" token --role council_sync --council LIV) VIEW_TOKEN=$("$BIN" token --role council_viewer --council LIV) \
    node bench/live.mjs
  kill "${pids[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
  pids=()
done
