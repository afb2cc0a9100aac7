#!/usr/bin/env bash
# Write-path benchmark (run by hand, not in CI): generates the medium and
# large regional datasets with the project's generator, then loads each
# (1) with `social-value-hub import` and (2) over HTTP through a running
# server's syncCouncilData, on SQLite and, when SVH_BENCH_POSTGRES_URL is set
# (e.g. postgres://postgres@127.0.0.1:5432/test), on PostgreSQL. Reports
# records/s and peak memory (RSS) of the importer and of the server.
#
#   bench/import.sh [medium|large ...]        (BENCH_BACKENDS="sqlite postgres" to choose)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -eq 0 ]; then scales=(medium large); else scales=("$@"); fi
work=${BENCH_DIR:-/tmp/svh-bench}
mkdir -p "$work"
cargo build --profile dist --quiet --bin social-value-hub --example bench_sync
bin=target/dist/social-value-hub
export SVH_JWT_SECRET=bench-secret-bench-secret

fresh_db() { # backend scale -> URL of an empty database
  if [ "$1" = sqlite ]; then
    rm -f "$work/$2.db" "$work/$2.db-wal" "$work/$2.db-shm"
    echo "sqlite://$work/$2.db?mode=rwc"
  else
    local name="svh_bench_${2//-/_}"
    psql "$SVH_BENCH_POSTGRES_URL" -qc "DROP DATABASE IF EXISTS $name" -c "CREATE DATABASE $name" >/dev/null
    echo "${SVH_BENCH_POSTGRES_URL%/*}/$name"
  fi
}

backends=(sqlite)
[ -n "${SVH_BENCH_POSTGRES_URL:-}" ] && backends+=(postgres)
# BENCH_BACKENDS="postgres" (or "sqlite") runs just those.
[ -n "${BENCH_BACKENDS:-}" ] && read -r -a backends <<< "$BENCH_BACKENDS"

for scale in "${scales[@]}"; do
  dir="$work/$scale"
  [ -f "$dir/evidence.csv" ] || "$bin" generate --scale "$scale" --out "$dir"
  for backend in "${backends[@]}"; do
    echo "== $scale on $backend: import"
    url=$(fresh_db "$backend" "$scale-import")
    /usr/bin/time -f "importer peak RSS: %M KB, wall %e s" "$bin" import "$dir" --database-url "$url"

    echo "== $scale on $backend: syncCouncilData over HTTP"
    url=$(fresh_db "$backend" "$scale-http")
    SVH_DATABASE_URL="$url" SVH_LISTEN=127.0.0.1:4999 RUST_LOG=warn "$bin" serve &
    server=$!
    trap 'kill $server 2>/dev/null' EXIT
    until curl -sf http://127.0.0.1:4999/readyz >/dev/null; do sleep 0.2; done
    # The reference data first (bench_sync sends the records only).
    "$bin" import "$(bench/reference-only.sh "$dir")" --database-url "$url" >/dev/null
    target/dist/examples/bench_sync http://127.0.0.1:4999 "$dir" 4
    echo "server peak RSS: $(grep VmHWM /proc/$server/status | awk '{print $2, $3}')"
    kill $server; wait $server 2>/dev/null || true
  done
done
