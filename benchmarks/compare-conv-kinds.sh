#!/usr/bin/env bash
# Each convolution layer of the book's networks through both CPU convolution paths, oneDNN
# (groundup.cpu.convolution=dnnl, what `auto` runs where oneDNN loads) and image-by-image SGEMM
# (=gemm, auto's where it does not): JMH ConvBench, batch 100, forward and backward (dW, db and
# dx), the two kinds alternately ROUNDS times in one run, then the fp32 ceiling (the benchmarks
# jar's `ceilings`) once a round. Prints a table of medians with their range and which kind was
# faster per layer and direction, so that a layer where SGEMM wins shows. With OUT set, writes
# figures.json there (scripts/docs-figures.py's conv-dnnl-vs-gemm table) and each round's JMH JSON.
#
#   benchmarks/compare-conv-kinds.sh [ROUNDS] [THREADS]
#   OUT=docs/results/DATE-conv-dnnl-vs-gemm benchmarks/compare-conv-kinds.sh 3 2
set -euo pipefail
cd "$(dirname "$0")/.."
. benchmarks/context.sh
rounds="${1:-3}"
threads="${2:-$(nproc)}"
read -r -a jmh_opts <<< "${JMH_OPTS:--f 1 -wi 2 -w 1s -i 3 -r 1s}"
jar=benchmarks/target/groundup-benchmarks.jar
# built from this tree: a jar older than a source would be measured under HEAD's name
if [ ! -f "$jar" ] || [ -n "$(find core cpu-backend benchmarks -path '*/src/*' -newer "$jar" -print -quit)" ]; then
  ./mvnw -B -q -DskipTests package
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
[ -z "${OUT:-}" ] || mkdir -p "$OUT"
[ "$threads" = "$(nproc)" ] || echo "note: the ceiling is measured on all $(nproc) cores, the layers on $threads threads: their shares of it read low"
layers=simple,deep1,deep2,deep3,deep4,deep5,deep6
# the backend picks OpenBLAS's kernels for this CPU itself, unless told: a value set here would win
[ -z "${OPENBLAS_CORETYPE:-}" ] || echo "note: OPENBLAS_CORETYPE=$OPENBLAS_CORETYPE is set: the SGEMM side runs those kernels (unset it for figures)"
. benchmarks/steal.sh
for r in $(seq 1 "$rounds"); do
  for kind in dnnl gemm; do
    steal_mark
    java --add-modules jdk.incubator.vector -Dgroundup.threads="$threads" -Dgroundup.cpu.convolution="$kind" -cp "$jar" \
      org.openjdk.jmh.Main ConvBench -p layer="$layers" "${jmh_opts[@]}" -rf json -rff "$tmp/$kind$r.json" > "$tmp/$kind$r.log" 2>&1 \
      || { cat "$tmp/$kind$r.log"; exit 1; }
    echo "round $r, $kind done; CPU time stolen by the hypervisor meanwhile: $(steal_since)"
    [ -z "${OUT:-}" ] || cp "$tmp/$kind$r.json" "$OUT/jmh-$kind-round$r.json"      # kept as it finishes, whatever happens later
  done
  java -jar "$jar" ceilings > "$tmp/ceil$r.json"
done
python3 - "$tmp" "$rounds" "$threads" "${OUT:-}" "$machine" "$commit" "${jmh_opts[*]}" "$layers" <<'PY'
import datetime, json, os, statistics, sys
tmp, rounds, threads, out, machine, commit, jmh_opts, layers = sys.argv[1:]
rounds = int(rounds)
# ConvBench.LAYERS: (C, H, W, filters, kernel, pad), stride 1
shapes = {"simple": (1, 28, 28, 30, 5, 0), "deep1": (1, 28, 28, 16, 3, 1), "deep2": (16, 28, 28, 16, 3, 1),
          "deep3": (16, 14, 14, 32, 3, 1), "deep4": (32, 14, 14, 32, 3, 2), "deep5": (32, 8, 8, 64, 3, 1),
          "deep6": (64, 8, 8, 64, 3, 1)}
