#!/usr/bin/env bash
# Prepares .carry/ for a run on a lent GPU machine (which has no Java, no Maven, no network):
# a jlink'd Java 17 runtime, the shaded jars, the test classes, the JUnit console launcher with
# jqwik, and MNIST, under 64 MiB together. Then, with the device tool:
#   run(command="bash scripts/gpu/check.sh", carry=[".carry"], timeout_s=600)
# See docs/gpu.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
C=.carry
./mvnw -B -q -DskipTests package
rm -rf "$C" && mkdir -p "$C"
cp benchmarks/target/groundup-benchmarks.jar "$C/"
# oneDNN's natives (28 MB packed) would push the carry over 64 MiB, and the GPU check needs no
# CPU convolution speed: without them the CPU backend's auto convolution runs SGEMM and says why.
zip -q -d "$C/groundup-benchmarks.jar" 'org/bytedeco/dnnl/*' 'org/bytedeco/opencl/*'
cp cli/target/groundup-cli-*.jar "$C/groundup-cli.jar"
./mvnw -B -q dependency:copy -Dartifact=info.picocli:picocli:4.7.6 -DoutputDirectory="$PWD/$C" -Dmdep.stripVersion=true
./mvnw -B -q dependency:copy -Dartifact=org.knowm.xchart:xchart:3.8.8 -DoutputDirectory="$PWD/$C" -Dmdep.stripVersion=true   # the experiment classes' types
./mvnw -B -q dependency:copy -Dartifact=org.junit.platform:junit-platform-console-standalone:1.11.4 -DoutputDirectory="$PWD/$C" \
  -Dmdep.stripVersion=true
for a in jqwik-api jqwik-engine; do     # the property tests' engine (its own needs are in the console launcher)
  ./mvnw -B -q dependency:copy -Dartifact=net.jqwik:$a:1.9.2 -DoutputDirectory="$PWD/$C" -Dmdep.stripVersion=true
done
(cd core/target/test-classes && jar cf "../../../$C/core-tests.jar" .)
(cd cuda-backend/target/test-classes && jar cf "../../../$C/cuda-tests.jar" .)
(cd cli/target/test-classes && jar cf "../../../$C/cli-tests.jar" groundup/cli/ExperimentsOnCudaTest.class groundup/cli/Synthetic.class)
jdk="${JDK17:-$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")}"
rm -rf /tmp/groundup-jre && "$jdk/bin/jlink" --add-modules java.base,java.logging,java.management,jdk.unsupported \
  --strip-debug --no-man-pages --no-header-files --compress=2 --output /tmp/groundup-jre
tar czf "$C/jre.tgz" -C /tmp groundup-jre
data="${GROUNDUP_DATA:-$HOME/.cache/groundup/mnist}"
./groundup fetch-mnist --data "$data" >/dev/null
tar cf - -C "$data" . | gzip -9 > "$C/mnist.tgz"
cp benchmarks/pytorch/simple_cnn_epoch.py "$C/"
du -sh "$C"; ls -la "$C"
