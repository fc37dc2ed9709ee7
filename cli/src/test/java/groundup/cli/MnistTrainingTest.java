package groundup.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import groundup.fetch.DatasetFetch;
import groundup.data.KnownDataset;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A short real-data run through the command line: SimpleConvNet on the first 6,000 MNIST
 * training images for two epochs (the next 1,000 held out for validation), scored on 1,000
 * test images. Real learning clears 85%
 * (about 90% is typical); a broken model sits near 10%. Needs MNIST in the data directory:
 * .ci/run fetches it first and sets GROUNDUP_REQUIRE_MNIST=1 so that its absence fails
 * instead of skipping.
 */
class MnistTrainingTest {
    @TempDir Path dir;

    @Test void simpleConvNetLearnsFromRealMnist() throws Exception {
        Path data = DatasetFetch.defaultDirectory(KnownDataset.MNIST);
        boolean present = DatasetFetch.problems(data, KnownDataset.MNIST).isEmpty();
        if (System.getenv("GROUNDUP_REQUIRE_MNIST") != null) {
            assertTrue(present, "MNIST is required (GROUNDUP_REQUIRE_MNIST) but not ready in " + data + ": " + DatasetFetch.problems(data, KnownDataset.MNIST));
        }
        assumeTrue(present, "MNIST is not in " + data + " (run ./groundup fetch-mnist); skipping the real-data test");
        Path out = dir.resolve("run"), summary = dir.resolve("s.json");
        // 7,000 images: the first 6,000 train, the last 1,000 are held out for validation
        CliTest.Run r = CliTest.run("train", "--net", "simple-cnn", "--epochs", "2", "--train-limit", "7000", "--validation", "1000",
                "--test-limit", "1000", "--data", data.toString(), "--out", out.toString(), "--summary", summary.toString(), "--backend", "cpu");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("data: 6000 training, 1000 validation"), r.out());
        JsonObject s = JsonParser.parseString(Files.readString(summary)).getAsJsonObject();
        double acc = s.get("final_test_accuracy").getAsDouble();
        assertTrue(acc > 0.85, "test accuracy " + acc + " after two epochs on 6,000 images");
        JsonObject best = s.getAsJsonObject("best_by_validation");
        double valAcc = best.get("validation_accuracy").getAsDouble();
        assertTrue(valAcc > 0.85, "validation accuracy " + valAcc);
        int bestEpoch = best.get("epoch").getAsInt();
        double testAtBest = s.getAsJsonArray("epochs").get(bestEpoch - 1).getAsJsonObject().get("test_accuracy").getAsDouble();
        assertEquals(testAtBest, best.get("test_accuracy").getAsDouble(), "the best epoch's test accuracy, from its own epoch");
        CliTest.Run evBest = CliTest.run("eval", "--checkpoint", out.resolve(TrainCommand.BEST).toString(), "--data", data.toString(),
                "--backend", "cpu");
        assertEquals(0, evBest.code(), evBest.err());
        // --resume without --epochs aims at the run's own total (2), which it has already reached
        CliTest.Run same = CliTest.run("train", "--resume", out.toString(), "--data", data.toString(), "--backend", "cpu");
        assertEquals(0, same.code(), same.err());
        assertTrue(same.out().contains("already has 2 epochs (--epochs 2)"), same.out());
        // resuming keeps the run's images: the same limits and validation split, without repeating the flags
        CliTest.Run more = CliTest.run("train", "--resume", out.toString(), "--epochs", "3", "--data", data.toString(), "--backend", "cpu");
        assertEquals(0, more.code(), more.err());
        assertTrue(more.out().contains("data: 6000 training, 1000 validation (the last of the training file), 1000 test images"), more.out());
        assertTrue(more.out().contains("best epoch by validation: "), more.out());
        assertTrue(Files.size(out.resolve(TrainCommand.CURVE)) > 1000, "learning curve written");
        CliTest.Run ev = CliTest.run("eval", "--checkpoint", out.resolve(TrainCommand.CHECKPOINT).toString(), "--data", data.toString(),
                "--backend", "cpu");
        assertEquals(0, ev.code(), ev.err());
        assertTrue(ev.out().contains("test accuracy"), ev.out());
    }
}
