package groundup.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import groundup.nn.GradientCheck;
import groundup.testing.IdxFiles;
import groundup.testing.PlantedBackend.Plant;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code gradcheck} end to end: on the CPU every parameter passes and the table and JSON give
 * each its error and tolerance; on a backend with one layer's backward 1% off
 * ({@link PlantedBackendProvider}) it exits 1 naming the parameters that error reaches, for
 * every kind of layer in the book's networks. Random IDX data: no MNIST needed.
 */
class GradCheckCommandTest {
    @TempDir static Path dir;
    static Path data;

    @BeforeAll static void data() throws Exception {
        data = Files.createDirectories(dir.resolve("data"));
        IdxFiles.write(data, 200, 10, 3);
    }

    private static int runs;

    /** gradcheck on {@code plant} (null: the plain CPU); returns the failed rows from its JSON, after checking its exit code and message. */
    private static Set<String> failed(Plant plant, String... args) throws Exception {
        Path out = dir.resolve("run" + runs++);
        List<String> a = new ArrayList<>(List.of("gradcheck", "--steps", "0", "--data", data.toString(),
                "--out", out.toString(), "--backend", plant == null ? "cpu" : "planted"));
        a.addAll(List.of(args));
        if (!a.contains("--samples")) a.addAll(List.of("--samples", "4"));
        if (!a.contains("--images")) a.addAll(List.of("--images", "2"));
        CliTest.Run r;
        if (plant != null) System.setProperty(PlantedBackendProvider.PROPERTY, plant.name());
        try {
            r = CliTest.run(a.toArray(String[]::new));
        } finally {
            System.clearProperty(PlantedBackendProvider.PROPERTY);
        }
        JsonObject results = JsonParser.parseString(Files.readString(out.resolve("gradcheck.json"))).getAsJsonObject().getAsJsonObject("results");
        Set<String> failed = new TreeSet<>();
        for (JsonElement e : results.getAsJsonArray("rows")) {
            JsonObject row = e.getAsJsonObject();
            double error = row.get("error").getAsDouble(), tolerance = row.get("tolerance").getAsDouble();
            boolean passed = row.get("passed").getAsBoolean();
            String name = row.get("parameter").getAsString();
            // a tolerance that a 1% error (9.9e-3 relative) exceeds
            assertTrue(tolerance >= GradientCheck.FLOAT32_TOLERANCE && tolerance <= GradientCheck.FLOAT32_TOLERANCE + GradientCheck.MAX_UNCERTAINTY,
                    name + ": " + row);
            if (passed) assertTrue(error <= tolerance, row.toString());
            else failed.add(name);
            assertTrue(r.out().lines().anyMatch(l -> l.startsWith(name + " ") && l.endsWith(passed ? "yes" : "NO")), "table row of " + name + ":\n" + r.out());
        }
        assertEquals(failed.isEmpty(), results.get("passed").getAsBoolean());
        assertEquals(failed.isEmpty() ? 0 : 1, r.code(), String.join(" ", a) + "\n" + r.out() + r.err());
        if (!failed.isEmpty()) {
            String error = oneErrorLine(r);
            for (String f : failed) assertTrue(error.contains(f), "names " + f + ": " + error);
        }
        return failed;
    }

    /** Its one error line (stderr also has the data warning and progress lines). */
    private static String oneErrorLine(CliTest.Run r) {
        List<String> errors = r.err().lines().filter(l -> l.startsWith("groundup ") && l.contains(" error: ")).toList();
        assertEquals(1, errors.size(), "one error line: " + r.err());
        return errors.get(0);
    }

    private static void caught(Set<String> expected, Plant plant, String... args) throws Exception {
        assertEquals(expected, failed(plant, args), plant + " in " + String.join(" ", args));
    }

    @Test void twoLayerNet() throws Exception {
        String[] net = {"--net", "two-layer"};
        assertEquals(Set.of(), failed(null, net));
        caught(Set.of("affine1.W", "affine2.W"), Plant.AFFINE_WEIGHTS, net);
        caught(Set.of("affine1.b", "affine2.b"), Plant.AFFINE_BIAS, net);
        caught(Set.of("affine1.W", "affine1.b"), Plant.AFFINE_INPUT, net);
        caught(Set.of("affine1.W", "affine1.b"), Plant.RELU, net);
        caught(Set.of("affine1.W", "affine1.b", "affine2.W", "affine2.b"), Plant.SOFTMAX_WITH_LOSS, net);
    }

    /** Batch norm and dropout (its mask fixed): the Affine biases before a batch norm have no gradient and so cannot be off. */
    @Test void multiLayerNetWithBatchNormAndDropout() throws Exception {
        String[] net = {"--net", "mlp", "--batchnorm", "--dropout", "0.3", "--images", "5"};
        assertEquals(Set.of(), failed(null, net));
        caught(Set.of("bn1.gamma", "bn2.gamma", "bn3.gamma", "bn4.gamma"), Plant.BATCH_NORM_GAMMA, net);
        caught(Set.of("bn1.beta", "bn2.beta", "bn3.beta", "bn4.beta"), Plant.BATCH_NORM_BETA, net);
        Set<String> below4 = Set.of("affine1.W", "affine2.W", "affine3.W", "affine4.W", "bn1.gamma", "bn1.beta", "bn2.gamma", "bn2.beta",
                "bn3.gamma", "bn3.beta");
        caught(below4, Plant.BATCH_NORM_INPUT, net);
        Set<String> belowDropout4 = new TreeSet<>(below4);
        belowDropout4.addAll(Set.of("bn4.gamma", "bn4.beta"));
        caught(belowDropout4, Plant.DROPOUT, net);
    }

    @Test void simpleConvNet() throws Exception {
        String[] net = {"--net", "simple-cnn"};
        assertEquals(Set.of(), failed(null, net));
        caught(Set.of("conv1.W"), Plant.CONV_WEIGHTS, net);
        caught(Set.of("conv1.b"), Plant.CONV_BIAS, net);
        caught(Set.of("conv1.W", "conv1.b"), Plant.MAX_POOL, net);
    }

    @Test void deepConvNet() throws Exception {
        caught(Set.of("conv1.W", "conv1.b", "conv2.W", "conv2.b", "conv3.W", "conv3.b", "conv4.W", "conv4.b", "conv5.W", "conv5.b"),
                Plant.CONV_INPUT, "--net", "deep-cnn", "--samples", "2");
    }

    @Test void flagsThatDoNotApplyAreRefused() {
        for (String[] bad : new String[][] {{"--net", "two-layer", "--batchnorm"}, {"--net", "simple-cnn", "--dropout", "0.5"},
            {"--net", "mlp", "--dropout", "1"}, {"--net", "mlp", "--batchnorm", "--images", "4"}, {"--h", "0"}, {"--samples", "0"},
            {"--images", "201"}}) {
            List<String> a = new ArrayList<>(List.of("gradcheck", "--data", data.toString(), "--out", dir.resolve("bad").toString(), "--backend", "cpu"));
            a.addAll(List.of(bad));
            CliTest.Run r = CliTest.run(a.toArray(String[]::new));
            assertEquals(2, r.code(), String.join(" ", bad) + ": " + r.err());
            assertTrue(oneErrorLine(r).contains(bad[bad.length - 1].startsWith("--") ? bad[bad.length - 1] : bad[bad.length - 2]), r.err());
        }
    }
}
