# Sourced by the compare scripts as they start, before anything is built or measured: sets
# $commit (the short hash, "+uncommitted" where the tree differs from it: what is measured is
# the tree at this moment, not at the end of a long run) and $machine (the CPU's model name,
# family and model, its vector extensions that matter here, and the vCPUs), for the figures'
# records.
cpu_line() { grep -m1 "^$1" /proc/cpuinfo 2>/dev/null | cut -d: -f2 | sed 's/^ *//' || true; }   # not every CPU has every line
commit="$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . || echo +uncommitted)"
machine_flags="$(cpu_line flags)"
machine_ext=""
for f in "avx512f:AVX-512" "avx512_bf16:AVX512-BF16" "amx_tile:AMX"; do
  case " $machine_flags " in *" ${f%%:*} "*) machine_ext="${machine_ext:+$machine_ext, }${f#*:}" ;; esac
done
machine="$(cpu_line 'model name') (family $(cpu_line 'cpu family'), model $(cpu_line 'model\s')${machine_ext:+; $machine_ext}), $(nproc) vCPUs"
