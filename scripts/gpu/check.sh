#!/usr/bin/env bash
# Runs on the lent GPU machine, from the repository root, with .carry/ made by prepare.sh.
# Logs go to $OUT; the last lines printed are a short table. Steps:
#  1. nvidia-smi and `groundup backends` (what loaded, and why not);
#  2. the CUDA tests: backend contract, gradient checks, CPU/CUDA parity;
#  3. one SimpleConvNet epoch on cuda, on cpu (all cores) and in PyTorch on the GPU, same settings;
#  4. SimpleConvNet and DeepConvNet trained for $EPOCHS epochs on cuda (accuracy).
set -uo pipefail
C=.carry
OUT="${OUT:-/tmp/groundup-out}"; mkdir -p "$OUT"
EPOCHS="${EPOCHS:-2}"
mkdir -p /tmp/gu && tar xzf "$C/jre.tgz" -C /tmp/gu && J=/tmp/gu/groundup-jre/bin/java
mkdir -p /tmp/gu/mnist && tar xzf "$C/mnist.tgz" -C /tmp/gu/mnist
CP="$C/groundup-benchmarks.jar:$C/groundup-cli.jar:$C/picocli.jar"
gu() { "$J" -Xmx16g -cp "$CP" groundup.cli.Main "$@"; }
nvidia-smi > "$OUT/nvidia-smi.txt" 2>&1; head -15 "$OUT/nvidia-smi.txt"
gu backends 2>&1 | tee "$OUT/backends.txt"

"$J" -Xmx16g -jar "$C/junit-platform-console-standalone.jar" execute -cp "$CP:$C/core-tests.jar:$C/cuda-tests.jar" \
  --details=tree \
  --select-class groundup.cuda.CudaAvailabilityTest --select-class groundup.cuda.ElfSonameTest \
  --select-class groundup.cuda.CudaBackendContractTest --select-class groundup.cuda.CudaLayerGradientTest \
  --select-class groundup.cuda.CudaParityTest --disable-banner > "$OUT/tests.log" 2>&1
tests_rc=$?
tail -25 "$OUT/tests.log"

secs() { python3 -c "import json,sys;d=json.load(open(sys.argv[1]));e=d['epochs'][-1];print('%.2f %.4f'%(e['seconds'],e['testAccuracy']))" "$1"; }
gu train --net simple-cnn --epochs 1 --backend cuda --data /tmp/gu/mnist --out /tmp/gu/cuda1 --summary "$OUT/simple-cuda-1.json" > "$OUT/simple-cuda-1.log" 2>&1
gu train --net simple-cnn --epochs 1 --backend cpu --data /tmp/gu/mnist --out /tmp/gu/cpu1 --summary "$OUT/simple-cpu-1.json" > "$OUT/simple-cpu-1.log" 2>&1
python3 "$C/simple_cnn_epoch.py" /tmp/gu/mnist --device cuda > "$OUT/simple-torch-cuda.json" 2> "$OUT/simple-torch-cuda.log"
gu train --net simple-cnn --epochs "$EPOCHS" --backend cuda --data /tmp/gu/mnist --out /tmp/gu/simple --summary "$OUT/simple-cuda.json" > "$OUT/simple-cuda.log" 2>&1
gu train --net deep-cnn --epochs "$EPOCHS" --backend cuda --data /tmp/gu/mnist --out /tmp/gu/deep --summary "$OUT/deep-cuda.json" > "$OUT/deep-cuda.log" 2>&1

echo
echo "== GroundUp GPU check: $(date -u +%F) commit $(git rev-parse --short HEAD 2>/dev/null || echo '?') =="
echo "CUDA tests exit code: $tests_rc; $(grep -E 'tests (successful|failed|aborted)' "$OUT/tests.log" | tr -s ' []' ' ' | paste -sd, -)"
printf '%-40s %s\n' "SimpleConvNet 1 epoch, cuda (s, acc):" "$(secs "$OUT/simple-cuda-1.json" 2>/dev/null || echo failed)"
printf '%-40s %s\n' "SimpleConvNet 1 epoch, cpu (s, acc):" "$(secs "$OUT/simple-cpu-1.json" 2>/dev/null || echo failed)"
printf '%-40s %s\n' "SimpleConvNet 1 epoch, PyTorch cuda:" "$(python3 -c "import json;d=json.load(open('$OUT/simple-torch-cuda.json'));print('%.2f %.4f'%(d['seconds'],d['test_accuracy']))" 2>/dev/null || echo failed)"
printf '%-40s %s\n' "SimpleConvNet $EPOCHS epochs, cuda (s, acc):" "$(secs "$OUT/simple-cuda.json" 2>/dev/null || echo failed)"
printf '%-40s %s\n' "DeepConvNet $EPOCHS epochs, cuda (s, acc):" "$(secs "$OUT/deep-cuda.json" 2>/dev/null || echo failed)"
