#!/usr/bin/env bash
# Regenerates the PTX the CUDA backend ships (src/main/resources/groundup/cuda/kernels.ptx) from
# src/main/cuda/kernels.cu. Needs nvcc; building the project does not (the PTX is committed).
#
# Why compute_75 and PTX ISA 8.0: the driver JIT-compiles PTX for the GPU it finds, so one
# PTX for the oldest architecture we support (Turing, sm_75; CUDA 13 dropped older ones)
# runs on every newer one (Ampere, Ada, Hopper...). nvcc 13 labels its PTX ".version 9.0",
# which only drivers for CUDA 13 (580+) accept; our kernels use nothing newer than ISA 8.0
# (CUDA 12.0), so the label is lowered to 8.0 and CUDA 12 drivers (525+) load it too.
# PtxTest checks that the result still assembles for sm_75 and sm_90.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="$here/src/main/resources/groundup/cuda/kernels.ptx"
mkdir -p "$(dirname "$out")"
nvcc --ptx -arch=compute_75 -O3 -o - "$here/src/main/cuda/kernels.cu" | sed 's/^\.version [0-9.]*$/.version 8.0/' > "$out.tmp"
mv "$out.tmp" "$out"
echo "wrote $out ($(grep -c '^\.visible \.entry' "$out") kernels)"
