package groundup.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import groundup.backend.Backend;
import groundup.backend.UpdateRule;
import groundup.cpu.CpuBackend;
import groundup.data.Dataset;
import groundup.fetch.DatasetFetch;
import groundup.data.KnownDataset;
import groundup.nn.NetworkSpec;
import groundup.optim.LrSchedule;
import groundup.train.RunConfig;
import groundup.train.TrainingDivergedException;
import groundup.train.TrainingRun;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A run that goes wrong stops with exit 1, naming the epoch and step, and leaves the last good checkpoint as it was. */
class DivergenceTest {
    @TempDir Path dir;

    /** The example: SGD at lr 1000 ran to the end at chance accuracy and exited 0, its loss shown as 14 (clamped at 16). */
    @Test void sgdAtLearningRate1000StopsWithExit1NamingTheEpochAndStep() throws Exception {
        Path data = DatasetFetch.defaultDirectory(KnownDataset.MNIST);
        boolean present = DatasetFetch.problems(data, KnownDataset.MNIST).isEmpty();
        if (System.getenv("GROUNDUP_REQUIRE_MNIST") != null) assertTrue(present, "MNIST is required (GROUNDUP_REQUIRE_MNIST) but not in " + data);
        assumeTrue(present, "MNIST is not in " + data + "; skipping");
        Path out = dir.resolve("lr1000");
        CliTest.Run r = CliTest.run("train", "--net", "simple-cnn", "--optimizer", "sgd", "--lr", "1000", "--epochs", "3", "--train-limit", "2000",
                "--test-limit", "100", "--data", data.toString(), "--out", out.toString(), "--backend", "cpu");
        assertEquals(1, r.code(), r.err());
        java.util.List<String> errors = r.err().lines().filter(l -> l.startsWith("groundup train: error: ")).toList();
        assertEquals(1, errors.size(), "one line of error after the progress lines: " + r.err());
        String err = errors.get(0);
        assertTrue(!r.err().contains("\tat "), "no stack trace: " + r.err());
        assertTrue(err.contains("training diverged at epoch 1, step ") && err.contains("try a smaller --lr (this run's is 1000.0)")
                && err.contains("no checkpoint was written"), err);
        assertTrue(Files.notExists(out.resolve(TrainCommand.CHECKPOINT)), "nothing of a diverged epoch is saved");
    }

    @Test void theLastGoodCheckpointStaysWhenALaterEpochDiverges() throws Exception {
        Dataset train = Synthetic.make(600, 1), test = Synthetic.make(100, 2);
        RunConfig c = new RunConfig(KnownDataset.MNIST, NetworkSpec.of("two-layer"), UpdateRule.Kind.ADAM, 0.001f, LrSchedule.CONSTANT, 0f, 50, 3, 1L,
                null, null, 0);
        Path run = dir.resolve("run"), ck = run.resolve(TrainingRun.CHECKPOINT);
        byte[][] good = new byte[1][];
        try (Backend b = new CpuBackend(2); TrainingRun r = TrainingRun.start(b, c, TrainingRun.Data.of(c, train, test), run)) {
            TrainingDivergedException e = assertThrows(TrainingDivergedException.class, () -> r.run(new TrainingRun.Listener() {
                @Override public void epochDone(TrainingRun done) {
                    if (done.completedEpochs() != 1) return;
                    try {
                        good[0] = Files.readAllBytes(ck);
                    } catch (java.io.IOException x) {
                        throw new java.io.UncheckedIOException(x);
                    }
                    b.fill(done.network().parameters().get(0).value(), Float.NaN);     // what an overflowing update leaves
                }
            }));
            assertEquals(2, e.epoch());
            assertEquals(1, e.step(), "the first forward that reads the NaN weights");
            assertTrue(e.getMessage().contains("the loss is NaN") && e.getMessage().contains("the last good checkpoint (epoch 1) stays in " + ck),
                    e.getMessage());
            assertEquals(1, r.completedEpochs());
        }
        assertArrayEquals(good[0], Files.readAllBytes(ck), "epoch 1's checkpoint, untouched");
    }
}
