# Sourced by the compare scripts. steal_mark records /proc/stat's CPU counters; steal_since
# prints the share of CPU time the hypervisor gave to other guests (steal) since the mark, as
# "12%". On a shared VM a round with a high share ran on a contended host: its figures measure
# the neighbours as much as the code. Prints "n/a" where /proc/stat is not there (not Linux).
steal_mark() {
  if [ -r /proc/stat ]; then read -r _ u n s i w q sq st _ < /proc/stat; STEAL_T0=$((u + n + s + i + w + q + sq + st)); STEAL_S0=$st; fi
}
steal_since() {
  if [ ! -r /proc/stat ] || [ -z "${STEAL_T0:-}" ]; then echo "n/a"; return; fi
  local u n s i w q sq st
  read -r _ u n s i w q sq st _ < /proc/stat
  local total=$((u + n + s + i + w + q + sq + st - STEAL_T0))
  if [ "$total" -le 0 ]; then echo "n/a"; else echo "$(( (st - STEAL_S0) * 100 / total ))%"; fi
}
