#!/usr/bin/env bash
# The whole comparison in one command (run by hand, not in CI): for each
# scale (default: medium, then large) and each backend (SQLite, and
# PostgreSQL when SVH_BENCH_POSTGRES_URL is set, e.g.
# postgres://postgres@127.0.0.1:5432/test), side by side in one run:
#
#   ingest    `import` of the generated region against a plain load of the
#             same CSV files into plain tables (bench/sql/plain_*.sql: COPY
#             on PostgreSQL, .import on SQLite, then the keys' indexes and
#             VACUUM ANALYZE / ANALYZE), with the importer's peak memory and
#             both databases' sizes; and syncCouncilData over HTTP with four
#             councils at once (examples/bench_sync.rs);
#   reads     the rollups (a)-(d), the dashboard page (e) asked as edges, as
#             nodes (f) and as fifty node(id) (g), and one contract by id (h),
#             over HTTP at one client and at eight (examples/bench_rollup.rs),
#             against the hand-written SQL for the same answer (bench/sql/*.sql)
#             run by pgbench, or by sqlite3 processes, on the same database.
#
# It prints one table per scale and backend, with the ratios, and keeps
# every line it printed in $BENCH_DIR/all.md.
#
#   bench/all.sh [SCALES] [REQUESTS]      (default: "medium large" 400)
#
# BENCH_BACKENDS="sqlite postgres" chooses the backends. Ratios: for
# ingest, the service's time over the plain load's; for storage, the
# service's database over the plain tables; for reads, the service's mean
# latency over the SQL's at one client, and the SQL's throughput over the
# service's at eight (so below 1 means the service is the faster).
set -euo pipefail
cd "$(dirname "$0")/.."
scales=${1:-medium large}
requests=${2:-400}
work=${BENCH_DIR:-/tmp/svh-bench}
mkdir -p "$work"
cargo build --profile dist --quiet --bin social-value-hub --example bench_rollup --example bench_sync
bin=target/dist/social-value-hub
export SVH_JWT_SECRET=bench-secret-bench-secret
out="$work/all.md"
: > "$out"
say() { echo "$*" | tee -a "$out"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
now() { date +%s.%N; }
since() { awk -v s="$1" -v e="$(now)" 'BEGIN { printf "%.2f", e - s }'; }

backends=(sqlite)
[ -n "${SVH_BENCH_POSTGRES_URL:-}" ] && backends+=(postgres)
[ -n "${BENCH_BACKENDS:-}" ] && read -r -a backends <<< "$BENCH_BACKENDS"
pg_admin=${SVH_BENCH_POSTGRES_URL:-}

fresh_db() { # backend name -> URL of an empty database
  if [ "$1" = sqlite ]; then
    rm -f "$work/$2.db" "$work/$2.db-wal" "$work/$2.db-shm"
    echo "sqlite://$work/$2.db?mode=rwc"
  else
    psql "$pg_admin" -qc "DROP DATABASE IF EXISTS $2" -c "CREATE DATABASE $2" 2>/dev/null >/dev/null
    echo "${pg_admin%/*}/$2"
  fi
}
sqlite_file() { local f=${1#sqlite://}; echo "${f%%\?*}"; }

size_bytes() { # backend url -> bytes of its tables and indexes
  if [ "$1" = sqlite ]; then
    local f; f=$(sqlite_file "$2")
    sqlite3 "$f" "PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null
    stat -c %s "$f"
  else
    psql "$2" -Atc "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                    WHERE n.nspname = 'public' AND c.relkind IN ('r', 'm')"
  fi
}
mb() { awk -v b="$1" 'BEGIN { printf "%.0f MB", b / 1048576 }'; }

TABLES="councils frameworks themes measures mappings proxies suppliers contracts commitments evidence"
plain_load() { # backend url dir: the baseline, timed
  if [ "$1" = sqlite ]; then
    local f; f=$(sqlite_file "$2")
    { cat bench/sql/plain_tables.sql
      for t in $TABLES; do echo ".import --csv --skip 1 $3/$t.csv $t"; done
      cat bench/sql/plain_indexes.sql; echo "ANALYZE;"; } | sqlite3 -bail "$f"
  else
    { cat bench/sql/plain_tables.sql
      for t in $TABLES; do echo "\\copy $t FROM '$3/$t.csv' CSV HEADER"; done
      cat bench/sql/plain_indexes.sql; echo "VACUUM ANALYZE;"; } | psql -q -v ON_ERROR_STOP=1 "$2"
  fi
}

# The hand-written SQL of each read case, and its parameters.
declare -A sql_of=([a]="a_council_theme" [b]="b_regional_totals" [c]="c_by_supplier" [d]="d_by_measure d_trend"
                   [e]="page" [f]="page" [g]="page" [h]="contract")
sql_script() { # case -> one file holding its statements
  local file="$work/case-$1.sql"
  : > "$file"
  for part in ${sql_of[$1]}; do grep -v '^--' "bench/sql/$part.sql" >> "$file"; done
  echo "$file"
}
query() { # backend url sql -> first value
  if [ "$1" = sqlite ]; then sqlite3 "$(sqlite_file "$2")" "$3"; else psql "$2" -Atc "$3"; fi
}

sql_bench() { # backend url case clients n -> "mean_ms tps"
  local script; script=$(sql_script "$3")
  if [ "$1" = postgres ]; then
    local res
    res=$(pgbench -n -M prepared -f "$script" -D council="$council" -D theme="$theme" -D contract="$contract" -c "$4" -j "$4" -t $(( $5 / $4 )) "$2" 2>&1)
    echo "$(echo "$res" | awk '/latency average/ { print $4 }') $(echo "$res" | awk '/^tps/ { print $3 }')"
  else
    local f; f=$(sqlite_file "$2")
    local body="$work/case-$3-sqlite.sql"
    { echo ".parameter set :council $council"; echo ".parameter set :theme $theme"; echo ".parameter set :contract $contract"
      for _ in $(seq $(( $5 / $4 ))); do cat "$script"; done; } > "$body"
    local start; start=$(now)
    for _ in $(seq "$4"); do sqlite3 -readonly "$f" < "$body" > /dev/null & done
    wait
    local secs; secs=$(since "$start")
    awk -v s="$secs" -v n="$5" -v c="$4" 'BEGIN { printf "%.3f %.1f", s * 1000 * c / n, n / s }'
  fi
}

run() { # scale backend
  local scale=$1 backend=$2 dir="$work/$1-frameworks" name="svh_all_${1}"
  say ""
  say "### $scale region on $backend"
  say ""
  # Ingest: the plain load, then the service's import, each into a fresh database.
  local plain; plain=$(fresh_db "$backend" "${name}_plain")
  local t0; t0=$(now); plain_load "$backend" "$plain" "$dir"; local plain_secs; plain_secs=$(since "$t0")
  local plain_size; plain_size=$(size_bytes "$backend" "$plain")
  local url; url=$(fresh_db "$backend" "${name}_svh")
  local log="$work/import-$scale-$backend.log"
  /usr/bin/time -f "%e %M" -o "$work/time" "$bin" import "$dir" --database-url "$url" > "$log"
  read -r import_secs peak_kb < "$work/time"
  local records; records=$(grep -o '([0-9]* records' "$log" | grep -o '[0-9]*')
  local size; size=$(size_bytes "$backend" "$url")
  say "| what | service | plain / hand-written SQL | ratio |"
  say "| --- | --- | --- | --- |"
  say "| ingest $records records: import (peak $(( peak_kb / 1024 )) MB) vs plain load | ${import_secs} s ($(ratio "$records" "$import_secs" | cut -d. -f1) records/s) | ${plain_secs} s ($(ratio "$records" "$plain_secs" | cut -d. -f1) rows/s) | $(ratio "$import_secs" "$plain_secs") |"
  say "| database size | $(mb "$size") | $(mb "$plain_size") | $(ratio "$size" "$plain_size") |"

  # Reads, on the imported database.
  council=$(query "$backend" "$url" "SELECT id FROM council WHERE code = 'LANCS'")
  theme=$(query "$backend" "$url" "SELECT id FROM theme WHERE code = 'ENV' AND framework_id = 1")
  contract=$(query "$backend" "$url" "SELECT MIN(id) FROM contract WHERE council_id = $council AND deleted = FALSE")
  # (g) asks fifty node(id) in one operation: 700 fields, over the default bound of 500.
  SVH_MAX_QUERY_FIELDS=1000 SVH_DATABASE_URL="$url" SVH_LISTEN=127.0.0.1:4996 RUST_LOG=warn "$bin" serve > /dev/null 2>&1 &
  server=$!
  until curl -sf http://127.0.0.1:4996/readyz > /dev/null; do sleep 0.2; done
  local reads="$work/reads-$scale-$backend.md"
  target/dist/examples/bench_rollup http://127.0.0.1:4996 "$requests" LANCS > "$reads"
  kill $server; wait $server 2>/dev/null || true
  # | name | c | p50 | p99 | mean | rps |
  for c in a b c d e f g h; do
    local label; label=$(awk -F' [|] ' -v c="$c" 'substr($1, 3, 1) == c && $2 == 1 { print substr($1, 3) }' "$reads")
    local mean1; mean1=$(awk -F' [|] ' -v c="$c" 'substr($1, 3, 1) == c && $2 == 1 { print $5 }' "$reads")
    local rps8; rps8=$(awk -F' [|] ' -v c="$c" 'substr($1, 3, 1) == c && $2 == 8 { print $6 }' "$reads" | tr -d ' |')
    # The rollups over the records take up to seconds each: 16 of them say enough.
    local n=$requests; [[ $c == [abcd] ]] && n=16
    read -r sql_mean1 _ <<< "$(sql_bench "$backend" "$url" "$c" 1 "$n")"
    read -r _ sql_tps8 <<< "$(sql_bench "$backend" "$url" "$c" 8 "$n")"
    say "| $label, 1 client: mean ms | $mean1 | $sql_mean1 | $(ratio "$mean1" "$sql_mean1") |"
    say "| $label, 8 clients: requests/s | $rps8 | $sql_tps8 | $(ratio "$sql_tps8" "$rps8") |"
  done

  # Ingest over HTTP: syncCouncilData, four councils at once, into a fresh database.
  local http; http=$(fresh_db "$backend" "${name}_http")
  "$bin" import "$(bench/reference-only.sh "$dir")" --database-url "$http" > /dev/null
  SVH_DATABASE_URL="$http" SVH_LISTEN=127.0.0.1:4996 RUST_LOG=warn "$bin" serve > /dev/null 2>&1 &
  server=$!
  until curl -sf http://127.0.0.1:4996/readyz > /dev/null; do sleep 0.2; done
  local synced; synced=$(target/dist/examples/bench_sync http://127.0.0.1:4996 "$dir" 4 | tail -1)
  local server_peak; server_peak=$(awk '/VmHWM/ { print int($2 / 1024) }' "/proc/$server/status")
  kill $server; wait $server 2>/dev/null || true
  local http_rate; http_rate=$(echo "$synced" | grep -o '[0-9]* records/s' | grep -o '[0-9]*')
  say "| ingest over HTTP, 4 councils at once (server peak $server_peak MB) | $http_rate records/s | $(ratio "$records" "$plain_secs" | cut -d. -f1) rows/s | $(ratio "$(ratio "$records" "$plain_secs")" "$http_rate") |"
}

server=
trap 'kill ${server:-} 2>/dev/null || true' EXIT
say "bench/all.sh $scales $requests at $(git rev-parse --short HEAD), $(date -u +%FT%TZ), $(nproc) cores"
for scale in $scales; do
  dir="$work/$scale-frameworks"
  [ -f "$dir/evidence.csv" ] || "$bin" generate --frameworks --scale "$scale" --out "$dir" > /dev/null
  for backend in "${backends[@]}"; do run "$scale" "$backend"; done
done
