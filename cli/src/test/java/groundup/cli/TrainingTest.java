package groundup.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import groundup.backend.Backend;
import groundup.backend.UpdateRule;
import groundup.cpu.CpuBackend;
import groundup.data.Dataset;
import groundup.io.Checkpoint;
import groundup.errors.InvalidFileException;
import groundup.nn.NetworkSpec;
import groundup.nn.Networks;
import groundup.nn.Parameter;
import groundup.nn.Sequential;
import groundup.optim.LrSchedule;
import groundup.optim.Optimizer;
import groundup.train.EpochStats;
import groundup.train.Trainer;
import groundup.train.TrainingDivergedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** Training on a synthetic task: it learns, it is deterministic, it resumes exactly, it stops on divergence. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TrainingTest {
    private Backend b;
    private final Dataset train = Synthetic.make(2000, 1), test = Synthetic.make(500, 2);
    @TempDir Path dir;

    @BeforeAll void open() { b = new CpuBackend(2); }

    @AfterAll void shut() { b.close(); }

    private List<EpochStats> train(Sequential net, Optimizer opt, int first, int last) {
        try (Trainer t = new Trainer(net, opt, train, test, 50, 7, null)) {
            List<EpochStats> out = new ArrayList<>();
            for (int e = first; e <= last; e++) out.add(t.epoch(e));
            return out;
        }
    }

    private static List<float[]> params(Sequential net) {
        List<float[]> out = new ArrayList<>();
        for (Parameter p : net.parameters()) out.add(p.value().toArray());
        return out;
    }

    @Test void everyBookNetworkLearnsTheSyntheticTask() {
        for (String name : List.of("two-layer", "mlp", "simple-cnn")) {
            UpdateRule.Kind kind = name.equals("two-layer") ? UpdateRule.Kind.SGD : UpdateRule.Kind.ADAM;
            float lr = name.equals("two-layer") ? 0.1f : 0.001f;
            try (Sequential net = Networks.create(NetworkSpec.of(name), b, 3); Optimizer opt = new Optimizer(b, kind, lr, 0)) {
                int epochs = name.equals("two-layer") ? 8 : 3;   // plain SGD from N(0, 0.01^2) starts slowly
                List<EpochStats> s = train(net, opt, 1, epochs);
                EpochStats last = s.get(epochs - 1);
                assertTrue(last.trainLoss() < s.get(0).trainLoss() * 0.8, name + ": loss must fall: " + s);
                assertTrue(last.testAccuracy() > 0.9, name + ": test accuracy must be far above chance (0.1): " + s);
            }
        }
    }

    @Test void aValidationSetIsScoredEveryEpochApartFromTest() {
        Dataset all = Synthetic.make(2000, 1), fit = all.head(1500), val = all.tail(500);
        assertEquals(all.labels()[1500], val.labels()[0], "tail takes the last images");
        try (Sequential net = Networks.create(NetworkSpec.of("mlp"), b, 3); Optimizer opt = new Optimizer(b, UpdateRule.Kind.ADAM, 0.001f, 0);
             Trainer t = new Trainer(net, opt, fit, val, test, 50, 7, null)) {
            List<EpochStats> s = List.of(t.epoch(1), t.epoch(2), t.epoch(3));
            for (EpochStats e : s) {
                assertTrue(e.validationAccuracy() > 0.5 && e.validationLoss() > 0, "validation scored: " + e);
                assertNotEquals(e.validationLoss(), e.testLoss(), "validation and test are different sets: " + e);
            }
            assertTrue(s.get(2).validationAccuracy() > 0.9, "learns, as seen on held-out data: " + s);
        }
        try (Sequential net = Networks.create(NetworkSpec.of("mlp"), b, 3); Optimizer opt = new Optimizer(b, UpdateRule.Kind.ADAM, 0.001f, 0)) {
            assertTrue(Double.isNaN(train(net, opt, 1, 1).get(0).validationAccuracy()), "no validation set: NaN");
        }
    }

    @Test void sameSeedGivesIdenticalParametersAndAnotherSeedDoesNot() {
        NetworkSpec spec = new NetworkSpec("mlp", List.of(32, 16), true, 0.2f);   // batch norm and dropout: every source of randomness
        List<float[]> a, c, d;
        try (Sequential n1 = Networks.create(spec, b, 5); Optimizer o1 = new Optimizer(b, UpdateRule.Kind.ADAM, 0.001f, 1e-4f)) {
            train(n1, o1, 1, 2);
            a = params(n1);
        }
        try (Sequential n2 = Networks.create(spec, b, 5); Optimizer o2 = new Optimizer(b, UpdateRule.Kind.ADAM, 0.001f, 1e-4f)) {
            train(n2, o2, 1, 2);
            c = params(n2);
        }
        try (Sequential n3 = Networks.create(spec, b, 6); Optimizer o3 = new Optimizer(b, UpdateRule.Kind.ADAM, 0.001f, 1e-4f)) {
            train(n3, o3, 1, 2);
            d = params(n3);
        }
        for (int i = 0; i < a.size(); i++) assertArrayEquals(a.get(i), c.get(i), "parameter " + i + " differs between two runs");
        assertTrue(!java.util.Arrays.equals(a.get(0), d.get(0)), "another seed must give other parameters");
    }

    /** Adam with weight decay, its rate on {@code schedule} over three epochs of the synthetic set (40 steps each). */
    private Optimizer adam(LrSchedule schedule) {
        return new Optimizer(b, UpdateRule.Kind.ADAM, 0.001f, 1e-4f, schedule, 3 * 40);
    }

    @Test void resumingFromACheckpointGivesTheSameParametersAsTrainingStraight() throws Exception {
        NetworkSpec spec = new NetworkSpec("mlp", List.of(32, 16), true, 0.2f);
        for (LrSchedule schedule : LrSchedule.values()) {   // cosine: the resumed step count must also restore the rate
            List<float[]> straight;
            try (Sequential n = Networks.create(spec, b, 5); Optimizer o = adam(schedule)) {
                train(n, o, 1, 3);
                straight = params(n);
            }
            Path ck = dir.resolve("ck-" + schedule.id() + ".safetensors");
            try (Sequential n = Networks.create(spec, b, 5); Optimizer o = adam(schedule)) {
                train(n, o, 1, 1);
                Checkpoint.save(ck, n, o, Map.of("groundup.epoch", "1"));
            }
            try (Sequential n = Networks.create(spec, b, 99); Optimizer o = adam(schedule)) {
                Checkpoint.load(ck, n, o);   // the seed of the fresh network must not matter
                train(n, o, 2, 3);
                List<float[]> resumed = params(n);
                for (int i = 0; i < straight.size(); i++) {
                    assertArrayEquals(straight.get(i), resumed.get(i), schedule.id() + ": parameter " + i + " after resume");
                }
            }
        }
    }

    @Test void aCosineScheduleChangesTheStepsAndStillLearns() {
        NetworkSpec spec = NetworkSpec.of("mlp");
        List<float[]> constant, cosine;
        try (Sequential n = Networks.create(spec, b, 5); Optimizer o = adam(LrSchedule.CONSTANT)) {
            train(n, o, 1, 3);
            constant = params(n);
        }
        try (Sequential n = Networks.create(spec, b, 5); Optimizer o = adam(LrSchedule.COSINE)) {
            assertEquals(0.001f, o.currentLr(), "first step at the base rate");
            List<EpochStats> s = train(n, o, 1, 3);
            assertTrue(o.currentLr() < 1e-6f, "the rate after the last step is near zero: " + o.currentLr());
            assertTrue(s.get(2).testAccuracy() > 0.9, "still learns: " + s);
            cosine = params(n);
        }
        assertTrue(!java.util.Arrays.equals(constant.get(0), cosine.get(0)), "the schedule must change the updates");
    }

    @Test void checkpointsRoundTripAndRefuseAnotherNetwork() throws Exception {
        Path ck = dir.resolve("rt.safetensors");
        try (Sequential a = Networks.create(NetworkSpec.of("simple-cnn"), b, 1); Sequential c = Networks.create(NetworkSpec.of("simple-cnn"), b, 2);
             Sequential other = Networks.create(NetworkSpec.of("two-layer"), b, 1)) {
            Checkpoint.save(ck, a, null, Map.of());
            assertNotEquals(params(a).get(0)[0], params(c).get(0)[0]);
            Checkpoint.load(ck, c, null);
            for (int i = 0; i < params(a).size(); i++) assertArrayEquals(params(a).get(i), params(c).get(i));
            float[] before = params(other).get(0);
            InvalidFileException e = assertThrows(InvalidFileException.class, () -> Checkpoint.load(ck, other, null));
            assertTrue(e.getMessage().contains("was saved from network") && e.getMessage().contains(ck.toString()), e.getMessage());
            assertArrayEquals(before, params(other).get(0), "a refused checkpoint must not touch the network");
            byte[] bytes = Files.readAllBytes(ck);
            Path cut = dir.resolve("cut.safetensors");
            Files.write(cut, java.util.Arrays.copyOf(bytes, bytes.length - 100));
            e = assertThrows(InvalidFileException.class, () -> Checkpoint.load(cut, c, null));
            assertTrue(e.getMessage().contains("data_offsets"), e.getMessage());
        }
    }

    /** The trainer keeps the count of steps on the device (so a recorded step draws new masks); the masks are those of the host's seed. */
    @Test void dropoutSeededWithTheCountOnTheDeviceDrawsTheMasksOfTheHostSeed() {
        long golden = 0x9E3779B97F4A7C15L;
        float[] x = new float[500];
        java.util.Arrays.fill(x, 1f);
        try (groundup.nn.Dropout d = new groundup.nn.Dropout(b, 0.5f, 2); groundup.tensor.Tensor in = b.hold(x, groundup.tensor.Shape.of(5, 100));
             groundup.tensor.Tensor count = b.allocate(groundup.tensor.Shape.of(1))) {
            float[] previous = null;
            for (long t : new long[] {0, 5, 6, 123_456}) {
                d.reseed(7 * golden + t);
                float[] host = d.forward(in, groundup.nn.Mode.TRAIN).toArray();
                b.fill(count, t);
                d.reseed(7, count);
                assertArrayEquals(host, d.forward(in, groundup.nn.Mode.TRAIN).toArray(), "step " + t);
                if (previous != null) assertTrue(!java.util.Arrays.equals(previous, host), "a new mask at step " + t);
                previous = host;
            }
        }
    }

    @Test void divergenceStopsTrainingNamingEpochAndStep() {
        try (Sequential net = Networks.create(NetworkSpec.of("two-layer"), b, 3); Optimizer opt = new Optimizer(b, UpdateRule.Kind.SGD, 1e30f, 0)) {
            TrainingDivergedException e = assertThrows(TrainingDivergedException.class, () -> train(net, opt, 1, 2));
            assertTrue(e.getMessage().contains("epoch 1, step"), e.getMessage());
        }
    }

    /**
     * A backend that cannot record a step (a driver whose capture rules refuse it) does not end
     * the run: the trainer warns once on "groundup.train" and issues the ops one by one, with the
     * same parameters, bit for bit, as a backend that records.
     */
    @Test void aStepThatCannotBeRecordedRunsOpByOneAndSaysSo() {
        int[] records = {0};
        Backend refusing = (Backend) java.lang.reflect.Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[] {Backend.class},
                (proxy, m, args) -> {
                    if (m.getName().equals("record")) {
                        records[0]++;
                        throw new IllegalStateException("recording a step graph: refused for the test");
                    }
                    try {
                        return m.invoke(b, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        List<String> warnings = new ArrayList<>();
        java.util.logging.Logger log = java.util.logging.Logger.getLogger("groundup.train");
        java.util.logging.Handler h = new java.util.logging.Handler() {
            @Override public void publish(java.util.logging.LogRecord r) { warnings.add(r.getMessage()); }
            @Override public void flush() { }
            @Override public void close() { }
        };
        log.addHandler(h);
        try (Sequential a = Networks.create(NetworkSpec.of("simple-cnn"), refusing, 3); Optimizer oa = new Optimizer(refusing, UpdateRule.Kind.ADAM, 0.001f, 0);
             Sequential c = Networks.create(NetworkSpec.of("simple-cnn"), b, 3); Optimizer oc = new Optimizer(b, UpdateRule.Kind.ADAM, 0.001f, 0)) {
            List<EpochStats> sa = train(a, oa, 1, 2), sc = train(c, oc, 1, 2);
            assertEquals(1, records[0], "tried once, then not again in the run");
            assertEquals(1, warnings.size(), warnings.toString());
            assertTrue(warnings.get(0).contains("issued one by one") && warnings.get(0).contains("refused for the test"), warnings.get(0));
            assertEquals(sc.get(1).trainLoss(), sa.get(1).trainLoss());
            List<float[]> pa = params(a), pc = params(c);
            for (int k = 0; k < pa.size(); k++) assertArrayEquals(pc.get(k), pa.get(k));
        } finally {
            log.removeHandler(h);
        }
    }

    @Test void badTrainerPropertiesAreNamedSettings() {
        for (String[] bad : new String[][] {{Trainer.READ_EVERY, "abc"}, {Trainer.READ_EVERY, "0"}, {Trainer.GRAPHS, "yes"}}) {
            String old = System.getProperty(bad[0]);
            System.setProperty(bad[0], bad[1]);
            try (Sequential net = Networks.create(NetworkSpec.of("two-layer"), b, 3); Optimizer opt = new Optimizer(b, UpdateRule.Kind.SGD, 0.1f, 0)) {
                groundup.errors.InvalidSettingException e = assertThrows(groundup.errors.InvalidSettingException.class,
                        () -> new Trainer(net, opt, train, test, 50, 7, null));
                assertEquals(bad[0], e.setting());
                assertTrue(e.getMessage().startsWith(bad[0] + "=" + bad[1] + ": "), e.getMessage());
            } finally {
                if (old == null) System.clearProperty(bad[0]); else System.setProperty(bad[0], old);
            }
        }
    }
}
