#!/usr/bin/env bash
# Tests scripts/gpu/check.sh without a GPU, against the host stand-in, with .carry/ from prepare.sh
# (CI: prepare.sh --no-build after ./mvnw verify, which builds the stand-in). The sanitizer steps
# run through a fake compute-sanitizer (scripts/gpu/testing) over CudaKernelsTest.
#  1. --quick within its deadline: every step ok (torch: skipped, saying why, where no torch), the
#     table printed last, each step's log in $OUT/logs.tgz, the table in $OUT/summary.txt;
#  2. a deadline too short for some steps (which ones depends on the machine's speed): the run ends
#     within it, exit 3, "not reached (deadline)" in its table, and the logs of the steps that ran;
#  3. killed (SIGKILL, every process of it) during a step: the logs and the table of the steps that
#     finished are in $OUT;
#  4. a sanitizer that finds errors fails its step and the run, and its findings are printed.
set -euo pipefail
cd "$(dirname "$0")/../.."
tmp="$(mktemp -d /tmp/groundup-test-check.XXXXXX)"
[ -n "${KEEP:-}" ] && echo "keeping the runs' output in $tmp" || trap 'rm -rf "$tmp"' EXIT
export PATH="$PWD/scripts/gpu/testing:$PATH" GU_KERNEL_TESTS=groundup.cuda.CudaKernelsTest
STEPS="libraries availability tests epoch-simple epoch-deep step-jmh profile torch memcheck racecheck"
begin=$SECONDS
fail() { echo "test-check.sh: FAILED: $*" >&2; exit 1; }
has_log() { tar tzf "$1/logs.tgz" | grep -x "logs/$2.log" > /dev/null; }   # not grep -q: tar must not die of SIGPIPE
check() { OUT="$tmp/$1" bash scripts/gpu/check.sh --standin --quick "${@:2}" > "$tmp/$1.txt" 2>&1; }

echo "$((SECONDS - begin)) s: 1. a quick run within its deadline"
t0=$SECONDS
rc=0
check full --deadline 240 || rc=$?
[ $rc -eq 0 ] || { cat "$tmp/full.txt"; fail "the quick run exited $rc"; }
[ $((SECONDS - t0)) -le 250 ] || fail "the quick run took $((SECONDS - t0)) s, deadline 240"
for s in $STEPS; do
  grep -qE "^$s +ok " "$tmp/full/summary.txt" || fail "step $s is not ok: $(grep -E "^$s " "$tmp/full/summary.txt")"
  has_log "$tmp/full" "$s" || fail "no $s.log in logs.tgz"
done
grep -qE '^tests .*tests: [1-9][0-9]* successful, 0 failed' "$tmp/full/summary.txt" || fail "tests row: $(grep '^tests ' "$tmp/full/summary.txt")"
grep -qE '^epoch-deep .*1 epoch\(s\), last [0-9.]+ s, test accuracy 0\.[0-9]+, device MiB per epoch [0-9.]+$' "$tmp/full/summary.txt" \
  || fail "epoch-deep row: $(grep '^epoch-deep ' "$tmp/full/summary.txt")"
for p in fp32 tf32 bf16; do
  grep -qE "^step-jmh .*simple-cnn [0-9.]+ ± [0-9.na]+ ms/step $p" "$tmp/full/summary.txt" || fail "step-jmh row, $p: $(grep '^step-jmh ' "$tmp/full/summary.txt")"
done
grep -qE '^profile .*step end to end' "$tmp/full/summary.txt" || fail "profile row: $(grep '^profile ' "$tmp/full/summary.txt")"
grep -qE '^memcheck .*ERROR SUMMARY: 0 errors; tests: [1-9]' "$tmp/full/summary.txt" || fail "memcheck row: $(grep '^memcheck ' "$tmp/full/summary.txt")"
grep -qE '^racecheck .*RACECHECK SUMMARY: 0 hazards' "$tmp/full/summary.txt" || fail "racecheck row: $(grep '^racecheck ' "$tmp/full/summary.txt")"
tail -n 14 "$tmp/full.txt" | grep -q '^== GroundUp GPU check: .*host stand-in, deadline 240 s' || fail "the table is not printed last"

echo "$((SECONDS - begin)) s: 2. a deadline that cuts some steps"
t0=$SECONDS
rc=0
check short --deadline 30 || rc=$?
[ $((SECONDS - t0)) -le 38 ] || fail "a 30 s deadline took $((SECONDS - t0)) s"
[ $rc -eq 3 ] || { cat "$tmp/short.txt"; fail "exit $rc with steps cut and none failed, not 3"; }
# which steps the deadline cuts depends on the machine's speed (a fast one fits both epochs in it): at least one
grep -qE '^[a-z-]+ +not reached \(deadline\)' "$tmp/short.txt" || fail "no 'not reached (deadline)' row in the table:\n$(cat "$tmp/short.txt")"
for s in $STEPS; do
  row="$(grep -E "^$s " "$tmp/short/summary.txt")" || fail "no row for $s in summary.txt"
  [[ $row =~ ^$s\ +(ok|not\ reached\ \(deadline\))\  ]] || fail "unexpected row: $row"
  [[ $row =~ ^$s\ +ok ]] && { has_log "$tmp/short" "$s" || fail "no $s.log in logs.tgz"; }
done

echo "$((SECONDS - begin)) s: 3. killed during a step"
OUT="$tmp/kill" setsid bash scripts/gpu/check.sh --standin --quick --only libraries,availability,epoch-deep --deadline 120 \
  > "$tmp/kill.txt" 2>&1 &
pid=$!
for _ in $(seq 120); do
  grep -qE '^epoch-deep +running' "$tmp/kill/summary.txt" 2>/dev/null && break
  sleep 0.5
done
grep -qE '^epoch-deep +running' "$tmp/kill/summary.txt" || { kill -KILL -- "-$pid" 2>/dev/null || true; fail "epoch-deep never started:\n$(cat "$tmp/kill.txt")"; }
sleep 1
groups="$pid $(for c in $(pgrep -P "$pid"); do ps -o pgid= "$c"; done)"   # the step runs under timeout, in a group of its own
for g in $groups; do kill -KILL -- "-$g" 2>/dev/null || true; done
{ wait "$pid" || true; } 2>/dev/null               # the shell's "Killed" notice: expected
grep -qE '^availability +ok ' "$tmp/kill/summary.txt" || fail "summary.txt lost the finished steps: $(cat "$tmp/kill/summary.txt")"
grep -qE '^epoch-deep +running' "$tmp/kill/summary.txt" || fail "summary.txt does not say which step was running"
for s in libraries availability; do has_log "$tmp/kill" "$s" || fail "the kill lost $s.log"; done

echo "$((SECONDS - begin)) s: 4. a sanitizer that finds errors"
rc=0
FAKE_SANITIZER_ERRORS=2 check errors --only availability,memcheck || rc=$?
[ $rc -eq 1 ] || fail "exit $rc with a sanitizer finding errors, not 1"
grep -qE '^memcheck +FAILED \(exit 86\) .*ERROR SUMMARY: 2 errors' "$tmp/errors/summary.txt" || fail "memcheck row: $(grep '^memcheck ' "$tmp/errors/summary.txt")"
grep -q '^memcheck found errors:' "$tmp/errors.txt" || fail "the findings are not printed"
echo "test-check.sh: all passed ($((SECONDS - begin)) s)"
