#!/usr/bin/env bash
# Trains one network once per seed with the same settings and prints, per seed, the final
# and the best epoch's test accuracy, then the median and range of the final ones and a plot
# of test accuracy per epoch (`groundup compare`): the figures behind the accuracy tables in
# docs/benchmarks.md. Extra arguments go to `train`; TARGET (98.9) is the accuracy counted.
#
#   scripts/accuracy-seeds.sh NET "SEEDS" [train flags...]
#   scripts/accuracy-seeds.sh simple-cnn "1 2 3 4 5 6"                       # the book's settings
#   scripts/accuracy-seeds.sh simple-cnn "1 2 3" --lr-schedule cosine
#
# Runs are kept under runs/seeds-NET-STAMP/sSEED (checkpoint, learning curve, summary), the
# table and plot beside them.
set -euo pipefail
cd "$(dirname "$0")/.."
net="${1:?usage: scripts/accuracy-seeds.sh NET \"SEEDS\" [train flags...]}"
seeds="${2:?usage: scripts/accuracy-seeds.sh NET \"SEEDS\" [train flags...]}"
shift 2
dir="runs/seeds-$net-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$dir"
echo "$(date -u +%FT%TZ) commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown): ./groundup train --net $net --seed S $*" | tee "$dir/command.txt"
for s in $seeds; do
  ./groundup train --net "$net" --seed "$s" --out "$dir/s$s" "$@" > "$dir/s$s.log" 2>&1 || { echo "seed $s failed: see $dir/s$s.log" >&2; exit 1; }
  grep '^final test accuracy' "$dir/s$s.log" | sed "s/^/seed $s: /"
done
runs=(); for s in $seeds; do runs+=("$dir/s$s"); done
./groundup compare --target "${TARGET:-98.9}" --plot "$dir/test-accuracy.png" "${runs[@]}" | tee "$dir/table.md"
