#!/usr/bin/env bash
# A mapping change against a proxy change on a generated v2 region (run by
# hand, not in CI): both rewrite the figures they touch in one transaction,
# and a mapping change should cost no more than a proxy change. Times each,
# as regional_admin over HTTP, in alternating rounds.
#
#   bench/map_vs_proxy.sh [SCALE] [DATABASE_URL]
#
# SCALE defaults to medium; DATABASE_URL to a fresh SQLite file (give an
# empty PostgreSQL database's URL to measure PostgreSQL). BENCH_REUSE=1 with
# a DATABASE_URL measures a database that already holds the region (one
# that bench/compare.sh BENCH_FRAMEWORKS=after imported, say).
set -euo pipefail
cd "$(dirname "$0")/.."
scale=${1:-medium} url=${2:-}
work=${BENCH_DIR:-/tmp/svh-bench}
mkdir -p "$work"
cargo build --profile dist --quiet --bin social-value-hub
bin=${CARGO_TARGET_DIR:-target}/dist/social-value-hub
export SVH_JWT_SECRET=bench-secret-bench-secret
dir="$work/$scale-frameworks"
[ -f "$dir/evidence.csv" ] || "$bin" generate --scale "$scale" --frameworks --out "$dir" >/dev/null
if [ -z "$url" ]; then
  rm -f "$work/v2-$scale.db" "$work/v2-$scale.db-wal" "$work/v2-$scale.db-shm"
  url="sqlite://$work/v2-$scale.db?mode=rwc"
fi
[ -n "${BENCH_REUSE:-}" ] || /usr/bin/time -f "import: wall %e s, peak RSS %M KB" "$bin" import "$dir" --database-url "$url" | grep imported
SVH_DATABASE_URL="$url" SVH_LISTEN=127.0.0.1:4995 RUST_LOG=warn "$bin" serve >/dev/null 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
until curl -sf http://127.0.0.1:4995/readyz >/dev/null; do sleep 0.2; done
admin=$("$bin" token --role regional_admin)
seconds() {
  curl -s -o /dev/null -w "%{time_total}" http://127.0.0.1:4995/graphql -H "Authorization: Bearer $admin" \
    -H 'content-type: application/json' -d "{\"query\": \"$1\"}"
}
# JOBS-03's 2024 proxy moves every pair with JOBS-03 figures of 2024, in
# every council; LTOMS's JOBS-03 (apprenticeship starts × 52 weeks) every
# pair with commitments on it, in the councils that report in LTOMS.
for round in 1 2 3 4; do
  value=$([ $((round % 2)) = 0 ] && echo 280.00 || echo 281.00)
  factor=$([ $((round % 2)) = 0 ] && echo 52 || echo 26)
  proxy=$(seconds "mutation { setProxy(measureCode: \\\"JOBS-03\\\", financialYear: 2024, valueGbp: \\\"$value\\\") { valueGbp } }")
  mapping=$(seconds "mutation { mapMeasure(input: {frameworkCode: \\\"LTOMS\\\", measureCode: \\\"JOBS-03\\\", regionalMeasureCode: \\\"JOBS-03\\\", factor: \\\"$factor\\\"}) { factor } }")
  echo "round $round: setProxy JOBS-03/2024 ${proxy} s, mapMeasure LTOMS/JOBS-03 ${mapping} s"
done
