package groundup.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import groundup.backend.Backend;
import groundup.backend.Precision;
import groundup.backend.UpdateRule;
import groundup.data.Dataset;
import groundup.nn.NetworkSpec;
import groundup.nn.Networks;
import groundup.nn.Parameter;
import groundup.nn.Sequential;
import groundup.optim.LrSchedule;
import groundup.optim.Optimizer;
import groundup.tensor.Shape;
import groundup.train.EpochStats;
import groundup.train.Trainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The training step as a GPU needs it (issue #26): recorded once per epoch as a CUDA graph and
 * launched per step, it computes exactly what the same ops issued one by one compute, and in
 * steady state it is one graph launch with no host synchronization, copy or allocation. The
 * counts come from the host stand-in's counters, and are written to target/step-counts.md
 * (docs/benchmarks.md quotes it); on a GPU the counting test skips.
 */
@Tag("cuda-device")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StepGraphTest {
    private static final int BATCH = 20;
    private static final NetworkSpec SIMPLE = NetworkSpec.of("simple-cnn");
    private Backend b;
    private final Dataset test = synthetic(BATCH, 9);

    @BeforeAll void open() { b = Gpu.backendOrSkip(); }

    @AfterAll void shut() {
        if (b != null) b.close();
        System.clearProperty(Trainer.GRAPHS);
    }

    /** n MNIST-shaped samples of random pixels and labels. */
    private static Dataset synthetic(int n, long seed) {
        Random r = new Random(seed);
        float[] x = new float[n * 784];
        int[] y = new int[n];
        for (int i = 0; i < x.length; i++) x[i] = r.nextFloat();
        for (int i = 0; i < n; i++) y[i] = r.nextInt(10);
        return new Dataset("synthetic", x, y, Shape.of(1, 28, 28));
    }

    private record Run(List<float[]> params, List<EpochStats> stats, StandInCounters counts) {}

    /** A network with Adam on a cosine schedule (a new rate and bias correction every step), epochs 1..epochs. */
    private Run train(NetworkSpec spec, Dataset train, int epochs, boolean graphs) { return train(spec, train, epochs, graphs, Precision.FP32); }

    private Run train(NetworkSpec spec, Dataset train, int epochs, boolean graphs, Precision precision) {
        System.setProperty(Trainer.GRAPHS, Boolean.toString(graphs));
        long stepsPerEpoch = (train.count() + BATCH - 1) / BATCH;
        try (Sequential net = Networks.create(spec, b, 1, precision);
             Optimizer opt = new Optimizer(b, UpdateRule.Kind.ADAM, 0.01f, 1e-4f, LrSchedule.COSINE, epochs * stepsPerEpoch);
             Trainer t = new Trainer(net, opt, train, test, BATCH, 3, null).readEvery(1000)) {
            List<EpochStats> stats = new ArrayList<>();
            StandInCounters before = HostStandIn.active() ? StandInCounters.now() : null;
            for (int e = 1; e <= epochs; e++) stats.add(t.epoch(e));
            StandInCounters counts = before == null ? null : StandInCounters.now().minus(before);
            List<float[]> params = new ArrayList<>();
            for (Parameter p : net.parameters()) params.add(p.value().toArray());
            return new Run(params, stats, counts);
        }
    }

    /**
     * 22 steps over two epochs of 10 full batches and a short one: 18 of them graph launches, the
     * rest issued op by op. SimpleConvNet (the fused convolution), and an MLP with batch
     * normalization (running statistics updated in the graph) and dropout (a new mask each launch,
     * from the count of steps on the device).
     */
    @Test void graphReplayGivesTheSameParametersBitForBitAsEagerSteps() {
        Dataset train = synthetic(10 * BATCH + 7, 1);
        for (NetworkSpec spec : new NetworkSpec[] {NetworkSpec.of("simple-cnn"), new NetworkSpec("mlp", List.of(40, 30), true, 0.3f)}) {
            Run eager = train(spec, train, 2, false), graph = train(spec, train, 2, true);
            for (int i = 0; i < eager.params().size(); i++) {
                assertArrayEquals(eager.params().get(i), graph.params().get(i), spec.net() + " parameter " + i);
            }
            for (int e = 0; e < 2; e++) {
                assertEquals(eager.stats().get(e).trainLoss(), graph.stats().get(e).trainLoss(), spec.net() + " epoch " + (e + 1) + " train loss");
                assertEquals(eager.stats().get(e).trainAccuracy(), graph.stats().get(e).trainAccuracy(), spec.net() + " epoch " + (e + 1) + " accuracy");
                assertEquals(eager.stats().get(e).testLoss(), graph.stats().get(e).testLoss(), spec.net() + " epoch " + (e + 1) + " test loss");
            }
            if (HostStandIn.active()) {
                assertEquals(0, eager.counts().graphLaunches(), "graphs off");
                assertEquals(18, graph.counts().graphLaunches(), spec.net() + ": steps 2 to 10 of each epoch (the first records, the short one is issued)");
            }
        }
    }

    /**
     * In bf16 and tf32 a GEMM first rounds its inputs into buffers of the backend's own, grown by
     * the step's first, eager run: the recorded step then allocates nothing, and replaying it gives
     * what eager steps give, bit for bit.
     */
    @Test void aReducedPrecisionStepRecordsAndReplaysBitForBit() {
        Dataset train = synthetic(10 * BATCH + 7, 3);
        for (Precision p : new Precision[] {Precision.BF16, Precision.TF32}) {
            Run eager = train(SIMPLE, train, 1, false, p), graph = train(SIMPLE, train, 1, true, p);
            for (int i = 0; i < eager.params().size(); i++) {
                assertArrayEquals(eager.params().get(i), graph.params().get(i), p + " parameter " + i);
            }
            assertEquals(eager.stats().get(0).trainLoss(), graph.stats().get(0).trainLoss(), p + " train loss");
            if (HostStandIn.active()) assertEquals(9, graph.counts().graphLaunches(), p + ": steps 2 to 10 (the first records, the short one is issued)");
        }
    }

    /** A trainer that cannot start (here a bad groundup.train.graphs) gives back what it took: the held training set above all. */
    @Test void aTrainerThatCannotStartHoldsNoDeviceMemory() {
        try (Sequential net = Networks.create(SIMPLE, b, 1); Optimizer opt = new Optimizer(b, UpdateRule.Kind.ADAM, 0.001f, 0f)) {
            long before = b.deviceBytesInUse();
            System.setProperty(Trainer.GRAPHS, "sometimes");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new Trainer(net, opt, synthetic(5 * BATCH, 1), test, BATCH, 3, null));
            assertTrue(e.getMessage().startsWith(Trainer.GRAPHS + "=sometimes"), e.getMessage());
            assertEquals(before, b.deviceBytesInUse(), "device bytes after a trainer that failed to start");
        } finally {
            System.clearProperty(Trainer.GRAPHS);
        }
    }

    /**
     * A steady-state step, as the difference between an epoch of 20 steps and one of 10 over 10:
     * everything an epoch does once (its first step, recording, reads, scoring) cancels, once a
     * first run has made the backend's own buffers.
     */
    @Test void aSteadyStateStepIsOneGraphLaunchWithNoWaitCopyOrAllocation() throws Exception {
        assumeTrue(HostStandIn.active(), "the counts come from the host stand-in's counters");
        Dataset shorter = synthetic(10 * BATCH, 2), longer = synthetic(20 * BATCH, 2);
        train(SIMPLE, shorter, 1, true);          // the backend's own buffers (staging, scratch, cuBLAS's workspace) are made once, here
        StandInCounters graphs = train(SIMPLE, longer, 1, true).counts().minus(train(SIMPLE, shorter, 1, true).counts());
        StandInCounters eager = train(SIMPLE, longer, 1, false).counts().minus(train(SIMPLE, shorter, 1, false).counts());
        assertEquals(new StandInCounters(0, 10, 0, 0, 0), graphs, "10 steps with graphs: one graph launch each, nothing else");
        assertEquals(0, eager.syncs() + eager.copies() + eager.allocations(), "10 steps without graphs: no wait, copy or allocation: " + eager);
        String report = "| SimpleConvNet train step, batch " + BATCH + " | kernel launches | graph launches | host syncs | copies | allocations |\n"
                + "|---|---|---|---|---|---|\n"
                + "| ops issued one by one | " + eager.perStep(10).substring(2) + "\n"
                + "| recorded as a CUDA graph | " + graphs.perStep(10).substring(2) + "\n";
        Files.createDirectories(Path.of("target"));
        Files.writeString(Path.of("target/step-counts.md"), report);
        System.out.print("[StepGraphTest] per steady-state step, on the host stand-in:\n" + report);
    }
}
