#!/usr/bin/env bash
# The GPU check. On a lent GPU machine, from the repository root, with .carry/ made by prepare.sh:
#   run(command="bash scripts/gpu/check.sh", carry=[".carry"], timeout_s=600)
# Here, against the host stand-in, which tests this script without a GPU (CI runs it --quick):
#   bash scripts/gpu/check.sh --standin [--quick]
#
# Options: --deadline SECONDS (default 420) for the whole run; --epochs N (default 1) per network;
# --only STEP,STEP (the others are "skipped"); --quick: two test classes, 20 images, short timings.
#
# One deadline for the whole run: the steps run most valuable first, each under `timeout` with
# what is left of the deadline (less a few seconds for the closing table) or its own cap, if less:
#   libraries     every libcuda/libcublas here, nvidia-smi, the version nodes each libcublas.so.N
#                 defines (readelf -V: JCuda's cuBLAS binding asks for libcublas.so.N)
#   availability  `groundup backends`: unless cuda is available (which means usable: a context, our
#                 kernels, a cuBLAS handle and a GEMM ran), every later step is "not reached", since
#                 every CUDA test would skip and the run would look green
#   tests         the CUDA suites (JUnit console); the failing tests' names and messages are printed
#   epoch-simple  SimpleConvNet trained EPOCHS epochs on cuda: time, test accuracy, device MiB per epoch
#   epoch-deep    DeepConvNet, likewise
#   step-jmh      the train step on cuda, JMH TrainStepBench, briefly: SimpleConvNet and DeepConvNet, each with
#                 its products in fp32, tf32 and bf16
#   profile       `groundup profile --net deep-cnn --backend cuda`: the step layer by layer, timed with
#                 CUDA events; the table in profile.log, profile.json beside it
#   torch         PyTorch on the same GPU: its step eager and as a CUDA graph, and an epoch
#                 (benchmarks/pytorch/simple_cnn_epoch.py, warmed up first)
#   memcheck      compute-sanitizer --tool memcheck over the kernel tests
#   racecheck     compute-sanitizer --tool racecheck (__shared__ hazards) over the kernel tests
# Timings come before the sanitizers: they exist only on a GPU, while races and out-of-bounds
# accesses are also hunted without one (the host stand-in's guard zones, poisoned memory and
# barrier checks); and the sanitizers' run time (tens of times slower kernels) is the least
# predictable, so last they cannot starve the cheap steps. A run the deadline cut short can be
# followed by one with --only memcheck,racecheck.
#
# After every step its log joins $OUT/logs.tgz and the table so far is written to
# $OUT/summary.txt (each replaced whole, by rename), so a kill loses nothing that finished. The
# table is printed last, "not reached" for the steps the deadline cut. Exit status: 0 every step ran
# (or was skipped, saying why) and passed; 1 a step failed or timed out; 3 none failed, but the
# deadline cut some; 2 bad options or no .carry/.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 2
SELF="$PWD/scripts/gpu/check.sh"
STEPS=(libraries availability tests epoch-simple epoch-deep step-jmh profile torch memcheck racecheck)
# the longest each step may take, and the least worth starting it with (seconds)
declare -A CAP=([libraries]=60 [availability]=90 [tests]=240 [epoch-simple]=120 [epoch-deep]=150 [step-jmh]=120 [profile]=60 [torch]=120
  [memcheck]=150 [racecheck]=150)
declare -A MIN=([libraries]=5 [availability]=10 [tests]=30 [epoch-simple]=20 [epoch-deep]=20 [step-jmh]=20 [profile]=15 [torch]=20
  [memcheck]=30 [racecheck]=30)
RESERVE=8                                   # kept back: a timed-out step's 5 s to die, packing the logs, the table
read -ra KERNEL_TESTS <<< "${GU_KERNEL_TESTS:-groundup.cuda.CudaBackendContractTest}"   # what the sanitizers run

# ---- the steps (each runs as `check.sh --run-step NAME` under timeout; its stdout/stderr go to
# ---- LOGS/NAME.log, fd 3 to the console; it writes one line for the table to LOGS/NAME.result)

