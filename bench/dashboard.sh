#!/usr/bin/env bash
# The dashboard page's speed on a region bench/all.sh has imported (run by
# hand, after it; not in CI): each request the page sends, p50 at one
# client (examples/bench_rollup.rs cases i-n, and (c) with and without
# `first: 20`: cases c and o); the server's peak memory while it streams
# the whole of evidence.csv; and, when tests/browser has its node_modules,
# how long the page takes from load to its figures in Chromium.
#
#   bench/dashboard.sh [SCALE] [REQUESTS]      (default: large 200)
#
# Backends as bench/all.sh: SQLite, and PostgreSQL when
# SVH_BENCH_POSTGRES_URL is set. Prints a table per backend.
set -euo pipefail
cd "$(dirname "$0")/.."
scale=${1:-large}
requests=${2:-200}
work=${BENCH_DIR:-/tmp/svh-bench}
cargo build --profile dist --quiet --bin social-value-hub --example bench_rollup
bin=target/dist/social-value-hub
export SVH_JWT_SECRET=bench-secret-bench-secret
backends=(sqlite)
[ -n "${SVH_BENCH_POSTGRES_URL:-}" ] && backends+=(postgres)

for backend in "${backends[@]}"; do
  if [ "$backend" = sqlite ]; then url="sqlite://$work/svh_all_${scale}_svh.db?mode=rwc"; else url="${SVH_BENCH_POSTGRES_URL%/*}/svh_all_${scale}_svh"; fi
  SVH_DATABASE_URL="$url" SVH_LISTEN=127.0.0.1:4995 RUST_LOG=warn "$bin" serve > /dev/null 2>&1 &
  server=$!
  trap 'kill $server 2>/dev/null || true' EXIT
  until curl -sf http://127.0.0.1:4995/readyz > /dev/null; do sleep 0.2; done
  echo "### $scale region on $backend"
  echo
  BENCH_CASES=cijklmno BENCH_CONCURRENCY=1 target/dist/examples/bench_rollup http://127.0.0.1:4995 "$requests" LANCS
  auditor=$("$bin" token --role auditor --jwt-secret "$SVH_JWT_SECRET")
  before=$(ps -o rss= -p "$server")
  peak=$before
  start=$(date +%s.%N)
  curl -sf http://127.0.0.1:4995/export/evidence.csv -H "Authorization: Bearer $auditor" -o "$work/evidence-export.csv" &
  fetch=$!
  while kill -0 "$fetch" 2>/dev/null; do
    rss=$(ps -o rss= -p "$server"); [ "$rss" -gt "$peak" ] && peak=$rss
    sleep 0.1
  done
  wait "$fetch"
  secs=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }')
  rows=$(( $(wc -l < "$work/evidence-export.csv") - 1 ))
  echo
  echo "evidence.csv: $rows rows, $(du -m "$work/evidence-export.csv" | cut -f1) MB in $secs s; server RSS $(( before / 1024 )) MB before, peak $(( peak / 1024 )) MB while streaming"
  if [ -d tests/browser/node_modules/playwright-core ] && [ -x /usr/bin/chromium ]; then
    dash=$("$bin" token --role dashboard --jwt-secret "$SVH_JWT_SECRET")
    officer=$("$bin" token --role council_viewer --council LANCS --jwt-secret "$SVH_JWT_SECRET")
    mkdir -p "$work/dashboard"
    # Three runs: the first also warms the server's caches and Chromium's.
    for run in 1 2 3; do
      out=$(node tests/browser/dashboard.mjs http://127.0.0.1:4995 "$dash" "$officer" "$work/dashboard" | tail -1)
      field() { echo "$out" | grep -o "\"$1\":[0-9]*" | cut -d: -f2; }
      echo "the page in Chromium, run $run: $(field usableMs) ms from load to its figures (sign-in shown at $(field signInMs) ms, the token pasted by the script; from its submission to the figures drawn: $(field figuresMs) ms)"
    done
  fi
  echo
  kill $server; wait $server 2>/dev/null || true
  trap - EXIT
done
