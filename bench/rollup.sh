#!/usr/bin/env bash
# Dashboard read benchmark (run by hand, not in CI): imports each generated
# region (default: medium, then large: 15 councils, ~1.2M records) on SQLite and, when
# SVH_BENCH_POSTGRES_URL is set, on PostgreSQL; serves it; measures p50/p99
# latency and throughput at concurrency 1 and 8 over HTTP for the rollup
# issue's five queries; reports the server's peak memory; and times query (a)
# written as one plain SQL statement in sqlite3 / psql for comparison, over
# the records and over the rollup cells.
#
#   bench/rollup.sh [SCALES] [REQUESTS]    (SCALES "medium large", BENCH_BACKENDS "sqlite postgres" by default)
set -euo pipefail
cd "$(dirname "$0")/.."
scales=${1:-medium large}
requests=${2:-200}
work=${BENCH_DIR:-/tmp/svh-bench}
mkdir -p "$work"
cargo build --profile dist --quiet --bin social-value-hub --example bench_rollup
bin=target/dist/social-value-hub
export SVH_JWT_SECRET=bench-secret-bench-secret

# Query (a) as one statement: committed and delivered £ by council x theme, FY 2024.
plain_sql="SELECT council_id, theme_id, SUM(cc), CAST(SUM(cv) AS BIGINT), SUM(ec), CAST(SUM(dv) AS BIGINT), CAST(SUM(vv) AS BIGINT) FROM (
  SELECT c.council_id, m.theme_id, 1 AS cc, c.target_centi * p.value_pence AS cv, 0 AS ec, 0 AS dv, 0 AS vv
  FROM commitment c JOIN measure m ON m.id = c.measure_id JOIN proxy p ON p.measure_id = c.measure_id AND p.financial_year = c.financial_year
  WHERE c.deleted = FALSE AND c.financial_year = 2024
  UNION ALL
  SELECT c.council_id, m.theme_id, 0, 0, 1,
         CASE WHEN e.status <> 'REJECTED' THEN e.quantity_centi * p.value_pence ELSE 0 END,
         CASE WHEN e.status = 'VERIFIED' THEN e.quantity_centi * p.value_pence ELSE 0 END
  FROM evidence e JOIN commitment c ON c.id = e.commitment_id JOIN measure m ON m.id = c.measure_id
       JOIN proxy p ON p.measure_id = c.measure_id AND p.financial_year = e.financial_year
  WHERE e.deleted = FALSE AND e.financial_year = 2024) t GROUP BY council_id, theme_id;"

# The same figures from the rollup cells the service reads (src/service/rollup/cells.rs):
# each money figure is stored as two parts, hi * 10^9 + lo (src/service/split_sum.rs).
cells_sql="SELECT council_id, theme_id, SUM(commitments), SUM(committed_value_hi), SUM(committed_value_lo), SUM(evidence),
  SUM(delivered_value_hi), SUM(delivered_value_lo), SUM(verified_value_hi), SUM(verified_value_lo), SUM(value_pence_hi), SUM(value_pence_lo)
  FROM rollup_summary WHERE supplier_id = 0 AND theme_id <> 0 AND measure_id = 0 AND financial_year = 2024 GROUP BY council_id, theme_id;"

run() { # backend url
  echo "== $scale on $1"
  "$bin" import "$dir" --database-url "$2" | grep imported
  SVH_DATABASE_URL="$2" SVH_LISTEN=127.0.0.1:4998 RUST_LOG=warn "$bin" serve >/dev/null &
  server=$!
  trap 'kill ${server:-} 2>/dev/null || true' EXIT
  until curl -sf http://127.0.0.1:4998/readyz >/dev/null; do sleep 0.2; done
  target/dist/examples/bench_rollup http://127.0.0.1:4998 "$requests" LANCS
  echo "server peak RSS: $(grep VmHWM /proc/$server/status | awk '{print $2, $3}')"
  kill $server; wait $server 2>/dev/null || true
  for what in plain_sql cells_sql; do
    echo "$what for (a), 5 runs:"
    if [ "$1" = sqlite ]; then
      local file=${2#sqlite://}; file=${file%%\?*}
      for _ in 1 2 3 4 5; do printf ".timer on\n%s\n" "${!what}" | sqlite3 "$file" | grep -o 'real [0-9.]*'; done
    else
      for _ in 1 2 3 4 5; do psql "$2" -qc '\timing on' -c "${!what}" | grep -o 'Time: [0-9.]* ms'; done
    fi
  done
}

backends=${BENCH_BACKENDS:-sqlite postgres}
for scale in $scales; do
  dir="$work/$scale"
  [ -f "$dir/evidence.csv" ] || "$bin" generate --scale "$scale" --out "$dir"
  if [[ " $backends " == *" sqlite "* ]]; then
    rm -f "$work/rollup-$scale.db"*
    run sqlite "sqlite://$work/rollup-$scale.db?mode=rwc"
  fi
  if [[ " $backends " == *" postgres "* && -n "${SVH_BENCH_POSTGRES_URL:-}" ]]; then
    name="svh_bench_rollup_$scale"
    psql "$SVH_BENCH_POSTGRES_URL" -qc "DROP DATABASE IF EXISTS $name" -c "CREATE DATABASE $name" >/dev/null
    run postgres "${SVH_BENCH_POSTGRES_URL%/*}/$name"
  fi
done