result() { echo "$*" | tail -n 1 > "$LOGS/$STEP.result"; }          # one line: a Python error's is its last
gu() { "$J" -Xmx16g -cp "$CP" groundup.cli.Main "$@"; }
junit() {                                    # the JUnit console over the CUDA test jars, arguments: what to select
  "$J" -Xmx16g -Dgroundup.cuda.standin=off -jar "$C/junit-platform-console-standalone.jar" execute \
    -cp "$CP:$C/jqwik-api.jar:$C/jqwik-engine.jar:$C/core-tests.jar:$C/cuda-tests.jar:$C/cli-tests.jar" \
    --details=tree --disable-banner --disable-ansi-colors "$@"
}
tests_summary() {                            # "tests: 31 successful, 0 failed, 0 aborted, 2 skipped" from a console log
  local k n out=()
  for k in successful failed aborted skipped; do
    n="$(grep -oE "\[ *[0-9]+ tests $k" "$1" | grep -oE '[0-9]+' | tail -1)"
    out+=("${n:-?} $k")
  done
  local IFS=,
  echo "tests: ${out[*]}" | sed 's/,/, /g'
}
failing_tests() { grep -E '✘' "$1" | head -30; grep -A2 -E '=> (org\.opentest4j|java\.lang|org\.junit)' "$1" | head -60; }

step_libraries() {
  local roots=(/)
  [ -n "$STANDIN" ] && roots=("$STANDIN")
  find "${roots[@]}" \( -path /proc -o -path /sys -o -path /dev \) -prune -o \( -name 'libcublas*.so*' -o -name 'libcuda.so*' \) -print \
    2>/dev/null | sort > "$LOGS/libraries.txt"
  cat "$LOGS/libraries.txt"
  echo "== nvidia-smi"
  nvidia-smi 2>&1 || echo "(no nvidia-smi)"
  echo "== the version definitions of each libcublas.so.N (readelf -V)"
  local nodes=() lib defs
  command -v readelf > /dev/null || echo "(no readelf here: the availability line says what GroundUp read)"
  while read -r lib; do
    command -v readelf > /dev/null || break
    defs="$(readelf -V -W "$lib" 2>&1 | sed -n '/Version definition section/,/^$/p')"
    echo "-- $lib -> $(readlink -f "$lib")"
    echo "${defs:-(no version definitions: unversioned)}"
    nodes+=("$lib: $(echo "$defs" | grep -v 'Flags: BASE' | grep -oE 'Name: [^ ]+' | sed 's/Name: //' | paste -sd' ' - | sed 's/^$/unversioned/')")
  done < <(grep -E '/libcublas\.so\.[0-9]+$' "$LOGS/libraries.txt")
  printf '%s\n' "${nodes[@]}" >&3
  local driver
  driver="$(nvidia-smi 2>/dev/null | grep -oE 'Driver Version: [0-9.]+ +CUDA Version: [0-9.]+' | tr -s ' ')"
  result "$(grep -c . "$LOGS/libraries.txt") files; ${#nodes[@]} libcublas.so.N; ${driver:-no nvidia-smi}"
}

step_availability() {
  gu backends
  local line
  line="$(grep -E '^cuda +(available|unavailable)' "$LOGS/availability.log")"
  result "${line:-no cuda line}"
  echo "$line" >&3
  grep -qE '^cuda +available' "$LOGS/availability.log"
}

step_tests() {
  local select=()
  if [ -n "$QUICK" ]; then
    # found as the full run finds its suites, by scanning the package in the jars
    select=(--select-package groundup.cuda --include-classname '.*\.(CudaAvailabilityTest|CudaKernelsTest)')
  else
    # PtxTest checks the sources against the shipped PTX with nvcc: a build-time check, and its paths are the module's
    select=(--select-package groundup.cuda --exclude-classname '.*\.PtxTest' --select-class groundup.cli.ExperimentsOnCudaTest)
  fi
  junit "${select[@]}"
  local rc=$? found
  result "$(tests_summary "$LOGS/tests.log")"
  # a selection that finds too few tests (a class path the console cannot scan) must not pass as green
  local least=50
  [ -n "$QUICK" ] && least=2
  found="$(grep -oE '\[ *[0-9]+ tests found' "$LOGS/tests.log" | grep -oE '[0-9]+' | tail -1)"
  if [ "${found:-0}" -lt $least ]; then
    result "only ${found:-0} tests found, fewer than the CUDA suites hold; $(tests_summary "$LOGS/tests.log")"
    echo "only ${found:-0} tests found: see tests.log in logs.tgz" >&3
    return 1
  fi
  if [ $rc -ne 0 ]; then echo "failing tests (name, then message):" >&3; failing_tests "$LOGS/tests.log" >&3; fi
  return $rc
}

train() {                                    # NET: EPOCHS epochs on cuda, the summary in LOGS/NET.json
  local limits=()
  [ -n "$QUICK" ] && limits=(--batch 10 --train-limit 20 --test-limit 20)
  gu train --net "$1" --epochs "$EPOCHS" --backend cuda --data "$WORK/mnist" --out "$WORK/$1" --summary "$LOGS/$1.json" "${limits[@]}"
  local rc=$?
  result "$(python3 - "$LOGS/$1.json" <<'PY' 2>&1
import json, sys
d = json.load(open(sys.argv[1]))
e = d["epochs"]
print("%d epoch(s), last %.2f s, test accuracy %.4f, device MiB per epoch %s" % (
    len(e), e[-1]["seconds"], e[-1]["test_accuracy"], " ".join("%.1f" % m for m in d.get("device_mib_per_epoch", []))))
PY
)"
  return $rc
}
step_epoch-simple() { train simple-cnn; }
step_epoch-deep() { train deep-cnn; }

