package groundup.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import groundup.backend.Backend;
import groundup.backend.UpdateRule;
import groundup.cpu.CpuBackend;
import groundup.data.KnownDataset;
import groundup.data.Dataset;
import groundup.errors.InvalidFileException;
import groundup.nn.NetworkSpec;
import groundup.nn.Parameter;
import groundup.optim.LrSchedule;
import groundup.train.EpochStats;
import groundup.train.RunConfig;
import groundup.train.TrainingRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The core training run, as a library user drives it: files every epoch, exact resume, one set of setting keys. */
class TrainingRunTest {
    @TempDir Path dir;
    private final Dataset train = Synthetic.make(1200, 1), test = Synthetic.make(300, 2);

    private RunConfig config(int epochs) {
        return new RunConfig(KnownDataset.MNIST, new NetworkSpec("mlp", List.of(32, 16), true, 0.2f), UpdateRule.Kind.ADAM, 0.001f, LrSchedule.COSINE, 1e-4f,
                50, epochs, 5L, null, 250, 200);
    }

    private static List<float[]> params(TrainingRun run) {
        List<float[]> out = new ArrayList<>();
        for (Parameter p : run.network().parameters()) out.add(p.value().toArray());
        return out;
    }

    @Test void aResumedRunEndsAsOneThatNeverStopped() throws Exception {
        RunConfig c = config(3);
        TrainingRun.Data data = TrainingRun.Data.of(c, train, test);
        assertEquals(1000, data.train().count());
        assertEquals(200, data.validation().count());
        assertEquals(250, data.test().count());
        List<float[]> straight;
        List<EpochStats> straightHistory;
        try (Backend b = new CpuBackend(2); TrainingRun run = TrainingRun.start(b, c, data, dir.resolve("straight"))) {
            straightHistory = run.run(null);
            straight = params(run);
        }
        Path stopped = dir.resolve("stopped");
        try (Backend b = new CpuBackend(2); TrainingRun run = TrainingRun.start(b, c, data, stopped)) {     // a crash after epoch 1
            run.run(new TrainingRun.Listener() {
                @Override public void epochDone(TrainingRun r) {
                    if (r.completedEpochs() == 1) throw new IllegalStateException("killed after epoch 1");
                }
            });
        } catch (IllegalStateException e) {
            assertEquals("killed after epoch 1", e.getMessage());
        }
        for (String f : new String[] {TrainingRun.CHECKPOINT, TrainingRun.BEST, TrainingRun.SUMMARY}) {
            assertTrue(Files.isRegularFile(stopped.resolve(f)), f + " written after the first epoch");
        }
        RunConfig read = TrainingRun.configOf(stopped);
        assertEquals(c, read, "the config comes back from the checkpoint as it went in");
        try (Backend b = new CpuBackend(2); TrainingRun run = TrainingRun.resume(b, read, TrainingRun.Data.of(read, train, test), stopped)) {
            assertEquals(1, run.completedEpochs());
            List<EpochStats> history = run.run(null);
            assertEquals(3, history.size());
            List<float[]> resumed = params(run);
            for (int i = 0; i < straight.size(); i++) assertArrayEquals(straight.get(i), resumed.get(i), "parameter " + i + " after resume");
            assertEquals(straightHistory.get(2).testLoss(), history.get(2).testLoss(), "the same last epoch");
        }
        String summary = Files.readString(stopped.resolve(TrainingRun.SUMMARY));
        for (String key : c.settings().keySet()) assertTrue(summary.contains("\"" + key + "\""), "summary.json has " + key + ": " + summary);
    }

