#!/usr/bin/env bash
# Seconds per SimpleConvNet training epoch (60,000 images, batch 100, Adam lr 0.001) on this
# machine's CPU: GroundUp's CPU backend and PyTorch, run alternately ROUNDS times in one run so
# both see the same machine state. Each round trains two epochs in a fresh process on each side,
# nothing run before them but loading the data: the first epoch is what a run's first costs (the
# JVM's JIT compilation, PyTorch's first oneDNN calls and buffers), the second a warm one. Only
# the training passes are timed (GroundUp's summary.json, PyTorch's epoch_seconds), no
# evaluation. Prints each round, then medians with their range and the ratios. Needs python3 with torch (Debian: apt-get install python3-torch) and MNIST
# (./groundup fetch-mnist).
#
#   benchmarks/compare-cpu-epoch.sh [ROUNDS] [THREADS]
#   OUT=docs/results/DATE-cpu-epoch benchmarks/compare-cpu-epoch.sh 5 2   # also writes figures.json there
#   (then python3 scripts/docs-figures.py puts it into docs/benchmarks.md)
set -euo pipefail
cd "$(dirname "$0")/.."
. benchmarks/context.sh
rounds="${1:-3}"
threads="${2:-$(nproc)}"
data="${GROUNDUP_DATA:-$HOME/.cache/groundup/mnist}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
./groundup fetch-mnist >/dev/null
# the python that has torch: $PYTHON, else python3, else Debian's /usr/bin/python3 (python3-torch)
PY="${PYTHON:-python3}"
"$PY" -c 'import torch' 2>/dev/null || PY=/usr/bin/python3
"$PY" -c 'import torch' || { echo "no python with torch found (apt-get install python3-torch, or set PYTHON)" >&2; exit 1; }
# PyTorch as its CPU performance guide advises: torch parallelizes with OpenMP, so OpenBLAS gets one
# thread (else the two fight over the cores); glibc keeps large buffers instead of returning them to the
# kernel after every step (else every step pays page faults). Printed with the figures.
TORCH_ENV=(OPENBLAS_NUM_THREADS=1 MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=4294967296)
. benchmarks/steal.sh
gu=(); pt=(); gu2=(); pt2=(); steal_gu=(); steal_pt=()
for r in $(seq 1 "$rounds"); do
  steal_mark
  JAVA_OPTS="-Dgroundup.threads=$threads" ./groundup train --net simple-cnn --epochs 2 --backend cpu --seed "$r" \
    --out "$tmp/gu$r" --summary "$tmp/gu$r.json" --data "$data" > "$tmp/gu$r.log" 2>&1 || { cat "$tmp/gu$r.log"; exit 1; }
  # each side's two epochs' seconds, "first second"; a side that did not record two is an error that shows its output
  two="import json,sys;e=sys.argv[1:] and json.load(open(sys.argv[1]))['epochs'] or json.load(sys.stdin)['epoch_seconds'];"
  two+="e=[x['seconds'] if isinstance(x,dict) else x for x in e];assert len(e)==2,f'{len(e)} epochs';print(e[0],e[1])"
  gs=$(python3 -c "$two" "$tmp/gu$r.json")
  read -r g g2 <<< "$gs"
  stolen_gu=$(steal_since); steal_mark
  env "${TORCH_ENV[@]}" "$PY" benchmarks/pytorch/simple_cnn_epoch.py "$data" --threads "$threads" --seed "$r" \
    --no-step --warmup 0 --epochs 2 > "$tmp/pt$r.json" 2> "$tmp/pt$r.log" || { cat "$tmp/pt$r.log"; exit 1; }
  ps=$(python3 -c "$two" < "$tmp/pt$r.json")
  read -r p p2 <<< "$ps"
  stolen_pt=$(steal_since)
  gu+=("$g"); pt+=("$p"); gu2+=("$g2"); pt2+=("$p2"); steal_gu+=("$stolen_gu"); steal_pt+=("$stolen_pt")
  printf 'round %d: first epoch groundup %.2f s, pytorch %.2f s; second %.2f s, %.2f s; CPU time stolen by the hypervisor: %s while GroundUp ran, %s while PyTorch ran\n' \
    "$r" "$g" "$p" "$g2" "$p2" "$stolen_gu" "$stolen_pt"
done
"$PY" - "$threads" "${gu[*]}" "${pt[*]}" "${TORCH_ENV[*]}" "${OUT:-}" "$machine" "$commit" "${steal_gu[*]}" "${steal_pt[*]}" "$rounds" \
  "${gu2[*]}" "${pt2[*]}" <<'PY'
import datetime, json, os, statistics, sys, torch, subprocess
threads, gu, pt = sys.argv[1], [float(v) for v in sys.argv[2].split()], [float(v) for v in sys.argv[3].split()]
out, machine, commit, steal_gu, steal_pt, rounds = sys.argv[5], sys.argv[6], sys.argv[7], sys.argv[8].split(), sys.argv[9].split(), sys.argv[10]
gu2, pt2 = [float(v) for v in sys.argv[11].split()], [float(v) for v in sys.argv[12].split()]
print(f"PyTorch ran with {sys.argv[4]}")
print(f"SimpleConvNet, epochs of 60,000 images, batch 100, {threads} threads, {len(gu)} rounds alternating, two epochs a process")
for label, g, p in (("first epoch (a fresh process)", gu, pt), ("second epoch", gu2, pt2)):
    mg, mp = statistics.median(g), statistics.median(p)
    print(f" {label}:")
    print(f"  GroundUp cpu backend: median {mg:.2f} s  (range {min(g):.2f}-{max(g):.2f})")
    print(f"  PyTorch {torch.__version__} (CPU, eager): median {mp:.2f} s  (range {min(p):.2f}-{max(p):.2f})")
    print(f"  PyTorch / GroundUp time: {mp / mg:.2f}  (above 1: GroundUp is faster)")
    # the training pass's arithmetic: 600 train steps of 0.4326 GFLOP (forward and backward; compare-cpu-step.sh's figure)
    print(f"  GFLOP/s over the epoch (600 x 0.4326 GFLOP): GroundUp {600 * 0.4326 / mg:.1f}, PyTorch {600 * 0.4326 / mp:.1f}")
if out:
    # the schema scripts/docs-figures.py reads (docs/results/*-cpu-epoch/figures.json)
    os.makedirs(out, exist_ok=True)
    fig = lambda v: {"rounds_s": v, "median_s": statistics.median(v), "min_s": min(v), "max_s": max(v)}
    record = {"topic": "cpu-epoch", "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
              "commit": commit, "machine": machine, "threads": int(threads), "rounds": int(rounds),
              "command": f"OUT={out} benchmarks/compare-cpu-epoch.sh {rounds} {threads}",
              "groundup_env": "", "pytorch": torch.__version__, "pytorch_env": sys.argv[4],
              "steal": f"{', '.join(steal_gu)} of the CPU time while GroundUp ran, {', '.join(steal_pt)} while PyTorch ran (per round)",
              "pytorch_warmup_steps": 0, "epochs_per_process": 2,
              "groundup": fig(gu), "pytorch_figures": fig(pt), "groundup_second": fig(gu2), "pytorch_second": fig(pt2)}
    with open(os.path.join(out, "figures.json"), "w") as f:
        json.dump(record, f, indent=1)
    print(f"wrote {out}/figures.json")
PY
