package groundup.cpu;

import groundup.backend.Backend;
import groundup.backend.Precision;
import groundup.backend.UpdateRule;
import groundup.data.Dataset;
import groundup.nn.NetworkSpec;
import groundup.nn.Networks;
import groundup.nn.Sequential;
import groundup.optim.Optimizer;
import groundup.train.Trainer;
import java.lang.management.ManagementFactory;
import java.util.Random;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A training step allocates nothing in steady state: no tensor, array, lambda, shape or string
 * on the calling thread or the backend's workers. The book's CNNs with their fused blocks on
 * oneDNN, as `auto` runs them where oneDNN loads, in fp32 and (where the CPU has the
 * instructions) bf16; the SGEMM convolver, bf16's emulation and batch norm still make objects. Measured as the Java heap the threads allocate over a training
 * epoch of 60 steps and one of 30 (the fewer of two epochs each, after warm-up epochs), so that
 * what an epoch makes once (its shuffle, the trainer's bookkeeping) cancels: the difference over
 * 30 steps is what the steps make. Under 16 bytes a step on average: the smallest object a
 * step could make each time is 16 bytes, so any per-step allocation fails, and a stray object
 * or two (a JIT deoptimization) does not.
 */
class SteadyStepAllocationTest {
    private static final int BATCH = 20, SHORT = 30, LONG = 60, WARM = 12;

    @Test void simpleConvNetTrainsWithoutAllocating() { assertNoAllocationPerStep("simple-cnn", Precision.FP32); }

    @Test void deepConvNetTrainsWithoutAllocating() { assertNoAllocationPerStep("deep-cnn", Precision.FP32); }

    /** bf16 on oneDNN's bf16 kernels: the affine layers' inputs rounded a step, into arrays made once. */
    @Test void deepConvNetInBf16TrainsWithoutAllocating() {
        assumeTrue(Dnnl.bf16Instructions() != null, "no bf16 instructions for oneDNN here" + Dnnl.whyNot());
        assertNoAllocationPerStep("deep-cnn", Precision.BF16);
    }

    private static void assertNoAllocationPerStep(String net, Precision precision) {
        assumeTrue(ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean mx && mx.isThreadAllocatedMemorySupported(),
                "this JVM does not count a thread's allocated bytes");
        assumeTrue(Dnnl.available(), "oneDNN cannot load here" + Dnnl.whyNot());
        try (Backend b = new CpuBackend(2, ConvolutionKind.AUTO)) {
            long shortEpoch = epochBytes(b, net, precision, SHORT), longEpoch = epochBytes(b, net, precision, LONG);
            double perStep = (longEpoch - shortEpoch) / (double) (LONG - SHORT);
            System.out.printf("%s in %s on the CPU, batch %d: an epoch of %d steps allocates %d bytes, of %d steps %d: %.1f bytes a step%n",
                    net, precision, BATCH, SHORT, shortEpoch, LONG, longEpoch, perStep);
            assertTrue(perStep < 16, net + " in " + precision + ": " + perStep + " bytes allocated a training step (epochs of " + SHORT + " and " + LONG
                    + " steps: " + shortEpoch + " and " + longEpoch + " bytes)");
        }
    }

    /** The bytes the calling thread and the backend's threads allocate in a training epoch of steps steps, after WARM epochs. */
    private static long epochBytes(Backend b, String net, Precision precision, int steps) {
        Random r = new Random(1);
        int n = steps * BATCH;
        float[] images = new float[n * 28 * 28];
        int[] labels = new int[n];
        for (int i = 0; i < images.length; i++) images[i] = r.nextFloat();
        for (int i = 0; i < n; i++) labels[i] = r.nextInt(10);
        Dataset train = new Dataset("random", images, labels, Networks.MNIST);
        try (Sequential model = Networks.create(NetworkSpec.of(net), b, 1, precision);
             Optimizer opt = new Optimizer(b, UpdateRule.Kind.ADAM, 1e-3f, 0f);
             Trainer t = new Trainer(model, opt, train, null, BATCH, 1, null)) {
            for (int e = 1; e <= WARM; e++) t.epoch(e);
            long fewest = Long.MAX_VALUE;
            for (int e = WARM + 1; e <= WARM + 2; e++) {
                long before = allocated();
                t.epoch(e);
                fewest = Math.min(fewest, allocated() - before);
            }
            return fewest;
        }
    }

    private static long allocated() {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long sum = 0;
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t == Thread.currentThread() || t.getName().startsWith("groundup-cpu-")) sum += Math.max(0, mx.getThreadAllocatedBytes(t.getId()));
        }
        return sum;
    }
}