names = {"simple": "SimpleConvNet conv", "deep1": "DeepConvNet conv1", "deep2": "conv2", "deep3": "conv3",
         "deep4": "conv4, pad 2", "deep5": "conv5", "deep6": "conv6"}
ms = {}                                             # (kind, layer, direction) -> [ms per round]
for kind in ("dnnl", "gemm"):
    for r in range(1, rounds + 1):
        for b in json.load(open(f"{tmp}/{kind}{r}.json")):
            if b["params"].get("dx", "true") != "true":          # the table is of backward with dx; a JMH_OPTS that adds dx=false is not mixed in
                continue
            key = (kind, b["params"]["layer"], b["benchmark"].rsplit(".", 1)[1])
            ms.setdefault(key, []).append(b["primaryMetric"]["score"])
ceil = [json.load(open(f"{tmp}/ceil{r}.json")) for r in range(1, rounds + 1)]
top = max(c["gemm_gflops"] for c in ceil)
def cell(kind, layer, direction):
    c, h, w, f, k, p = shapes[layer]
    oh, ow = h + 2 * p - k + 1, w + 2 * p - k + 1
    gflop = 2 * 100 * f * oh * ow * c * k * k / 1e9 * (2 if direction == "backward" else 1)   # backward: dW and dx
    v = ms[(kind, layer, direction)]
    med = statistics.median(v)
    return {"median": round(med, 3), "min": round(min(v), 3), "max": round(max(v), 3),
            "gflops": round(gflop / (med / 1e3), 1), "share_pct": round(100 * gflop / (med / 1e3) / top)}
rows = []
print(f"fp32 ceiling {top:.1f} GFLOP/s; auto runs oneDNN on every layer where it loads; ms, median of {rounds} rounds (range)")
print("| layer (C*kh*kw) | auto runs | oneDNN fwd | oneDNN bwd | SGEMM fwd | SGEMM bwd | faster fwd / bwd |")
print("|---|---|---|---|---|---|---|")
for layer in layers.split(","):
    c, h, w, f, k, p = shapes[layer]
    taps = c * k * k
    row = {"layer": names[layer], "taps": taps, "auto_then": "oneDNN"}
    for kind in ("dnnl", "gemm"):
        for d in ("forward", "backward"):
            row[f"{kind}_{d}"] = cell(kind, layer, d)
    faster = ["oneDNN" if row[f"dnnl_{d}"]["median"] < row[f"gemm_{d}"]["median"] else "SGEMM" for d in ("forward", "backward")]
    row["faster"] = faster
    rows.append(row)
    fmt = lambda x: f"{x['median']:.2f} ({x['min']:.2f}-{x['max']:.2f})"
    print(f"| {row['layer']} ({taps}) | {row['auto_then']} | " + " | ".join(fmt(row[f"{kk}_{d}"]) for kk in ("dnnl", "gemm") for d in ("forward", "backward"))
          + f" | {faster[0]} / {faster[1]} |")
if out:
    doc = {"topic": "conv-dnnl-vs-gemm",
           "what": "each conv layer through oneDNN and through the image-by-image SGEMM convolver, JMH ConvBench, batch 100, "
                   "backward with dx; the two kinds alternately, each cell the median of the rounds' JMH scores with their range, "
                   "GFLOP/s (backward counts dW and dx) and the share of the best fp32 ceiling of the rounds",
           "date": datetime.date.today().isoformat(), "commit": commit, "machine": machine, "threads": int(threads),
           "rounds": rounds,
           "command": f"OUT=... benchmarks/compare-conv-kinds.sh {rounds} {threads} (JMH {jmh_opts}, layers {layers})",
           "ceilings_gflops": [round(c["gemm_gflops"], 1) for c in ceil], "rows": rows}
    with open(f"{out}/figures.json", "w") as fh:
        json.dump(doc, fh, indent=1)
    print(f"wrote {out}/figures.json")
PY
