#!/usr/bin/env bash
# The default `tailor train` on the demo store, for each binary given, one
# after the other in fresh folders: wall and CPU time, then `tailor eval`.
#
#   benches/default_train.sh /path/to/old/tailor target/release/tailor
#
# Alternate the binaries over several runs (old new new old …): this
# machine's speed moves between minutes, so only pairs mean anything.
set -euo pipefail
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for bin in "$@"; do
  bin=$(realpath "$bin")
  dir=$(mktemp -d -p "$work")
  (
    cd "$dir"
    "$bin" init --demo >/dev/null
    /usr/bin/time -f "wall %e s, user %U s, system %S s, peak RSS %M KB" \
      "$bin" train --json >train.json 2>time.txt
    "$bin" eval --json >eval.json 2>/dev/null
    echo "== $bin ($(date -u +%H:%M:%S) UTC)"
    tail -1 time.txt
    echo "train: $(cat train.json)"
    echo "eval:  $(cat eval.json)"
  )
done
