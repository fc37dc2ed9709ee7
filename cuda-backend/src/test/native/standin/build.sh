#!/usr/bin/env bash
# Builds the host stand-in for the CUDA driver and cuBLAS into OUT (test-only; see HostStandIn.java):
#   libcuda.so.1                    the driver API JCuda's driver binding calls, with kernels.cu compiled
#                                   for the host and run with CUDA's block/thread semantics; stream
#                                   capture, graphs and per-call counters in graph.cpp
#   libcublas.so.13, libcublasLt.so.13   column-major SGEMM with cuBLAS's argument checks
# Usage: build.sh KERNELS_CU OUT
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cu="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
out="$2"
[ "$(uname -m)" = x86_64 ] || { echo "the CUDA stand-in runs on x86-64 only (JCuda's natives are x86-64), not $(uname -m)" >&2; exit 3; }
mkdir -p "$out"
tmp="$(mktemp -d "$out/build.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
# the kernel table: one entry per __global__ function of kernels.cu, signature taken by the compiler
{
  echo '#include "cuda_host.h"'
  echo "#include \"$cu\""
  echo '#include "standin.h"'
  echo 'extern "C" const std::vector<GuHostKernel>& gu_host_kernels() {'
  echo '    static const std::vector<GuHostKernel> table = {'
  grep -oE '__global__[[:space:]]+void[[:space:]]+[A-Za-z_][A-Za-z_0-9]*' "$cu" | awk '{print "        gu_make_kernel(\"" $3 "\", " $3 "),"}'
  echo '    };'
  echo '    return table;'
  echo '}'
} > "$tmp/registry.cpp"
flags=(-std=c++17 -O2 -fPIC -g -Wall -Wno-unused-function -Wno-sign-compare -I"$here" -fno-strict-aliasing -U_FORTIFY_SOURCE -pthread)
g++ "${flags[@]}" -shared -Wl,-soname,libcuda.so.1 -o "$tmp/libcuda.so.1" "$here/driver.cpp" "$here/graph.cpp" "$tmp/registry.cpp" \
    -x c++ -DGU_IMPORTS='"cuda_imports.inc"' -DGU_UNSUPPORTED=801 "$here/stubs.cpp"
g++ "${flags[@]}" -shared -Wl,-soname,libcublasLt.so.13 -o "$tmp/libcublasLt.so.13" "$here/cublaslt.cpp"
g++ "${flags[@]}" -shared -Wl,-soname,libcublas.so.13 -Wl,--version-script="$here/cublas.map" -o "$tmp/libcublas.so.13" \
    "$here/cublas.cpp" -DGU_IMPORTS='"cublas_imports.inc"' -DGU_UNSUPPORTED=15 "$here/stubs.cpp" "$tmp/libcuda.so.1"
mv "$tmp/libcuda.so.1" "$tmp/libcublasLt.so.13" "$tmp/libcublas.so.13" "$out/"
echo "built the CUDA host stand-in in $out"
