#!/usr/bin/env bash
# Runs each fuzz target for 15 minutes, one after the other, on one core.
set -u
cd "$(dirname "$0")"
for t in import_csv import_jsonl config; do
  case $t in config) dict=dicts/config.dict ;; *) dict=dicts/import.dict ;; esac
  mkdir -p "artifacts/$t" "logs"
  echo "== $t $(date -u +%FT%TZ)"
  cargo +nightly fuzz run -s none "$t" "corpus/$t" "../fixtures/fuzz/$t" -- \
    -max_total_time=900 -jobs=1 -dict="$dict" -artifact_prefix="artifacts/$t/" \
    > "logs/$t.out" 2>&1
  echo "exit $?"
  mv fuzz-0.log "logs/$t.log" 2>/dev/null
done
