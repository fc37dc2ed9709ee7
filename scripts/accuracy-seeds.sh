#!/usr/bin/env bash
# Trains one network once per seed with the same settings and prints, per seed, the final
# and the best epoch's test accuracy, then the median and range of the final ones: the
# figures behind the accuracy table in docs/benchmarks.md. Extra arguments go to `train`.
#
#   scripts/accuracy-seeds.sh NET "SEEDS" [train flags...]
#   scripts/accuracy-seeds.sh simple-cnn "1 2 3 4 5 6"                       # the book's settings
#   scripts/accuracy-seeds.sh simple-cnn "1 2 3" --lr-schedule cosine
#
# Runs are kept under runs/seeds-NET-STAMP/sSEED (checkpoint, learning curve, summary).
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
python3 - "$dir" $seeds <<'PY' | tee "$dir/table.md"
import json, statistics, sys
d, seeds = sys.argv[1], sys.argv[2:]
finals = []
print("| seed | epochs | final test accuracy | best epoch (test) | s/epoch (median) |")
print("|---|---|---|---|---|")
for s in seeds:
    e = json.load(open(f"{d}/s{s}/summary.json"))["epochs"]
    best = max(e, key=lambda x: x["testAccuracy"])
    finals.append(100 * e[-1]["testAccuracy"])
    secs = statistics.median(x["seconds"] for x in e)
    print(f"| {s} | {len(e)} | {finals[-1]:.2f}% | {100 * best['testAccuracy']:.2f}% (epoch {best['epoch']}) | {secs:.1f} |")
print(f"\nfinal test accuracy over {len(finals)} seeds: median {statistics.median(finals):.2f}%, "
      f"range {min(finals):.2f}-{max(finals):.2f}%, mean {statistics.mean(finals):.3f}%")
PY
