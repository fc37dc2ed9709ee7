#!/usr/bin/env bash
# Prepares .carry/ for a run on a lent GPU machine (which has no Java, no Maven, no network):
# a jlink'd Java 17 runtime, the shaded jars, the test classes, the JUnit console launcher with
# jqwik, MNIST and the PyTorch comparison script (with ops.py, which it imports). Then, with the device tool:
#   run(command="bash scripts/gpu/check.sh", carry=[".carry"], timeout_s=600)
# It prints what a call carries (the working tree and .carry/) against the 64 MiB limit, and fails
# over it. --no-build takes the jars an earlier `./mvnw package` or `verify` made (CI). See docs/gpu.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
build=1
[ "${1:-}" = --no-build ] && build=""
C=.carry
[ -n "$build" ] && ./mvnw -B -q -DskipTests package
rm -rf "$C" && mkdir -p "$C"
cp benchmarks/target/groundup-benchmarks.jar "$C/"
# Natives no step of the check loads: oneDNN (28 MB packed; without it the CPU backend's convolution
# runs SGEMM and says why) and OpenCL. The jars hold Linux x86-64 natives only; OpenBLAS's three JNI
# libraries all load (openblas_full's class extends openblas, which extends openblas_nolapack).
zip -q -d "$C/groundup-benchmarks.jar" 'org/bytedeco/dnnl/*' 'org/bytedeco/opencl/*'
cp cli/target/groundup-cli-*.jar "$C/groundup-cli.jar"
copy() { ./mvnw -B -q dependency:copy -Dartifact="$1" -DoutputDirectory="$PWD/$C" -Dmdep.stripVersion=true; }
copy info.picocli:picocli:4.7.6
copy org.knowm.xchart:xchart:3.8.8                                        # the experiment classes' types
copy org.apache.commons:commons-compress:1.28.0                           # the command line's data fetching (npm's tarball), and what it needs
copy commons-io:commons-io:2.20.0
copy org.apache.commons:commons-lang3:3.18.0
copy commons-codec:commons-codec:1.19.0
copy org.junit.platform:junit-platform-console-standalone:1.11.4
copy net.jqwik:jqwik-api:1.9.2                                             # the property tests' engine
copy net.jqwik:jqwik-engine:1.9.2
(cd core/target/test-classes && jar cf "../../../$C/core-tests.jar" .)
(cd cuda-backend/target/test-classes && jar cf "../../../$C/cuda-tests.jar" .)
(cd cli/target/test-classes && jar cf "../../../$C/cli-tests.jar" groundup/cli/ExperimentsOnCudaTest.class groundup/cli/Synthetic.class)
# the runtime: uncompressed modules and stripped natives pack smaller (gzip) than jlink's own compression
jdk="${JDK17:-$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")}"
jre="$(mktemp -d)"
trap 'rm -rf "$jre"' EXIT
# jdk.zipfs: the JUnit console finds the test classes of a package inside jars through it
"$jdk/bin/jlink" --add-modules java.base,java.logging,java.management,jdk.unsupported,jdk.zipfs \
  --strip-debug --no-man-pages --no-header-files --compress=0 --output "$jre/groundup-jre"
command -v strip >/dev/null && strip --strip-unneeded "$jre"/groundup-jre/lib/server/libjvm.so "$jre"/groundup-jre/lib/*.so
tar czf "$C/jre.tgz" -C "$jre" groundup-jre
data="${GROUNDUP_DATA:-$HOME/.cache/groundup/mnist}"
./groundup fetch-mnist --data "$data" >/dev/null
tar cf - -C "$data" . | gzip -6 > "$C/mnist.tgz"              # -9 takes 10x as long for 2% less
cp benchmarks/pytorch/simple_cnn_epoch.py benchmarks/pytorch/ops.py "$C/"
echo "$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . ':!.carry' || echo +uncommitted)" > "$C/commit"   # for check.sh's table
ls -la "$C"
carry=$(du -sb "$C" | cut -f1)
tree=$(git ls-files -co --exclude-standard -z | du -cb --files0-from=- 2>/dev/null | tail -1 | cut -f1)
limit=$((64 << 20))
awk -v c="$carry" -v t="$tree" -v l="$limit" 'BEGIN { printf "a call carries %.2f MiB: .carry/ %.2f MiB + the working tree %.2f MiB; %.2f MiB under the 64 MiB limit\n", (c+t)/1048576, c/1048576, t/1048576, (l-c-t)/1048576 }'
[ $((carry + tree)) -le "$limit" ] || { echo "prepare.sh: over the 64 MiB a device call carries" >&2; exit 1; }
