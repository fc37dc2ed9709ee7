#!/usr/bin/env bash
# Runs on the lent GPU machine, from the repository root, with .carry/ made by prepare.sh.
# Every step runs under `timeout`, so the closing table always prints within the device tool's
# 600 s; logs are packed into one archive, $OUT/logs.tgz (a device call returns at most 8 files).
#  1. where the CUDA libraries are, nvidia-smi, `groundup backends`: stops here, saying why,
#     unless the cuda backend reports itself available (else every CUDA test would skip);
#  2. the CUDA tests (contract, properties, gradient checks, CPU/CUDA parity, memory); the names
#     and messages of the failing ones are printed;
#  3. one SimpleConvNet epoch on cuda, on cpu (all cores) and in PyTorch on the GPU, same settings;
#  4. SimpleConvNet and DeepConvNet trained for $EPOCHS epochs on cuda (accuracy, device memory per epoch).
set -uo pipefail
C=.carry
OUT="${OUT:-/tmp/groundup-out}"; mkdir -p "$OUT"
EPOCHS="${EPOCHS:-2}"
LOGS="$OUT/logs"; mkdir -p "$LOGS"
pack() { tar czf "$OUT/logs.tgz" -C "$OUT" logs 2>/dev/null; rm -rf "$LOGS"; }
trap pack EXIT

# a warm machine keeps /tmp between calls: start from nothing
rm -rf /tmp/gu "$HOME"/.cache/groundup/jcublas-* && mkdir -p /tmp/gu/mnist
timeout 60 tar xzf "$C/jre.tgz" -C /tmp/gu && J=/tmp/gu/groundup-jre/bin/java
timeout 60 tar xzf "$C/mnist.tgz" -C /tmp/gu/mnist
CP="$C/groundup-benchmarks.jar:$C/groundup-cli.jar:$C/picocli.jar:$C/xchart.jar"
gu() { local t="$1"; shift; timeout "$t" "$J" -Xmx16g -cp "$CP" groundup.cli.Main "$@"; }

echo "== cuBLAS and the driver on this machine"
timeout 60 find / -xdev \( -name 'libcublas*.so*' -o -name 'libcuda.so*' \) 2>/dev/null | sort | tee "$LOGS/libraries.txt"
timeout 30 nvidia-smi > "$LOGS/nvidia-smi.txt" 2>&1; head -15 "$LOGS/nvidia-smi.txt"
gu 120 backends 2>&1 | tee "$LOGS/backends.txt"
if ! grep -qE '^cuda +available' "$LOGS/backends.txt"; then
  echo
  echo "== STOP: the cuda backend is not available here, so every CUDA test would skip. Reason above (groundup backends)."
  exit 2
fi

JQWIK="$C/jqwik-api.jar:$C/jqwik-engine.jar"
timeout 420 "$J" -Xmx16g -Dgroundup.cuda.standin=off -jar "$C/junit-platform-console-standalone.jar" execute \
  -cp "$CP:$JQWIK:$C/core-tests.jar:$C/cuda-tests.jar:$C/cli-tests.jar" --details=tree --disable-banner \
  --select-class groundup.cuda.CudaAvailabilityTest --select-class groundup.cuda.CudaKernelsTest \
  --select-class groundup.cuda.CudaBackendContractTest --select-class groundup.cuda.CudaBackendPropertiesTest \
  --select-class groundup.cuda.CudaLayerGradientTest --select-class groundup.cuda.CudaParityTest \
  --select-class groundup.cuda.CudaMemoryTest --select-class groundup.cli.ExperimentsOnCudaTest > "$LOGS/tests.log" 2>&1
tests_rc=$?
echo "== failing tests (name, then message)"
grep -E '✘|\[X\]' "$LOGS/tests.log" | head -40
grep -B1 -A3 -E '=> (org\.opentest4j|java\.lang)' "$LOGS/tests.log" | head -80

secs() { python3 -c "import json,sys;d=json.load(open(sys.argv[1]));e=d['epochs'][-1];m=d.get('device_mib_per_epoch') or ['-'];print('%.2f s, test acc %.4f, device MiB %s'%(e['seconds'],e.get('test_accuracy', e.get('testAccuracy')),m))" "$1"; }
gu 240 train --net simple-cnn --epochs 1 --backend cuda --data /tmp/gu/mnist --out /tmp/gu/cuda1 --summary "$LOGS/simple-cuda-1.json" > "$LOGS/simple-cuda-1.log" 2>&1
gu 120 train --net simple-cnn --epochs 1 --backend cpu --data /tmp/gu/mnist --out /tmp/gu/cpu1 --summary "$LOGS/simple-cpu-1.json" > "$LOGS/simple-cpu-1.log" 2>&1
timeout 180 python3 "$C/simple_cnn_epoch.py" /tmp/gu/mnist --device cuda > "$LOGS/simple-torch-cuda.json" 2> "$LOGS/simple-torch-cuda.log"
gu 300 train --net simple-cnn --epochs "$EPOCHS" --backend cuda --data /tmp/gu/mnist --out /tmp/gu/simple --summary "$LOGS/simple-cuda.json" > "$LOGS/simple-cuda.log" 2>&1
gu 300 train --net deep-cnn --epochs "$EPOCHS" --backend cuda --data /tmp/gu/mnist --out /tmp/gu/deep --summary "$LOGS/deep-cuda.json" > "$LOGS/deep-cuda.log" 2>&1
tail -3 "$LOGS"/*-cuda*.log

echo
echo "== GroundUp GPU check: $(date -u +%F) commit $(git rev-parse --short HEAD 2>/dev/null || echo '?') =="
echo "CUDA tests exit code: $tests_rc; $(grep -E 'tests (successful|failed|aborted|skipped)' "$LOGS/tests.log" | tr -s ' []' ' ' | paste -sd, -)"
printf '%-40s %s\n' "SimpleConvNet 1 epoch, cuda:" "$(secs "$LOGS/simple-cuda-1.json" 2>/dev/null || echo failed)"
printf '%-40s %s\n' "SimpleConvNet 1 epoch, cpu:" "$(secs "$LOGS/simple-cpu-1.json" 2>/dev/null || echo failed)"
printf '%-40s %s\n' "SimpleConvNet 1 epoch, PyTorch cuda:" "$(python3 -c "import json;d=json.load(open('$LOGS/simple-torch-cuda.json'));print('%.2f s, test acc %.4f'%(d['seconds'],d['test_accuracy']))" 2>/dev/null || echo failed)"
printf '%-40s %s\n' "SimpleConvNet $EPOCHS epochs, cuda:" "$(secs "$LOGS/simple-cuda.json" 2>/dev/null || echo failed)"
printf '%-40s %s\n' "DeepConvNet $EPOCHS epochs, cuda:" "$(secs "$LOGS/deep-cuda.json" 2>/dev/null || echo failed)"
