package groundup.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import groundup.data.MnistFetch;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A short real-data run through the command line: SimpleConvNet on the first 6,000 MNIST
 * training images for two epochs, scored on 1,000 test images. Real learning clears 85%
 * (about 90% is typical); a broken model sits near 10%. Needs MNIST in the data directory:
 * .ci/run fetches it first and sets GROUNDUP_REQUIRE_MNIST=1 so that its absence fails
 * instead of skipping.
 */
class MnistTrainingTest {
    @TempDir Path dir;

    @Test void simpleConvNetLearnsFromRealMnist() throws Exception {
        Path data = MnistFetch.defaultDirectory();
        boolean present = MnistFetch.problems(data).isEmpty();
        if (System.getenv("GROUNDUP_REQUIRE_MNIST") != null) {
            assertTrue(present, "MNIST is required (GROUNDUP_REQUIRE_MNIST) but not ready in " + data + ": " + MnistFetch.problems(data));
        }
        assumeTrue(present, "MNIST is not in " + data + " (run ./groundup fetch-mnist); skipping the real-data test");
        Path out = dir.resolve("run"), summary = dir.resolve("s.json");
        CliTest.Run r = CliTest.run("train", "--net", "simple-cnn", "--epochs", "2", "--train-limit", "6000", "--test-limit", "1000",
                "--data", data.toString(), "--out", out.toString(), "--summary", summary.toString(), "--backend", "cpu");
        assertEquals(0, r.code(), r.err());
        JsonObject s = JsonParser.parseString(Files.readString(summary)).getAsJsonObject();
        double acc = s.get("final_test_accuracy").getAsDouble();
        assertTrue(acc > 0.85, "test accuracy " + acc + " after two epochs on 6,000 images");
        assertTrue(Files.size(out.resolve(TrainCommand.CURVE)) > 1000, "learning curve written");
        CliTest.Run ev = CliTest.run("eval", "--checkpoint", out.resolve(TrainCommand.CHECKPOINT).toString(), "--data", data.toString(),
                "--backend", "cpu");
        assertEquals(0, ev.code(), ev.err());
        assertTrue(ev.out().contains("test accuracy"), ev.out());
    }
}
