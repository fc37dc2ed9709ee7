#!/usr/bin/env bash
# The train-step comparison on this machine's CPU: the train step at batch 100 and inference over 10,000
# images (batches of 1,000), SimpleConvNet and DeepConvNet, GroundUp's CPU backend (JMH
# TrainStepBench, InferenceBench) beside PyTorch tuned as its CPU guide advises
# (pytorch/steps.py: one OpenBLAS thread, glibc malloc thresholds raised, torch's own threads =
# THREADS), run alternately ROUNDS times in one run. Prints each round, then medians with their
# range, the ratios, GFLOP/s, and their share of the machine's fp32 ceiling (the best 2048^3
# GEMM of OpenBLAS and oneDNN, measured once a round: benchmarks jar's `ceilings`). Needs python3 with torch (Debian: apt-get install
# python3-torch libopenblas0-pthread: Debian's torch uses the system's libblas.so.3, and the reference one cripples it).
# The train steps also beside DJL 0.36 with libtorch 2.7.1, the Java peer (benchmarks/peers: DjlSteps,
# DJL's own Trainer; libtorch's threads = THREADS, one interop thread, PyTorch's tuning), unless DJL=0.
#
#   benchmarks/compare-cpu-step.sh [ROUNDS] [THREADS]
#   OUT=docs/results/DATE-cpu-step benchmarks/compare-cpu-step.sh 3 2   # also writes figures.json and train-step.svg there
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${1:-3}"
threads="${2:-$(nproc)}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
PY="${PYTHON:-python3}"
"$PY" -c 'import torch' 2>/dev/null || PY=/usr/bin/python3
"$PY" -c 'import torch' || { echo "no python with torch found (apt-get install python3-torch, or set PYTHON)" >&2; exit 1; }
TORCH_ENV=(OPENBLAS_NUM_THREADS=1 MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=4294967296)
jar=benchmarks/target/groundup-benchmarks.jar
[ -f "$jar" ] || ./mvnw -B -q -DskipTests package
djl="${DJL:-1}"
peers=benchmarks/peers/target
if [ "$djl" = 1 ] && [ ! -f "$peers/classpath.txt" ]; then
  ./mvnw -B -q -f benchmarks/peers/pom.xml package dependency:build-classpath -Dmdep.outputFile=target/classpath.txt
fi
. benchmarks/steal.sh
# GroundUp's side needs no environment: the CPU backend sets libgomp's spin count and threads and
# OpenBLAS's kernels itself before they load (NativeEnvironment; a value set here would win)
GU_ENV=()
for r in $(seq 1 "$rounds"); do
  steal_mark
  env "${GU_ENV[@]}" java --add-modules jdk.incubator.vector -Dgroundup.threads="$threads" -cp "$jar" org.openjdk.jmh.Main 'TrainStepBench|InferenceBench' -p net=simple-cnn,deep-cnn \
    -f 1 -wi 4 -w 2s -i 4 -r 2s -rf json -rff "$tmp/gu$r.json" > "$tmp/gu$r.log" 2>&1 || { cat "$tmp/gu$r.log"; exit 1; }
  stolen_gu=$(steal_since); steal_mark
  (cd benchmarks/pytorch && env "${TORCH_ENV[@]}" "$PY" steps.py --threads "$threads" --rounds 3) > "$tmp/pt$r.json"
  stolen_pt=$(steal_since)
  if [ "$djl" = 1 ]; then
    env "${TORCH_ENV[@]}" java -Dai.djl.offline=true -Dai.djl.pytorch.num_threads="$threads" -Dai.djl.pytorch.num_interop_threads=1 \
      -cp "$peers/groundup-peers-djl-0.1.0-SNAPSHOT.jar:$(cat "$peers/classpath.txt")" groundup.peers.DjlSteps 3 > "$tmp/djl$r.json"
  fi
  env "${GU_ENV[@]}" java -jar "$jar" ceilings > "$tmp/ceil$r.json"     # fp32 GEMM and memory ceilings, once a round
  echo "round $r done; CPU time stolen by the hypervisor: $stolen_gu while GroundUp ran, $stolen_pt while PyTorch ran"
done
machine="$(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(nproc) vCPUs"
commit="$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . || echo +uncommitted)"
"$PY" - "$tmp" "$rounds" "$threads" "${TORCH_ENV[*]}" "${GU_ENV[*]}" "$djl" "${OUT:-}" "$machine" "$commit" <<'PY'
import datetime, json, os, statistics, sys
tmp, rounds, threads, env, gu_env, djl = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6] == "1"
out, machine, commit = sys.argv[7], sys.argv[8], sys.argv[9]
GFLOP = {"train simple-cnn": 0.4326, "train deep-cnn": 5.2408, "inference simple-cnn": 17.3, "inference deep-cnn": 175.45}
gu, pt = {k: [] for k in GFLOP}, {k: [] for k in GFLOP}
for r in range(1, rounds + 1):
    for row in json.load(open(f"{tmp}/gu{r}.json")):
        net, score = row["params"]["net"], row["primaryMetric"]["score"]
        if row["benchmark"].endswith("TrainStepBench.step"): gu[f"train {net}"].append(score / 1e3)
        else: gu[f"inference {net}"].append(score / 1e3)
    p = json.load(open(f"{tmp}/pt{r}.json"))
    for net in ["simple-cnn", "deep-cnn"]:
        pt[f"train {net}"].append(p[f"train {net} ms"] / 1e3)
        pt[f"inference {net}"].append(p[f"inference {net} s"])
