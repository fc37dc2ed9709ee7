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
}
