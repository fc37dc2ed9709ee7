#!/usr/bin/env bash
# Builds the host stand-in for the CUDA driver and cuBLAS into OUT (test-only; see HostStandIn.java):
#   libcuda.so.1                    the driver API JCuda's driver binding calls, with kernels.cu compiled
#                                   for the host and run with CUDA's block/thread semantics, a race
#                                   detector (race.cpp), and stream capture, graphs and per-call
#                                   counters (graph.cpp)
#   libcublas.so.13, libcublasLt.so.13   column-major SGEMM and GemmEx (bf16, TF32) with cuBLAS's argument checks
# Usage: build.sh KERNELS_CU OUT
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cu="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
out="$2"
[ "$(uname -m)" = x86_64 ] || { echo "the CUDA stand-in runs on x86-64 only (JCuda's natives are x86-64), not $(uname -m)" >&2; exit 3; }
mkdir -p "$out"
tmp="$(mktemp -d "$out/build.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
# the kernels twice: as they are, and instrumented for the race detector (race.h), each kernel
# of the instrumented copy renamed gu_race_<name>; kernels.cu and race_kernels.cu (the race
# detector's test kernels)
kernels=("$cu" "$here/race_kernels.cu")
{
  echo '#include "cuda_host.h"'
  for f in "${kernels[@]}"; do echo "#include \"$f\""; done
} > "$tmp/kernels.cpp"
# name and parameter names of each __global__ function
for f in "${kernels[@]}"; do
  tr '\n' ' ' < "$f" | grep -oE '__global__[[:space:]]+void[[:space:]]+[A-Za-z_][A-Za-z_0-9]*[[:space:]]*\([^)]*\)' | awk '{
    sub(/^__global__[[:space:]]+void[[:space:]]+/, "")
    i = index($0, "("); name = substr($0, 1, i - 1); gsub(/[[:space:]]/, "", name)
    n = split(substr($0, i + 1, length($0) - i - 1), parts, ","); names = ""
    for (k = 1; k <= n; k++) { p = parts[k]; sub(/[[:space:]]+$/, "", p); match(p, /[A-Za-z_][A-Za-z_0-9]*$/)
      names = names (k > 1 ? "," : "") substr(p, RSTART, RLENGTH) }
    print name, names
  }'
done > "$tmp/kernels.txt"
awk '{print $1, "gu_race_" $1}' "$tmp/kernels.txt" > "$tmp/renames.txt"
# the kernel table: one entry per kernel, signature taken by the compiler
{
  echo "#include \"kernels.cpp\""
  echo '#include "standin.h"'
  awk '{print "extern \"C\" decltype(" $1 ") gu_race_" $1 ";"}' "$tmp/kernels.txt"
  echo '// at namespace scope: a function-local static would be guarded by an atomic'
  echo 'static const std::vector<GuHostKernel> table = {'
  awk '{print "    gu_make_kernel(\"" $1 "\", " $1 ", gu_race_" $1 ", \"" $2 "\"),"}' "$tmp/kernels.txt"
  echo '};'
  echo 'extern "C" const std::vector<GuHostKernel>& gu_host_kernels() { return table; }'
} > "$tmp/registry.cpp"
flags=(-std=c++17 -O2 -fPIC -g -Wall -Wno-unused-function -Wno-sign-compare -I"$here" -fno-strict-aliasing -U_FORTIFY_SOURCE -pthread)
# The instrumented copy calls race.cpp's __tsan_read4, __tsan_write8... before each load and store
# (no libtsan: nothing is linked with -fsanitize). -z defs: an entry point race.cpp lacks (an
# atomic builtin's __tsan_atomic32_*, say) fails the build rather than the JVM.
g++ "${flags[@]}" -c -o "$tmp/registry.o" "$tmp/registry.cpp"
g++ "${flags[@]}" -fsanitize=thread --param=tsan-instrument-func-entry-exit=0 -c -o "$tmp/checked.o" "$tmp/kernels.cpp"
objcopy --redefine-syms="$tmp/renames.txt" "$tmp/checked.o"
g++ "${flags[@]}" -shared -Wl,-z,defs -Wl,-soname,libcuda.so.1 -o "$tmp/libcuda.so.1" "$here/driver.cpp" "$here/race.cpp" "$here/graph.cpp" \
    "$tmp/registry.o" "$tmp/checked.o" -x c++ -DGU_IMPORTS='"cuda_imports.inc"' -DGU_UNSUPPORTED=801 "$here/stubs.cpp" -ldl
g++ "${flags[@]}" -shared -Wl,-soname,libcublasLt.so.13 -o "$tmp/libcublasLt.so.13" "$here/cublaslt.cpp"
g++ "${flags[@]}" -shared -Wl,-soname,libcublas.so.13 -Wl,--version-script="$here/cublas.map" -o "$tmp/libcublas.so.13" \
    "$here/cublas.cpp" -DGU_IMPORTS='"cublas_imports.inc"' -DGU_UNSUPPORTED=15 "$here/stubs.cpp" "$tmp/libcuda.so.1"
mv "$tmp/libcuda.so.1" "$tmp/libcublasLt.so.13" "$tmp/libcublas.so.13" "$out/"
echo "built the CUDA host stand-in in $out"