    @Test void settingsRoundTripAndOlderSpellingsAreRead() {
        RunConfig c = config(7);
        assertEquals(c, RunConfig.fromSettings(c.network(), c.settings(), null));
        RunConfig old = RunConfig.fromSettings(c.network(), Map.of("optimizer", "adam", "lr", "0.001", "batch", "100",
                "schedule_epochs", "12", "train_images", "all", "validation_images", "500"), 9L);
        assertEquals(12, old.epochs());
        assertEquals(500, old.validation());
        assertEquals(null, old.trainLimit());
        assertEquals(9L, old.seed());
        assertEquals(LrSchedule.CONSTANT, old.lrSchedule(), "runs from before schedules were constant");
        assertThrows(IllegalArgumentException.class, () -> RunConfig.fromSettings(c.network(), Map.of("lr", "0.1"), 1L));
    }

    /** summary.json is strict JSON (a figure that does not exist is null, not NaN) in one key style, and reads back. */
    @Test void theSummaryIsStrictJsonThatReadsBack() throws Exception {
        RunConfig c = new RunConfig(KnownDataset.MNIST, NetworkSpec.of("two-layer"), UpdateRule.Kind.SGD, 0.1f, LrSchedule.CONSTANT, 0f, 50, 1, 1L, null, null, 0);
        Path run = dir.resolve("strict");
        try (Backend b = new CpuBackend(2); TrainingRun r = TrainingRun.start(b, c, TrainingRun.Data.of(c, train, test), run)) {
            r.run(null);
        }
        String text = Files.readString(run.resolve(TrainingRun.SUMMARY));
        com.google.gson.stream.JsonReader strict = new com.google.gson.stream.JsonReader(new java.io.StringReader(text));
        strict.setStrictness(com.google.gson.Strictness.STRICT);
        com.google.gson.JsonObject o = com.google.gson.JsonParser.parseReader(strict).getAsJsonObject();
        com.google.gson.JsonObject epoch = o.getAsJsonArray("epochs").get(0).getAsJsonObject();
        assertTrue(epoch.get("validation_accuracy").isJsonNull(), "no validation set: null, not NaN: " + epoch);
        assertTrue(epoch.has("test_accuracy") && epoch.has("images_per_second"), "snake_case keys: " + epoch);
        assertTrue(!text.contains("NaN") && !text.contains("Infinity"), text);
        RunSummary back = RunSummary.read(run);
        assertTrue(Double.isNaN(back.last().validationAccuracy()), "null reads back as NaN");
        assertEquals("0", back.settings().get(RunConfig.VALIDATION));
    }

    @Test void aDirectoryWithoutARunIsNamedAsSuch() {
        InvalidFileException e = assertThrows(InvalidFileException.class, () -> TrainingRun.configOf(dir));
        assertTrue(e.getMessage().contains(TrainingRun.CHECKPOINT), e.getMessage());
    }

    private RunConfig small(int batch) {
        return new RunConfig(KnownDataset.MNIST, NetworkSpec.of("two-layer"), UpdateRule.Kind.SGD, 0.1f, LrSchedule.CONSTANT, 0f, batch, 1, 1L, null, null, 0);
    }

    private static Map<String, byte[]> files(Path folder) throws Exception {
        Map<String, byte[]> m = new java.util.TreeMap<>();
        if (!Files.exists(folder)) return m;
        try (var all = Files.list(folder)) {
            for (Path f : all.toList()) m.put(f.getFileName().toString(), Files.readAllBytes(f));
        }
        return m;
    }

    private static void assertUnchanged(Map<String, byte[]> before, Path folder) throws Exception {
        Map<String, byte[]> after = files(folder);
        assertEquals(before.keySet(), after.keySet(), "no file added or removed in " + folder);
        for (String k : before.keySet()) assertArrayEquals(before.get(k), after.get(k), k);
    }