dj = {k: [] for k in GFLOP}
for r in range(1, rounds + 1):
    if not djl: break
    d = json.load(open(f"{tmp}/djl{r}.json"))
    for net in ["simple-cnn", "deep-cnn"]: dj[f"train {net}"].append(d[f"train {net} ms"] / 1e3)
ceil = [json.load(open(f"{tmp}/ceil{r}.json")) for r in range(1, rounds + 1)]
top = max(ceil, key=lambda c: c["gemm_gflops"])
if any("/blas/" in b for b in p.get("blas", [])):
    print(f"WARNING: PyTorch ran on the reference BLAS ({p['blas']}): its figures are not PyTorch's; install OpenBLAS (Debian: libopenblas0-pthread)")
print(f"PyTorch {p['torch']}, {p['threads']} threads, mkldnn {p['mkldnn']}, BLAS {', '.join(p.get('blas', [])) or '?'}, with {env}; GroundUp -Dgroundup.threads={threads} with {gu_env or 'no environment variables (the CPU backend sets its own)'}; {rounds} rounds alternating")
if djl: print(f"DJL {d['djl']} with {d['engine']}, {d['threads']} threads, with {env}")
print(f"fp32 ceiling: {top['gemm_gflops']:.0f} GFLOP/s, the best 2048^3 GEMM of the rounds ({top['gemm_by']}; rounds: "
      + ", ".join(f"{c['gemm_gflops']:.0f}" for c in ceil) + f"); memory stream {max(c['memory_gbs'] for c in ceil):.1f} GB/s")
print("| figure | GroundUp | PyTorch | GroundUp's speed / PyTorch's | GroundUp GFLOP/s | PyTorch GFLOP/s | GroundUp share of fp32 ceiling | PyTorch share |")
print("|---|---|---|---|---|---|---|---|")
for k in GFLOP:
    g, q = statistics.median(gu[k]), statistics.median(pt[k])
    unit, f = ("ms", 1e3) if k.startswith("train") else ("s", 1)
    print(f"| {k} | {g*f:.1f} {unit} ({min(gu[k])*f:.1f}-{max(gu[k])*f:.1f}) | {q*f:.1f} {unit} ({min(pt[k])*f:.1f}-{max(pt[k])*f:.1f}) "
          f"| {q/g:.2f}x | {GFLOP[k]/g:.1f} | {GFLOP[k]/q:.1f} | {100*GFLOP[k]/g/top['gemm_gflops']:.0f}% | {100*GFLOP[k]/q/top['gemm_gflops']:.0f}% |")
if djl:
    print()
    print("| figure | GroundUp | DJL + libtorch | GroundUp's speed / DJL's |")
    print("|---|---|---|---|")
    for k in [k for k in GFLOP if dj[k]]:
        g, q = statistics.median(gu[k]), statistics.median(dj[k])
        print(f"| {k} | {g*1e3:.1f} ms ({min(gu[k])*1e3:.1f}-{max(gu[k])*1e3:.1f}) | {q*1e3:.1f} ms ({min(dj[k])*1e3:.1f}-{max(dj[k])*1e3:.1f}) | {q/g:.2f}x |")
if out:
    os.makedirs(out, exist_ok=True)
    fig = lambda v: {"median_s": statistics.median(v), "min_s": min(v), "max_s": max(v)} if v else None
    record = {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "commit": commit, "machine": machine,
              "threads": int(threads), "rounds": rounds, "pytorch": p["torch"], "pytorch_env": env, "djl": (d["djl"] + " " + d["engine"]) if djl else None,
              "groundup": {k: fig(v) for k, v in gu.items()}, "pytorch_figures": {k: fig(v) for k, v in pt.items()},
              "djl_figures": {k: fig(v) for k, v in dj.items() if v}, "fp32_ceiling_gflops": top["gemm_gflops"]}
    json.dump(record, open(os.path.join(out, "figures.json"), "w"), indent=1)
    # the README's picture: train step time, shorter is faster, one group per network
    sides = [("GroundUp", gu, "#1f77b4"), ("PyTorch " + p["torch"], pt, "#ff7f0e")] + ([("DJL + libtorch", dj, "#2ca02c")] if djl else [])
    keys = ["train simple-cnn", "train deep-cnn"]
    top_ms = max(statistics.median(v[k]) * 1e3 for _, v, _ in sides for k in keys)
    bar, gap, left, width = 22, 18, 170, 720
    height = 70 + len(keys) * (len(sides) * bar + gap) + 20
    svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + width + 120}" height="{height}" font-family="sans-serif" font-size="13">',
           f'<rect width="100%" height="100%" fill="white"/>',
           f'<text x="10" y="22" font-size="15" font-weight="bold">Train step at batch 100, ms (shorter is faster)</text>',
           f'<text x="10" y="42" fill="#555">{machine}, {threads} threads, {record["date"]}, commit {commit}; medians of {rounds} alternating rounds</text>']
    y = 60
    for k in keys:
        svg.append(f'<text x="10" y="{y + len(sides) * bar / 2 + 4}" font-weight="bold">{k.replace("train ", "")}</text>')
        for name, v, colour in sides:
            ms = statistics.median(v[k]) * 1e3
            w = width * ms / top_ms
            svg.append(f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{bar - 4}" fill="{colour}"/>')
            svg.append(f'<text x="{left + w + 6:.1f}" y="{y + bar - 8}">{name}: {ms:.1f}</text>')
            y += bar
        y += gap
    svg.append('</svg>')
    open(os.path.join(out, "train-step.svg"), "w").write("\n".join(svg) + "\n")
    print(f"wrote {out}/figures.json and {out}/train-step.svg")
PY
