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
# PRECISION (fp32 unless set): the precision of the networks' matrix products, fp32, bf16, or both
# (fp32,bf16). bf16 is GroundUp's -p precision=bf16 (products' inputs in bfloat16, summed in fp32;
# the log says how the backend runs it) beside PyTorch's torch.autocast(device_type="cpu",
# dtype=torch.bfloat16) (steps.py says what autocast runs in bf16; the JSON records it). Both in one
# run gives bf16 against fp32 on each side and GroundUp against PyTorch in each precision, from the
# same rounds. DJL stays fp32: it runs only when fp32 is among them.
# JMH_OPTS (default "-f 1 -wi 4 -w 2s -i 4 -r 2s") and PEER_ROUNDS (PyTorch's and DJL's timed
# rounds in each round, default 3): shorter settings for a smoke test, not for figures.
#
#   benchmarks/compare-cpu-step.sh [ROUNDS] [THREADS]
#   OUT=docs/results/DATE-cpu-step benchmarks/compare-cpu-step.sh 3 2   # also writes figures.json and train-step.svg there
#   PRECISION=fp32,bf16 OUT=docs/results/DATE-cpu-step benchmarks/compare-cpu-step.sh 3 2
set -euo pipefail
cd "$(dirname "$0")/.."
. benchmarks/context.sh
rounds="${1:-3}"
threads="${2:-$(nproc)}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
PY="${PYTHON:-python3}"
"$PY" -c 'import torch' 2>/dev/null || PY=/usr/bin/python3
"$PY" -c 'import torch' || { echo "no python with torch found (apt-get install python3-torch, or set PYTHON)" >&2; exit 1; }
precision="${PRECISION:-fp32}"
case "$precision" in fp32|bf16|fp32,bf16|bf16,fp32) ;; *) echo "PRECISION=$precision: expected fp32, bf16 or fp32,bf16" >&2; exit 1;; esac
case ",$precision," in *,fp32,*) ;; *) if [ "${DJL:-1}" = 1 ]; then echo "PRECISION=$precision: DJL runs fp32 only; skipping it"; fi; DJL=0;; esac
read -r -a jmh_opts <<< "${JMH_OPTS:--f 1 -wi 4 -w 2s -i 4 -r 2s}"
peer_rounds="${PEER_ROUNDS:-3}"
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
    -p precision="$precision" "${jmh_opts[@]}" -rf json -rff "$tmp/gu$r.json" > "$tmp/gu$r.log" 2>&1 || { cat "$tmp/gu$r.log"; exit 1; }
  stolen_gu=$(steal_since); steal_mark
  (cd benchmarks/pytorch && env "${TORCH_ENV[@]}" "$PY" steps.py --threads "$threads" --rounds "$peer_rounds" --precision "$precision") > "$tmp/pt$r.json"
  stolen_pt=$(steal_since)
  if [ "$djl" = 1 ]; then
    env "${TORCH_ENV[@]}" java -Dai.djl.offline=true -Dai.djl.pytorch.num_threads="$threads" -Dai.djl.pytorch.num_interop_threads=1 \
      -cp "$peers/groundup-peers-djl-0.1.0-SNAPSHOT.jar:$(cat "$peers/classpath.txt")" groundup.peers.DjlSteps "$peer_rounds" > "$tmp/djl$r.json"
  fi
  env "${GU_ENV[@]}" java -jar "$jar" ceilings > "$tmp/ceil$r.json"     # fp32 GEMM and memory ceilings, once a round
  echo "round $r done; CPU time stolen by the hypervisor: $stolen_gu while GroundUp ran, $stolen_pt while PyTorch ran"
