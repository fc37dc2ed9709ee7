#!/usr/bin/env bash
# Whether a program that uses GroundUp as a library, started with no environment variables, trains
# as fast as one started with the variables ./groundup used to export before the CPU backend set
# them itself (GOMP_SPINCOUNT=1000, OMP_NUM_THREADS=threads, OPENBLAS_CORETYPE for AVX-512 CPUs;
# see cpu-backend's NativeEnvironment). JMH TrainStepBench, batch 100, SimpleConvNet and
# DeepConvNet, each setting in its own fork, alternating ROUNDS times; prints each round's figures,
# then medians with their range and the ratio to the launcher's variables.
#
#   benchmarks/compare-environment.sh [ROUNDS] [THREADS]
#   JARS="before=/path/old-benchmarks.jar now=benchmarks/target/groundup-benchmarks.jar" benchmarks/compare-environment.sh
# JARS (label=jar pairs) times several builds side by side, each with and without the variables.
#   OUT=docs/results/DATE-environment benchmarks/compare-environment.sh 4   # also writes figures.json there
#   (then python3 scripts/docs-figures.py puts it into docs/benchmarks.md)
set -euo pipefail
cd "$(dirname "$0")/.."
. benchmarks/context.sh
rounds="${1:-3}"
threads="${2:-$(nproc)}"
jars="${JARS:-now=benchmarks/target/groundup-benchmarks.jar}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
for j in $jars; do [ -f "${j#*=}" ] || ./mvnw -B -q -DskipTests package; done
. benchmarks/steal.sh
flags=" $(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null) "
core=""
if [[ $flags == *" avx512f "* && $flags == *" avx512bw "* && $flags == *" avx512vl "* && $flags == *" avx512dq "* ]]; then
  if [[ $flags == *" avx512_bf16 "* ]]; then core=Cooperlake; else core=SkylakeX; fi
fi
UNSET=(-u GOMP_SPINCOUNT -u OMP_WAIT_POLICY -u OMP_NUM_THREADS -u OPENBLAS_CORETYPE)
LAUNCHER=(GOMP_SPINCOUNT=1000 OMP_NUM_THREADS="$threads" ${core:+OPENBLAS_CORETYPE=$core})
steals=()
for r in $(seq 1 "$rounds"); do
  for j in $jars; do
    label="${j%%=*}" jar="${j#*=}"
    for setting in none launcher; do
      if [ $setting = none ]; then vars=(); else vars=("${LAUNCHER[@]}"); fi
      steal_mark
      env "${UNSET[@]}" "${vars[@]}" java --add-modules jdk.incubator.vector -Dgroundup.threads="$threads" -cp "$jar" org.openjdk.jmh.Main \
        TrainStepBench -p net=simple-cnn,deep-cnn -f 1 -wi 3 -w 2s -i 5 -r 2s -rf json -rff "$tmp/$label-$setting-$r.json" \
        > "$tmp/$label-$setting-$r.log" 2>&1 || { cat "$tmp/$label-$setting-$r.log"; exit 1; }
      stolen=$(steal_since); steals+=("$stolen")
      echo "round $r, $label, variables: $setting; CPU time stolen by the hypervisor: $stolen"
    done
  done
done
python3 - "$tmp" "$rounds" "$jars" "${LAUNCHER[*]}" "$threads" "${OUT:-}" "$machine" "$commit" "${steals[*]}" <<'PY'
import datetime, json, os, statistics, sys
tmp, rounds, jars, launcher, threads = sys.argv[1], int(sys.argv[2]), sys.argv[3].split(), sys.argv[4], sys.argv[5]
out, machine, commit, steals = sys.argv[6], sys.argv[7], sys.argv[8], sys.argv[9].split()
rows = []
print(f"JMH TrainStepBench, batch 100, -Dgroundup.threads={threads}; 'launcher': {launcher}; 'none': none of GOMP_SPINCOUNT, OMP_WAIT_POLICY, OMP_NUM_THREADS, OPENBLAS_CORETYPE; {rounds} rounds alternating")
print("| build | net | no variables (ms) | launcher's variables (ms) | no variables / launcher's |")
print("|---|---|---|---|---|")
for j in jars:
    label = j.split("=")[0]
    for net in ["simple-cnn", "deep-cnn"]:
        got = {}
        for s in ["none", "launcher"]:
            got[s] = [row["primaryMetric"]["score"] for r in range(1, rounds + 1) for row in json.load(open(f"{tmp}/{label}-{s}-{r}.json"))
                      if row["params"]["net"] == net]
        a, b = statistics.median(got["none"]), statistics.median(got["launcher"])
        print(f"| {label} | {net} | {a:.2f} ({min(got['none']):.2f}-{max(got['none']):.2f}) | {b:.2f} ({min(got['launcher']):.2f}-{max(got['launcher']):.2f}) | {a/b:.3f} |")
        fig = lambda v: {"median": statistics.median(v), "min": min(v), "max": max(v), "rounds": v}
        rows.append({"build": label, "net": net, "none_ms": fig(got["none"]), "launcher_ms": fig(got["launcher"]), "ratio": a / b})
if out:
    # the schema scripts/docs-figures.py reads (docs/results/*-environment/figures.json)
    os.makedirs(out, exist_ok=True)
    record = {"topic": "environment", "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
              "commit": commit, "machine": machine, "threads": int(threads), "rounds": rounds,
              "steal": "CPU time stolen per fork: " + ", ".join(steals), "launcher_env": launcher,
              "command": f"OUT={out} benchmarks/compare-environment.sh {rounds} {threads}", "jvm_args": f"-Dgroundup.threads={threads}",
              "builds": {j.split("=")[0]: j.split("=", 1)[1] for j in jars}, "rows": rows}
    with open(os.path.join(out, "figures.json"), "w") as f:
        json.dump(record, f, indent=1)
    print(f"wrote {out}/figures.json")
PY