    /** start refuses a folder holding a run, the data's folder and a folder another run holds; each before writing anything there. */
    @Test void aRunsFolderBelongsToThatRun() throws Exception {
        Path data = Files.createDirectories(dir.resolve("data"));
        groundup.testing.IdxFiles.write(data, 200, 50, 3);
        RunConfig c = small(50);
        TrainingRun.Data d = TrainingRun.Data.of(c, groundup.data.Mnist.load(data, "mnist"));
        Path run = dir.resolve("run");
        try (Backend b = new CpuBackend(1)) {
            try (TrainingRun r = TrainingRun.start(b, c, d, run)) {
                r.run(null);
                // a second run into the folder while the first holds it: refused at once, naming the folder
                groundup.errors.FileAccessException held = assertThrows(groundup.errors.FileAccessException.class,
                        () -> TrainingRun.start(b, c, d, run, true));
                assertTrue(held.getMessage().startsWith("locking " + run + ": in use"), held.getMessage());
            }
            Map<String, byte[]> before = files(run);
            groundup.errors.InvalidSettingException e = assertThrows(groundup.errors.InvalidSettingException.class, () -> TrainingRun.start(b, c, d, run));
            assertEquals("dir", e.setting());
            assertTrue(e.getMessage().startsWith("dir " + run + ": already holds a run"), e.getMessage());
            e = assertThrows(groundup.errors.InvalidSettingException.class, () -> TrainingRun.start(b, c, d, data, true));
            assertTrue(e.getMessage().contains("is the folder of the data files"), e.getMessage());
            assertUnchanged(before, run);
            try (TrainingRun r = TrainingRun.start(b, c, d, run, true)) {      // replacing it is asked for by name
                assertEquals(0, r.completedEpochs());
            }
        }
    }

    /**
     * A run that replaces another keeps none of its files: the old best.safetensors, which a new
     * run without validation never writes, is gone once the new run writes its first checkpoint
     * (until then the old run is left whole).
     */
    @Test void aReplacedRunLeavesNoBestBehind() throws Exception {
        Path run = dir.resolve("replaced");
        RunConfig withValidation = new RunConfig(KnownDataset.MNIST, NetworkSpec.of("two-layer"), UpdateRule.Kind.SGD, 0.1f, LrSchedule.CONSTANT, 0f,
                50, 1, 1L, null, null, 100);
        try (Backend b = new CpuBackend(1)) {
            try (TrainingRun r = TrainingRun.start(b, withValidation, TrainingRun.Data.of(withValidation, train, test), run)) {
                r.run(null);
            }
            assertTrue(Files.isRegularFile(run.resolve(TrainingRun.BEST)));
            RunConfig without = small(50);
            try (TrainingRun r = TrainingRun.start(b, without, TrainingRun.Data.of(without, train, test), run, true)) {
                assertTrue(Files.isRegularFile(run.resolve(TrainingRun.BEST)), "the old run stays whole until the new one has an epoch");
                r.run(null);
            }
            assertTrue(Files.notExists(run.resolve(TrainingRun.BEST)), "the replaced run's best.safetensors is not this run's");
            assertTrue(!Files.readString(run.resolve(TrainingRun.SUMMARY)).contains(TrainingRun.BEST));
        }
    }