done
"$PY" - "$tmp" "$rounds" "$threads" "${TORCH_ENV[*]}" "${GU_ENV[*]}" "$djl" "${OUT:-}" "$machine" "$commit" "$precision" <<'PY'
import datetime, json, os, re, statistics, sys
tmp, rounds, threads, env, gu_env, djl = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6] == "1"
out, machine, commit = sys.argv[7], sys.argv[8], sys.argv[9]
precisions = [p for p in ("fp32", "bf16") if p in sys.argv[10].split(",")]
GFLOP = {"train simple-cnn": 0.4326, "train deep-cnn": 5.2408, "inference simple-cnn": 17.3, "inference deep-cnn": 175.45}
NETS = ["simple-cnn", "deep-cnn"]
# a figure's key: fp32's as it always was ("train simple-cnn"), another precision's with the precision after it ("train simple-cnn bf16")
key = lambda base, q: base if q == "fp32" else f"{base} {q}"
base = lambda k: k if k in GFLOP else k.rsplit(" ", 1)[0]
KEYS = [key(b, q) for q in precisions for b in GFLOP]
gu, pt = {k: [] for k in KEYS}, {k: [] for k in KEYS}
for r in range(1, rounds + 1):
    for row in json.load(open(f"{tmp}/gu{r}.json")):
        net, score, q = row["params"]["net"], row["primaryMetric"]["score"], row["params"].get("precision", "fp32")
        what = "train" if row["benchmark"].endswith("TrainStepBench.step") else "inference"
        gu[key(f"{what} {net}", q)].append(score / 1e3)
    p = json.load(open(f"{tmp}/pt{r}.json"))
    for q in precisions:
        for net in NETS:
            pt[key(f"train {net}", q)].append(p[key(f"train {net}", q) + " ms"] / 1e3)
            pt[key(f"inference {net}", q)].append(p[key(f"inference {net}", q) + " s"])
dj = {k: [] for k in GFLOP}
for r in range(1, rounds + 1):
    if not djl: break
    d = json.load(open(f"{tmp}/djl{r}.json"))
    for net in NETS: dj[f"train {net}"].append(d[f"train {net} ms"] / 1e3)
ceil = [json.load(open(f"{tmp}/ceil{r}.json")) for r in range(1, rounds + 1)]
top = max(ceil, key=lambda c: c["gemm_gflops"])
if any("/blas/" in b for b in p.get("blas", [])):
    print(f"WARNING: PyTorch ran on the reference BLAS ({p['blas']}): its figures are not PyTorch's; install OpenBLAS (Debian: libopenblas0-pthread)")
print(f"PyTorch {p['torch']}, {p['threads']} threads, mkldnn {p['mkldnn']}, BLAS {', '.join(p.get('blas', [])) or '?'}, with {env}; GroundUp -Dgroundup.threads={threads} with {gu_env or 'no environment variables (the CPU backend sets its own)'}; {rounds} rounds alternating")
if djl: print(f"DJL {d['djl']} with {d['engine']}, {d['threads']} threads, with {env}")
bf16 = None
if "bf16" in precisions:
    # how each side ran it: GroundUp's benchmarks print the backend's precisionDetail, steps.py records what autocast did
    said = re.findall(r"precision bf16 on \w+: (.*)$", open(f"{tmp}/gu1.log").read(), re.M)   # JMH prints it after "Iteration 1: "
    cast = p.get("autocast", {})
    convs = {n: c["output_dtypes"].get("Conv2d") for n, c in cast.items()}
    bf16 = {"groundup": said[0] if said else "?", "pytorch": "torch.autocast(device_type='cpu', dtype=torch.bfloat16) around forward and loss",
            "pytorch_autocast": cast}
    print(f"bf16: GroundUp {bf16['groundup']}")
    print(f"bf16: PyTorch {bf16['pytorch']}; under it, per layer type: {cast.get('deep-cnn', {}).get('output_dtypes')}; oneDNN: "
          + "; ".join(cast.get("deep-cnn", {}).get("onednn", [])))
    if any(v != "bfloat16" for v in convs.values()):
        print(f"WARNING: under PyTorch's autocast the convolutions' output is {convs}, not bfloat16: its bf16 figures are not bf16's")
print(f"fp32 ceiling: {top['gemm_gflops']:.0f} GFLOP/s, the best 2048^3 GEMM of the rounds ({top['gemm_by']}; rounds: "
      + ", ".join(f"{c['gemm_gflops']:.0f}" for c in ceil) + f"); memory stream {max(c['memory_gbs'] for c in ceil):.1f} GB/s")