step_step-jmh() {
  # six forks (two nets, three precisions) of 2 + 4 one-second iterations: about a minute
  local opts=(-p net=simple-cnn,deep-cnn -f 1 -wi 2 -w 1s -i 4 -r 1s)
  [ -n "$QUICK" ] && opts=(-p net=simple-cnn -f 1 -wi 0 -i 1 -r 1s)
  "$J" -Xmx8g -cp "$C/groundup-benchmarks.jar" org.openjdk.jmh.Main TrainStepBench -p backend=cuda -p batch=100 -p precision=fp32,tf32,bf16 \
    "${opts[@]}" -rf json -rff "$LOGS/jmh-step.json"
  local rc=$?
  result "$(python3 - "$LOGS/jmh-step.json" <<'PY' 2>&1
import json, sys
print("; ".join("%s %.3f ± %.3f ms/step %s" % (r["params"]["net"], float(r["primaryMetric"]["score"]), float(r["primaryMetric"]["scoreError"]),
                                               r["params"].get("precision", "fp32"))
                for r in json.load(open(sys.argv[1]))))
PY
)"
  return $rc
}

step_profile() {
  local opts=(--net deep-cnn --batch 100)
  [ -n "$QUICK" ] && opts=(--net simple-cnn --batch 10 --warmup 1 --steps 2)
  gu profile --backend cuda "${opts[@]}" --out "$WORK/profile" --force
  local rc=$?
  # the jlink'd runtime has no java.desktop: no chart, and the command says so with exit 1; the table and JSON stand
  [ $rc -eq 1 ] && [ -f "$WORK/profile/profile.json" ] && grep -q "was not drawn: drawing needs the java.desktop" "$LOGS/$STEP.log" && rc=0
  cp "$WORK/profile/profile.json" "$LOGS/profile.json" 2>/dev/null
  result "$(grep -m1 'step end to end' "$LOGS/$STEP.log" | sed 's/  */ /g')"
  return $rc
}

step_torch() {
  local py                                     # the device's python3 is PyTorch's venv; here it may be the system's
  for py in python3 /usr/bin/python3 ""; do [ -n "$py" ] && "$py" -c 'import torch' 2>/dev/null && break; done
  if [ -z "$py" ]; then result "skipped: no python3 with torch"; return 0; fi
  local dev=cuda opts=()
  [ -n "$STANDIN" ] && dev=cpu                 # the stand-in is not a GPU: the script's CPU path, no graph
  [ -n "$QUICK" ] && opts=(--rounds 1 --warmup 3 --train-limit 100)
  "$py" "$C/simple_cnn_epoch.py" "$WORK/mnist" --device "$dev" "${opts[@]}" > "$LOGS/torch.json"
  local rc=$?
  cat "$LOGS/torch.json"
  result "$(python3 - "$LOGS/torch.json" <<'PY' 2>&1
import json, sys
d = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
s = d["step_ms"]
f = lambda v: "-" if v is None else "%.3f" % v
print("%s: step ms eager %s (loss read each step), eager async %s, graph %s, graph+read %s; epoch %.2f s, test accuracy %.4f" % (
    d["device"], f(s["eager"]), f(s["eager_async"]), f(s["graph"]), f(s["graph_read"]), d["seconds"], d["test_accuracy"]))
PY
)"
  return $rc
}

