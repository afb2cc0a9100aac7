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
#
# The region is generated with --frameworks (BENCH_V1=1: without), so that
# the rollups read a crosswalk in use.
set -euo pipefail
cd "$(dirname "$0")/.."
scales=${1:-medium large}
requests=${2:-200}
work=${BENCH_DIR:-/tmp/svh-bench}
mkdir -p "$work"
cargo build --profile dist --quiet --bin social-value-hub --example bench_rollup
bin=target/dist/social-value-hub
export SVH_JWT_SECRET=bench-secret-bench-secret

# Query (a) as one statement over the records, in regional terms (the
# crosswalk b: each measure's regional measure, theme, factor in
# ten-thousandths and whether it is valued; src/service/rollup/valuation.rs):
# committed and delivered £ by council x theme, FY 2024. Values are
# CAST AS DECIMAL: exact on PostgreSQL; SQLite, without a wider integer,
# turns an overflowing product into a float, which is fine for a timing
# reference and is why the service sums in parts instead.
basis="(SELECT m.id AS rid, CASE WHEN m.framework_id = 1 THEN m.theme_id ELSE COALESCE(r.theme_id, -1) END AS theme_id,
    CASE WHEN m.framework_id = 1 THEN m.id ELSE COALESCE(x.regional_measure_id, -1) END AS mid,
    CASE WHEN m.framework_id = 1 THEN 10000 ELSE COALESCE(x.factor_e4, 10000) END AS f,
    CASE WHEN m.valued AND (m.framework_id = 1 OR r.valued) THEN 1 ELSE 0 END AS valued
  FROM measure m LEFT JOIN measure_mapping x ON x.measure_id = m.id LEFT JOIN measure r ON r.id = x.regional_measure_id) b"
plain_sql="SELECT council_id, theme_id, SUM(cc), SUM(cv), SUM(ec), SUM(dv), SUM(vv) FROM (
  SELECT c.council_id, b.theme_id, 1 AS cc, CAST(c.target_centi AS DECIMAL) * b.f * b.valued * COALESCE(p.value_pence, 0) AS cv, 0 AS ec, 0 AS dv, 0 AS vv
  FROM commitment c JOIN $basis ON b.rid = c.measure_id LEFT JOIN proxy p ON p.measure_id = b.mid AND p.financial_year = c.financial_year
  WHERE c.deleted = FALSE AND c.financial_year = 2024
  UNION ALL
  SELECT c.council_id, b.theme_id, 0, 0, 1,
         CASE WHEN e.status <> 'REJECTED' THEN CAST(e.quantity_centi AS DECIMAL) * b.f * b.valued * COALESCE(p.value_pence, 0) ELSE 0 END,
         CASE WHEN e.status = 'VERIFIED' THEN CAST(COALESCE(e.validated_centi, e.quantity_centi) AS DECIMAL) * b.f * b.valued * COALESCE(p.value_pence, 0) ELSE 0 END
  FROM evidence e JOIN commitment c ON c.id = e.commitment_id JOIN $basis ON b.rid = c.measure_id
       LEFT JOIN proxy p ON p.measure_id = b.mid AND p.financial_year = e.financial_year
  WHERE e.deleted = FALSE AND e.financial_year = 2024) t GROUP BY council_id, theme_id;"

# The same figures from the rollup cells the service reads (src/service/rollup/cells.rs):
# each value is stored as three parts, p2 * 10^18 + p1 * 10^9 + p0, and a
# contract value as two (src/service/split_sum.rs).
cells_sql="SELECT council_id, theme_id, SUM(commitments), SUM(committed_value_p2), SUM(committed_value_p1), SUM(committed_value_p0), SUM(evidence),
  SUM(delivered_value_p2), SUM(delivered_value_p1), SUM(delivered_value_p0), SUM(verified_value_p2), SUM(verified_value_p1), SUM(verified_value_p0),
  SUM(contract_value_p1), SUM(contract_value_p0)
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
  # The region with the crosswalk in use (councils in their own frameworks); BENCH_V1=1 for the v1 region.
  if [ -n "${BENCH_V1:-}" ]; then dir="$work/$scale"; generate=(); else dir="$work/$scale-frameworks"; generate=(--frameworks); fi
  [ -f "$dir/evidence.csv" ] || "$bin" generate "${generate[@]}" --scale "$scale" --out "$dir"
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