print("| figure | GroundUp | PyTorch | GroundUp's speed / PyTorch's | GroundUp GFLOP/s | PyTorch GFLOP/s | GroundUp share of fp32 ceiling | PyTorch share |")
print("|---|---|---|---|---|---|---|---|")
for k in KEYS:
    g, q, flop = statistics.median(gu[k]), statistics.median(pt[k]), GFLOP[base(k)]
    unit, f = ("ms", 1e3) if k.startswith("train") else ("s", 1)
    # a bf16 step is not bound by the fp32 ceiling: no share for it
    share = lambda t: f"{100*flop/t/top['gemm_gflops']:.0f}%" if k in GFLOP else ""
    print(f"| {k} | {g*f:.1f} {unit} ({min(gu[k])*f:.1f}-{max(gu[k])*f:.1f}) | {q*f:.1f} {unit} ({min(pt[k])*f:.1f}-{max(pt[k])*f:.1f}) "
          f"| {q/g:.2f}x | {flop/g:.1f} | {flop/q:.1f} | {share(g)} | {share(q)} |")
if len(precisions) > 1:
    print()
    print("| figure | GroundUp fp32 | GroundUp bf16 | GroundUp's bf16 speed / its fp32's | PyTorch fp32 | PyTorch autocast bf16 | PyTorch's bf16 speed / its fp32's |")
    print("|---|---|---|---|---|---|---|")
    for k in GFLOP:
        unit, f = ("ms", 1e3) if k.startswith("train") else ("s", 1)
        m = lambda v: f"{statistics.median(v)*f:.1f} {unit}"
        print(f"| {k} | {m(gu[k])} | {m(gu[k + ' bf16'])} | {statistics.median(gu[k]) / statistics.median(gu[k + ' bf16']):.2f}x "
              f"| {m(pt[k])} | {m(pt[k + ' bf16'])} | {statistics.median(pt[k]) / statistics.median(pt[k + ' bf16']):.2f}x |")
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
              "threads": int(threads), "rounds": rounds, "precisions": precisions, "pytorch": p["torch"], "pytorch_env": env,
              "djl": (d["djl"] + " " + d["engine"]) if djl else None,
              "groundup": {k: fig(v) for k, v in gu.items()}, "pytorch_figures": {k: fig(v) for k, v in pt.items()},
              "djl_figures": {k: fig(v) for k, v in dj.items() if v}, "fp32_ceiling_gflops": top["gemm_gflops"]}
    if bf16:
        record["bf16"] = bf16
    json.dump(record, open(os.path.join(out, "figures.json"), "w"), indent=1)
    # the README's picture: train step time, shorter is faster, one group per network
    sides = []
    for q in precisions:
        tag = "" if q == "fp32" else " " + q
        sides += [("GroundUp" + tag, gu, q, "#1f77b4" if q == "fp32" else "#6baed6"),
                  ("PyTorch " + p["torch"] + ("" if q == "fp32" else " autocast " + q), pt, q, "#ff7f0e" if q == "fp32" else "#fdae6b")]
    sides += [("DJL + libtorch", dj, "fp32", "#2ca02c")] if djl else []
    nets = ["train simple-cnn", "train deep-cnn"]
    top_ms = max(statistics.median(v[key(k, q)]) * 1e3 for _, v, q, _ in sides for k in nets)
    bar, gap, left, width = 22, 18, 170, 720
    right = max(120, 8 * max(len(name) for name, _, _, _ in sides) + 50)
    height = 70 + len(nets) * (len(sides) * bar + gap) + 20
    title = "Train step at batch 100, ms (shorter is faster)" + ("" if precisions == ["fp32"] else ", " + " and ".join(precisions))
    svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + width + right}" height="{height}" font-family="sans-serif" font-size="13">',
           f'<rect width="100%" height="100%" fill="white"/>',
           f'<text x="10" y="22" font-size="15" font-weight="bold">{title}</text>',
           f'<text x="10" y="42" fill="#555">{machine}, {threads} threads, {record["date"]}, commit {commit}; medians of {rounds} alternating rounds</text>']
    y = 60
    for k in nets:
        svg.append(f'<text x="10" y="{y + len(sides) * bar / 2 + 4}" font-weight="bold">{k.replace("train ", "")}</text>')
        for name, v, q, colour in sides:
            ms = statistics.median(v[key(k, q)]) * 1e3
            w = width * ms / top_ms
            svg.append(f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{bar - 4}" fill="{colour}"/>')
            svg.append(f'<text x="{left + w + 6:.1f}" y="{y + bar - 8}">{name}: {ms:.1f}</text>')
            y += bar
        y += gap
    svg.append('</svg>')
    open(os.path.join(out, "train-step.svg"), "w").write("\n".join(svg) + "\n")
    print(f"wrote {out}/figures.json and {out}/train-step.svg")
PY
