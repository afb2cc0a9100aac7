#!/usr/bin/env bash
# Prints the path of a copy of dataset directory DIR that holds only its
# reference data (frameworks, councils, themes, measures, mappings,
# proxies); the records' files keep their header alone. The HTTP ingest
# benchmarks import it first, since examples/bench_sync.rs sends records only.
#
#   bench/reference-only.sh DIR     (writes DIR-reference)
set -euo pipefail
ref="$1-reference"
mkdir -p "$ref"
for f in "$1"/*.csv; do
  case $(basename "$f") in
    suppliers.csv|contracts.csv|commitments.csv|evidence.csv) head -1 "$f" > "$ref/$(basename "$f")" ;;
    *) cp "$f" "$ref/" ;;
  esac
done
echo "$ref"