    /** resume goes on with the run's own settings and the very files it trained on, found by SHA-256 wherever they are now. */
    @Test void aResumedRunKeepsItsSettingsAndItsData() throws Exception {
        Path data = Files.createDirectories(dir.resolve("data")), moved = Files.createDirectories(dir.resolve("moved"));
        Path other = Files.createDirectories(dir.resolve("other"));
        groundup.testing.IdxFiles.write(data, 200, 50, 3);
        groundup.testing.IdxFiles.write(moved, 200, 50, 3);
        groundup.testing.IdxFiles.write(other, 200, 50, 4);
        RunConfig c = small(50);
        Path run = dir.resolve("run");
        try (Backend b = new CpuBackend(1)) {
            try (TrainingRun r = TrainingRun.start(b, c, TrainingRun.Data.of(c, groundup.data.Mnist.load(data, "mnist")), run)) {
                r.run(null);
            }
            assertEquals(data.toAbsolutePath(), TrainingRun.dataFilesOf(run).dir());
            assertTrue(Files.readString(run.resolve(TrainingRun.SUMMARY)).contains("\"sha256\""), "summary.json records the data too");
            Files.writeString(run.resolve(TrainingRun.CHECKPOINT + "8126.tmp"), "what a kill -9 in a write leaves");
            Map<String, byte[]> before = files(run);
            RunConfig more = c.withEpochs(2);
            groundup.errors.InvalidSettingException e = assertThrows(groundup.errors.InvalidSettingException.class,
                    () -> TrainingRun.resume(b, new RunConfig(c.dataset(), c.network(), c.optimizer(), c.lr(), c.lrSchedule(), c.weightDecay(), 25, 2, 1L,
                            null, null, 0), TrainingRun.Data.of(more, groundup.data.Mnist.load(data, "mnist")), run));
            assertEquals("batch", e.setting());
            assertTrue(e.getMessage().startsWith("batch 25: the run in " + run + " was started with 50"), e.getMessage());
            e = assertThrows(groundup.errors.InvalidSettingException.class, () -> TrainingRun.resume(b, more, TrainingRun.Data.of(more, train, test), run));
            assertEquals("data", e.setting());
            InvalidFileException f = assertThrows(InvalidFileException.class,
                    () -> TrainingRun.resume(b, more, TrainingRun.Data.of(more, groundup.data.Mnist.load(other, "mnist")), run));
            assertEquals(other.toAbsolutePath().resolve(groundup.data.Mnist.TRAIN_IMAGES), f.file());
            assertUnchanged(before, run);
            try (TrainingRun r = TrainingRun.resume(b, more, TrainingRun.Data.of(more, groundup.data.Mnist.load(moved, "mnist")), run)) {
                assertTrue(Files.notExists(run.resolve(TrainingRun.CHECKPOINT + "8126.tmp")), "the leftover of a killed write is cleared");
                assertEquals(2, r.run(null).size());
            }
        }
    }

    /**
     * A bf16 run: its precision is in the checkpoint's settings and the summary (with how it ran),
     * a resume in another precision is refused naming it, and its float32 checkpoint loads into
     * an fp32 network, which scores what the run's own last epoch scored, within bf16's rounding.
     */
    @Test void aBf16RunRecordsItsPrecisionAndItsCheckpointLoadsInFp32() throws Exception {
        RunConfig c = new RunConfig(KnownDataset.MNIST, NetworkSpec.of("simple-cnn"), UpdateRule.Kind.ADAM, 0.001f, LrSchedule.CONSTANT, 0f, 50, 1, 1L,
                null, null, 0, groundup.backend.Precision.BF16);
        Path run = dir.resolve("bf16");
        try (Backend b = new CpuBackend(2)) {
            double last;
            try (TrainingRun r = TrainingRun.start(b, c, TrainingRun.Data.of(c, train, test), run)) {
                last = r.run(null).get(0).testAccuracy();
            }
            assertEquals(groundup.backend.Precision.BF16, TrainingRun.resumeConfig(run, null).precision());
            com.google.gson.JsonObject o = com.google.gson.JsonParser.parseString(Files.readString(run.resolve(TrainingRun.SUMMARY))).getAsJsonObject();
            assertEquals("bf16", o.getAsJsonObject("hyperparameters").get("precision").getAsString());
            assertTrue(o.get("precision_detail").getAsString().startsWith("bf16"), o.get("precision_detail").toString());
            RunConfig fp32 = c.withEpochs(2).withPrecision(groundup.backend.Precision.FP32);
            groundup.errors.InvalidSettingException e = assertThrows(groundup.errors.InvalidSettingException.class,
                    () -> TrainingRun.resume(b, fp32, TrainingRun.Data.of(fp32, train, test), run));
            assertEquals("precision", e.setting());
            try (groundup.nn.Sequential net = groundup.nn.Networks.create(c.network(), b, 0);
                 groundup.train.Evaluator ev = new groundup.train.Evaluator(net, test, 100)) {
                groundup.io.Checkpoint.load(run.resolve(TrainingRun.CHECKPOINT), net, null);
                assertEquals(last, ev.run().accuracy(), 0.02, "the bf16 run's weights scored in fp32");
            }
        }
    }

