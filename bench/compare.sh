#!/usr/bin/env bash
# Two builds side by side in one sitting (run by hand, not in CI): each
# imports the same generated region into a fresh database of its own, timed
# with its peak memory; then the two servers answer the dashboard queries
# (c) a council's rollup by supplier and (e) a page of 50 contracts, in
# alternating rounds, so that the machine's drift over the sitting falls on
# both alike. The same client (examples/bench_rollup.rs) measures both.
#
#   bench/compare.sh BEFORE_BIN AFTER_BIN [SCALE] [ROUNDS] [REQUESTS]
#
# e.g. build the commit before a change with `cargo build --profile dist`
# (or `--release` for commits before the dist profile) in a worktree of its
# own, with a CARGO_TARGET_DIR of its own (sharing one, cargo can keep the
# other commit's build of the path crates, migration and entity), then:
# bench/compare.sh /tmp/before/social-value-hub target/dist/social-value-hub medium 3
# SVH_BENCH_POSTGRES_URL adds PostgreSQL; BENCH_BACKENDS chooses; BENCH_REUSE=1
# skips the imports and serves the databases an earlier run left.
# BENCH_CASES (default ce) and BENCH_CONCURRENCY (default 1) choose the
# queries and concurrencies of examples/bench_rollup.rs. BENCH_FRAMEWORKS
# chooses which build imports the region generated with --frameworks (its
# councils in their own frameworks, the crosswalk in use): none (default),
# after (the before build predates frameworks and imports the v1 region of
# the same scale and seed), or both.
set -euo pipefail
cd "$(dirname "$0")/.."
before=$1 after=$2 scale=${3:-medium} rounds=${4:-3} requests=${5:-200}
work=${BENCH_DIR:-/tmp/svh-bench}
mkdir -p "$work"
cargo build --profile dist --quiet --example bench_rollup
client=${CARGO_TARGET_DIR:-target}/dist/examples/bench_rollup
export SVH_JWT_SECRET=bench-secret-bench-secret
cases=${BENCH_CASES:-ce} concurrency=${BENCH_CONCURRENCY:-1}
declare -A dir=([before]="$work/$scale" [after]="$work/$scale")
case "${BENCH_FRAMEWORKS:-none}" in
  none) ;;
  after) dir[after]="$work/$scale-frameworks" ;;
  both) dir[before]="$work/$scale-frameworks" dir[after]="$work/$scale-frameworks" ;;
  *) echo "BENCH_FRAMEWORKS is none, after or both" >&2; exit 2 ;;
esac
[ -f "$work/$scale/evidence.csv" ] || "$after" generate --scale "$scale" --out "$work/$scale"
[ -f "$work/$scale-frameworks/evidence.csv" ] || [ "${BENCH_FRAMEWORKS:-none}" = none ] || "$after" generate --frameworks --scale "$scale" --out "$work/$scale-frameworks"

backends=(sqlite)
[ -n "${SVH_BENCH_POSTGRES_URL:-}" ] && backends+=(postgres)
[ -n "${BENCH_BACKENDS:-}" ] && read -r -a backends <<< "$BENCH_BACKENDS"

fresh_db() { # backend name -> URL of an empty database
  if [ "$1" = sqlite ]; then
    rm -f "$work/$2.db" "$work/$2.db-wal" "$work/$2.db-shm"
    echo "sqlite://$work/$2.db?mode=rwc"
  else
    psql "$SVH_BENCH_POSTGRES_URL" -qc "DROP DATABASE IF EXISTS $2" -c "CREATE DATABASE $2" >/dev/null
    echo "${SVH_BENCH_POSTGRES_URL%/*}/$2"
  fi
}

for backend in "${backends[@]}"; do
  declare -A url
  for which in before after; do
    bin=${!which}
    if [ -n "${BENCH_REUSE:-}" ]; then
      # More rounds on the databases an earlier run imported.
      if [ "$backend" = sqlite ]; then url[$which]="sqlite://$work/svh_compare_${which}_$scale.db?mode=rwc"; else url[$which]="${SVH_BENCH_POSTGRES_URL%/*}/svh_compare_${which}_$scale"; fi
      continue
    fi
    url[$which]=$(fresh_db "$backend" "svh_compare_${which}_$scale")
    echo "== $scale on $backend, $which: import ${dir[$which]}"
    /usr/bin/time -f "$which import: wall %e s, peak RSS %M KB" "$bin" import "${dir[$which]}" --database-url "${url[$which]}" | grep imported
  done
  for round in $(seq 1 "$rounds"); do
    for which in before after; do
      bin=${!which}
      SVH_DATABASE_URL="${url[$which]}" SVH_LISTEN=127.0.0.1:4997 RUST_LOG=warn "$bin" serve >/dev/null &
      server=$!
      trap 'kill ${server:-} 2>/dev/null || true' EXIT
      until curl -sf http://127.0.0.1:4997/readyz >/dev/null; do sleep 0.2; done
      echo "== $backend round $round: $which"
      BENCH_CASES=$cases BENCH_CONCURRENCY=$concurrency "$client" http://127.0.0.1:4997 "$requests" LANCS | grep "^| [$cases]\."
      kill $server; wait $server 2>/dev/null || true
    done
  done
done