sanitize() {                                 # TOOL: compute-sanitizer over the kernel tests
  local san select=() t
  san="$(command -v compute-sanitizer || ls /usr/local/cuda*/bin/compute-sanitizer 2>/dev/null | head -1)"
  if [ -z "$san" ]; then result "skipped: no compute-sanitizer on PATH or in /usr/local/cuda*/bin"; return 0; fi
  for t in "${KERNEL_TESTS[@]}"; do select+=(--select-class "$t"); done
  "$san" --tool "$1" --error-exitcode 86 --print-limit 30 --target-processes all \
    "$J" -Xmx16g -Dgroundup.cuda.standin=off -jar "$C/junit-platform-console-standalone.jar" execute \
    -cp "$CP:$C/jqwik-api.jar:$C/jqwik-engine.jar:$C/core-tests.jar:$C/cuda-tests.jar" \
    --details=tree --disable-banner --disable-ansi-colors "${select[@]}"
  local rc=$?
  local summary
  summary="$(grep -oE '(ERROR|RACECHECK) SUMMARY: .*' "$LOGS/$STEP.log" | tail -1)"
  result "${summary:-no sanitizer summary}; $(tests_summary "$LOGS/$STEP.log")"
  [ $rc -eq 86 ] && { echo "$1 found errors:" >&3; grep -E '^========= ' "$LOGS/$STEP.log" | head -40 >&3; }
  return $rc
}
step_memcheck() { sanitize memcheck; }
step_racecheck() { sanitize racecheck; }

if [ "${1:-}" = --run-step ]; then
  STEP="$2"
  "step_$STEP"
  exit $?
fi

# ---- the run ------------------------------------------------------------------------------------

DEADLINE=420 EPOCHS=1 QUICK="" STANDIN="" ONLY=""
while [ $# -gt 0 ]; do
  case "$1" in
    --deadline) DEADLINE="${2:?--deadline needs a number of seconds}"; shift 2 ;;
    --epochs) EPOCHS="${2:?--epochs needs a number}"; shift 2 ;;
    --only) ONLY=",${2:?--only needs a list of steps},"; shift 2 ;;
    --quick) QUICK=1; shift ;;
    --standin) STANDIN=cuda-backend/target/cuda-standin; shift ;;
    -h|--help) sed -n '2,9p' "$SELF" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "check.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done