    /** A batch larger than the set is the set: the same parameters, bit for bit, and no array of the batch's size. */
    @Test void aBatchLargerThanTheSetIsTheSet() throws Exception {
        Dataset few = train.head(200), fewTest = test.head(50);
        List<List<float[]>> results = new ArrayList<>();
        for (int batch : new int[] {200, 10_000_000, Integer.MAX_VALUE}) {
            RunConfig c = small(batch);
            try (Backend b = new CpuBackend(1); TrainingRun r = TrainingRun.start(b, c, TrainingRun.Data.of(c, few, fewTest), dir.resolve("b" + batch))) {
                r.run(null);
                results.add(params(r));
                try (groundup.train.Evaluator ev = new groundup.train.Evaluator(r.network(), fewTest, batch)) {
                    assertEquals(r.history().get(0).testAccuracy(), ev.run().accuracy());
                }
            }
        }
        for (int i = 1; i < results.size(); i++) {
            for (int p = 0; p < results.get(0).size(); p++) assertArrayEquals(results.get(0).get(p), results.get(i).get(p), "parameter " + p);
        }
    }

    /** A batch the heap cannot hold is refused before anything of its size is made, saying what to lower; so is running out all the same. */
    @Test void aBatchTooLargeForTheHeapIsOneLine() throws Exception {
        try (Backend b = new CpuBackend(1); groundup.nn.Sequential net = groundup.nn.Networks.create(NetworkSpec.of("deep-cnn"), b, 1)) {
            long per = groundup.train.HeapCheck.bytesPerImage(net, true);
            int images = (int) Math.min(Integer.MAX_VALUE, 2 * Runtime.getRuntime().maxMemory() / per);
            groundup.errors.InvalidSettingException e = assertThrows(groundup.errors.InvalidSettingException.class,
                    () -> groundup.train.HeapCheck.batch(net, 1_000_000_000, images, true));
            assertEquals("batch", e.setting());
            assertTrue(e.getMessage().matches("batch 1000000000: a batch of " + images + " images needs about [0-9.]+ GiB of Java heap to train, and "
                    + "[0-9.]+ GiB of the [0-9.]+ GiB heap is free: lower the batch to at most [0-9]+ or give Java more heap \\(-Xmx\\)"), e.getMessage());
            long fits = Long.parseLong(e.getMessage().replaceAll(".*at most ([0-9]+) .*", "$1"));
            groundup.train.HeapCheck.batch(net, (int) Math.min(fits, 20_000), images, true);       // what it suggests passes
        }
        try (Backend b = new CpuBackend(1); groundup.nn.Sequential net = groundup.nn.Networks.create(NetworkSpec.of("simple-cnn"), b, 1)) {
            // 60,000 images of simple-cnn fit a large heap, but not one tensor: its convolution's output
            groundup.errors.InvalidSettingException e = assertThrows(groundup.errors.InvalidSettingException.class,
                    () -> groundup.train.HeapCheck.batch(net, 1_000_000, 60_000, false));
            assertTrue(e.getMessage().startsWith("batch 1000000: ") && e.getMessage().contains("lower the batch to"), e.getMessage());
            groundup.train.HeapCheck.batch(net, 1_000, 60_000, false);
        }
        RunConfig c = small(50);
        try (Backend b = new CpuBackend(1); TrainingRun r = TrainingRun.start(b, c, TrainingRun.Data.of(c, train, test), dir.resolve("oom"))) {
            groundup.errors.InvalidSettingException e = assertThrows(groundup.errors.InvalidSettingException.class, () -> r.run(new TrainingRun.Listener() {
                @Override public void step(int epoch, int done, int total, double loss, double accuracy, double imagesPerSecond) {
                    throw new OutOfMemoryError("Java heap space");
                }
            }));
            assertTrue(e.getMessage().startsWith("batch 50: the Java heap (") && e.getMessage().contains("ran out at epoch 1; lower the batch"), e.getMessage());
        }
    }
}