[[ "$DEADLINE" =~ ^[0-9]+$ ]] || { echo "check.sh: --deadline: '$DEADLINE' is not a number of seconds" >&2; exit 2; }
[[ "$EPOCHS" =~ ^[1-9][0-9]*$ ]] || { echo "check.sh: --epochs: '$EPOCHS' is not a positive number" >&2; exit 2; }
for s in ${ONLY//,/ }; do
  [[ " ${STEPS[*]} " == *" $s "* ]] || { echo "check.sh: --only: no step '$s' (steps: ${STEPS[*]})" >&2; exit 2; }
done
START=$SECONDS
C="$PWD/.carry"
[ -f "$C/jre.tgz" ] || { echo "check.sh: $C/jre.tgz is missing: run scripts/gpu/prepare.sh first" >&2; exit 2; }

if [ -n "$STANDIN" ]; then
  # the stand-in in place of NVIDIA's libcuda.so.1 and cuBLAS, found as a driver would be: on the loader's path
  STANDIN="$PWD/$STANDIN"
  if [ ! -f "$STANDIN/libcuda.so.1" ] || [ -n "$(find cuda-backend/src/test/native/standin cuda-backend/src/main/cuda/kernels.cu -newer "$STANDIN/libcuda.so.1" 2>/dev/null)" ]; then
    bash cuda-backend/src/test/native/standin/build.sh cuda-backend/src/main/cuda/kernels.cu "$STANDIN" >&2 || exit 2
  fi
  export LD_LIBRARY_PATH="$STANDIN${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  WORK="$(mktemp -d /tmp/groundup-check.XXXXXX)"
  trap 'rm -rf "$WORK"' EXIT                     # what is kept is in $OUT
  OUT="${OUT:-$(mktemp -d /tmp/groundup-check-out.XXXXXX)}"
else
  WORK=/tmp/gu                                  # a warm machine keeps /tmp between calls: start from nothing
  OUT="${OUT:-/tmp/groundup-out}"
  rm -rf "$WORK" "$HOME"/.cache/groundup/jcublas-*
fi
LOGS="$WORK/logs"
mkdir -p "$OUT" "$LOGS" "$WORK/mnist"
J="$WORK/groundup-jre/bin/java"
timeout 60 tar xzf "$C/jre.tgz" -C "$WORK" && timeout 60 tar xzf "$C/mnist.tgz" -C "$WORK/mnist" \
  || { echo "check.sh: cannot unpack $C/jre.tgz or $C/mnist.tgz" >&2; exit 2; }
CP="$C/groundup-benchmarks.jar:$C/groundup-cli.jar:$C/picocli.jar:$C/xchart.jar:$C/commons-compress.jar:$C/commons-io.jar:$C/commons-lang3.jar:$C/commons-codec.jar"
export C J CP WORK LOGS QUICK EPOCHS STANDIN

declare -A STATUS SECS
NOTE=""                                         # why every later step is not reached
COMMIT="$(cat "$C/commit" 2>/dev/null || echo '?')"       # prepare.sh's: the device's copy of the tree has no .git

table() {
  echo "== GroundUp GPU check: $(date -u +%F) commit $COMMIT, ${STANDIN:+host stand-in, }deadline ${DEADLINE} s, $((SECONDS - START)) s used =="
  printf '%-13s %-28s %6s  %s\n' step status secs result
  local s
  for s in "${STEPS[@]}"; do
    printf '%-13s %-28s %6s  %s\n' "$s" "${STATUS[$s]:-pending}" "${SECS[$s]:--}" "$(cat "$LOGS/$s.result" 2>/dev/null)"
  done
}
save() {                                        # the logs and the table so far, each replaced whole
  tar czf "$OUT/.logs.tgz" -C "$WORK" logs 2>/dev/null && mv -f "$OUT/.logs.tgz" "$OUT/logs.tgz"
  table > "$OUT/.summary.txt" && mv -f "$OUT/.summary.txt" "$OUT/summary.txt"
}

failed=0 cut=0
for s in "${STEPS[@]}"; do
  if [ -n "$ONLY" ] && [[ "$ONLY" != *",$s,"* ]]; then STATUS[$s]="skipped (--only)"; continue; fi
  if [ -n "$NOTE" ]; then STATUS[$s]="not reached ($NOTE)"; continue; fi
  left=$((DEADLINE - (SECONDS - START) - RESERVE))
  if [ "$left" -lt "${MIN[$s]}" ]; then STATUS[$s]="not reached (deadline)"; cut=1; continue; fi
  t=$((left < CAP[$s] ? left : CAP[$s]))
  STATUS[$s]="running (up to $t s)"
  save
  t0=$SECONDS
  timeout -k 5 "$t" bash "$SELF" --run-step "$s" 3>&1 > "$LOGS/$s.log" 2>&1
  rc=$?
  SECS[$s]=$((SECONDS - t0))
  case $rc in
    0) STATUS[$s]=ok ;;
    124|137) STATUS[$s]="TIMED OUT after $t s"; failed=1 ;;
    *) STATUS[$s]="FAILED (exit $rc)"; failed=1 ;;
  esac
  [ "$s" = availability ] && [ $rc -ne 0 ] && NOTE="cuda unavailable"
  echo "== $s: ${STATUS[$s]} (${SECS[$s]} s): $(cat "$LOGS/$s.result" 2>/dev/null)"
  save
done
echo
save
table
echo "logs: $OUT/logs.tgz, this table: $OUT/summary.txt"
[ $failed -eq 1 ] && exit 1
[ $cut -eq 1 ] && exit 3
exit 0
