package groundup.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import groundup.fetch.DatasetFetch;
import groundup.data.KnownDataset;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every experiment and visualization of the book through the command line, at a tiny size on
 * real MNIST, checking what the book's figure shows in the numbers of its JSON (not only that
 * files appear) and that each PNG is a picture. Needs MNIST like {@link MnistTrainingTest}.
 */
class ExperimentsTest {
    @TempDir static Path dir;
    static Path data;

    @BeforeAll static void mnist() throws Exception {
        data = DatasetFetch.defaultDirectory(KnownDataset.MNIST);
        boolean present = DatasetFetch.problems(data, KnownDataset.MNIST).isEmpty();
        if (System.getenv("GROUNDUP_REQUIRE_MNIST") != null) assertTrue(present, "MNIST is required (GROUNDUP_REQUIRE_MNIST) but not in " + data);
        assumeTrue(present, "MNIST is not in " + data + " (run ./groundup fetch-mnist); skipping the experiments");
    }

    /** Runs a command with --backend cpu --data --out; returns its JSON record's results. */
    private static JsonObject run(String name, String json, String... args) throws Exception {
        Path out = dir.resolve(name);
        List<String> a = new ArrayList<>(List.of(args));
        a.addAll(List.of("--backend", "cpu", "--out", out.toString()));
        if (!args[0].equals("visualize") || !args[1].equals("filters")) a.addAll(List.of("--data", data.toString()));
        CliTest.Run r = CliTest.run(a.toArray(String[]::new));
        assertEquals(0, r.code(), r.out() + r.err());
        JsonObject record = JsonParser.parseString(Files.readString(out.resolve(json + ".json"))).getAsJsonObject();
        assertEquals("cpu", record.get("backend").getAsString());
        return record.getAsJsonObject("results");
    }

    private static void picture(Path png, int minWidth, int minHeight) throws Exception {
        BufferedImage img = ImageIO.read(png.toFile());
        assertTrue(img != null && img.getWidth() >= minWidth && img.getHeight() >= minHeight, png + " is a picture of at least "
                + minWidth + "x" + minHeight);
    }

    private static double[] doubles(JsonElement a) {
        JsonArray arr = a.getAsJsonArray();
        double[] v = new double[arr.size()];
        for (int i = 0; i < v.length; i++) v[i] = arr.get(i).isJsonNull() ? Double.NaN : arr.get(i).getAsDouble();
        return v;
    }

    private static double mean(double[] v, int from, int to) {
        double s = 0;
        for (int i = from; i < to; i++) s += v[i];
        return s / (to - from);
    }

    @Test void gradcheckTwoLayerMatchesTheBooksSmallDifferences() throws Exception {
        JsonObject r = run("gc", "gradcheck", "gradcheck", "--net", "two-layer");
        assertTrue(r.get("passed").getAsBoolean());
        JsonArray rows = r.getAsJsonArray("rows");
        assertEquals(5, rows.size(), "the forward, W1, b1, W2, b2");
        for (JsonElement e : rows) {
            JsonObject row = e.getAsJsonObject();
            // the book's float64 differences are ~1e-10; the float32 backward leaves ~1e-7, a wrong gradient ~1e-2
            assertTrue(row.get("mean_abs_difference").getAsDouble() < 1e-5, row.toString());
            assertTrue(row.get("error").getAsDouble() < 1e-4, row.toString());
            assertTrue(row.get("checked").getAsInt() > row.get("skipped").getAsInt(), row.toString());
        }
        JsonObject conv = run("gc-cnn", "gradcheck", "gradcheck", "--net", "simple-cnn", "--samples", "8");
        assertTrue(conv.get("passed").getAsBoolean(), conv.toString());
        assertEquals(7, conv.getAsJsonArray("rows").size());
    }

    @Test void optimizersAllLearnAndSgdIsSlowest() throws Exception {
        JsonObject r = run("opt", "optimizers", "experiment", "optimizers", "--iterations", "150", "--optimizers", "sgd,momentum,adagrad,adam");
        double sgd = 0;
        for (JsonElement e : r.getAsJsonArray("curves")) {
            JsonObject c = e.getAsJsonObject();
            double[] loss = doubles(c.get("loss"));
            assertEquals(150, loss.length);
            assertTrue(mean(loss, 130, 150) < mean(loss, 0, 5) - 0.5, c.get("optimizer") + " learns: " + mean(loss, 0, 5) + " -> " + mean(loss, 130, 150));
            if (c.get("optimizer").getAsString().equals("sgd")) sgd = c.get("final_loss").getAsDouble();
        }
        for (JsonElement e : r.getAsJsonArray("curves")) {
            JsonObject c = e.getAsJsonObject();
            if (!c.get("optimizer").getAsString().equals("sgd")) {
                assertTrue(c.get("final_loss").getAsDouble() < sgd, c.get("optimizer") + " ends below SGD (" + sgd + ")");
            }
        }
        picture(dir.resolve("opt/optimizers.png"), 900, 560);
    }

    @Test void weightInitSaturatesWithStd1AndHeKeepsReluSpread() throws Exception {
        JsonObject r = run("wi", "weight-init", "experiment", "weight-init", "--iterations", "200");
        JsonObject sigmoid1 = null, sigmoidSmall = null, reluHe = null, relu1 = null, reluSmall = null;
        for (JsonElement e : r.getAsJsonArray("histograms")) {
            JsonObject h = e.getAsJsonObject();
            String key = h.get("activation").getAsString() + "/" + h.get("init").getAsString();
            switch (key) {
                case "sigmoid/std 1" -> sigmoid1 = h;
                case "sigmoid/std 0.01" -> sigmoidSmall = h;
                case "relu/he" -> reluHe = h;
                case "relu/std 1" -> relu1 = h;
                case "relu/std 0.01" -> reluSmall = h;
                default -> { }
            }
        }
        JsonObject l5 = layer(sigmoid1, 5);
        double[] c = doubles(l5.get("counts"));
        double edges = c[0] + c[1] + c[2] + c[27] + c[28] + c[29], all = mean(c, 0, 30) * 30;
        assertTrue(edges / all > 0.6, "sigmoid with std 1 piles up at 0 and 1: " + edges / all);
        double[] s = doubles(layer(sigmoidSmall, 5).get("counts"));
        assertTrue((s[14] + s[15]) / (mean(s, 0, 30) * 30) > 0.9, "sigmoid with std 0.01 crowds at 0.5");
        double he1 = layer(reluHe, 1).get("std").getAsDouble(), he5 = layer(reluHe, 5).get("std").getAsDouble();
        assertTrue(he5 / he1 > 0.5 && he5 / he1 < 2, "He keeps ReLU's spread across layers: " + he1 + " -> " + he5);
        assertTrue(layer(relu1, 5).get("std").getAsDouble() > 100, "std 1 explodes ReLU's activations");
        assertTrue(layer(reluSmall, 5).get("std").getAsDouble() < 1e-4, "std 0.01 makes them vanish");
        double small = 0, he = 0;
        for (JsonElement e : r.getAsJsonArray("training")) {
            JsonObject t = e.getAsJsonObject();
            if (t.get("init").getAsString().equals("std 0.01")) small = t.get("final_loss").getAsDouble();
            if (t.get("init").getAsString().equals("he")) he = t.get("final_loss").getAsDouble();
        }
        assertTrue(small > 2.2, "std 0.01 does not learn: " + small);
        assertTrue(he < small - 0.3, "He learns: " + he);
        for (String act : List.of("sigmoid", "tanh", "relu")) picture(dir.resolve("wi/weight-init-" + act + ".png"), 1000, 600);
        picture(dir.resolve("wi/weight-init-loss.png"), 900, 560);
    }

    private static JsonObject layer(JsonObject activations, int layer) {
        return activations.getAsJsonArray("layers").get(layer - 1).getAsJsonObject();
    }

    @Test void batchNormLearnsWherePlainTrainingDoesNot() throws Exception {
        JsonObject r = run("bn", "batchnorm", "experiment", "batchnorm", "--scales", "3", "--epochs", "8", "--train-images", "500");
        JsonArray scales = r.getAsJsonArray("scales");
        assertEquals(3, scales.size(), "1, 0.01, 1e-4");
        for (int i = 1; i < 3; i++) {
            JsonObject s = scales.get(i).getAsJsonObject();
            double[] with = doubles(s.get("with_batch_norm")), without = doubles(s.get("without"));
            assertEquals(8, with.length);
            assertTrue(without[7] < 0.25, "w " + s.get("weight_std") + ": plain training stays near chance: " + without[7]);
            assertTrue(with[7] > without[7] + 0.15, "w " + s.get("weight_std") + ": batch norm learns: " + with[7]);
        }
        picture(dir.resolve("bn/batchnorm.png"), 900, 280);
    }

    @Test void overfittingShowsAsTrainAboveTest() throws Exception {
        JsonObject r = run("of", "overfit", "experiment", "overfit", "--epochs", "30", "--test-images", "1000");
        JsonObject plain = r.getAsJsonArray("variants").get(0).getAsJsonObject();
        JsonObject decay = r.getAsJsonArray("variants").get(1).getAsJsonObject();
        assertEquals(30, doubles(plain.get("train")).length);
        assertTrue(plain.get("final_train").getAsDouble() > plain.get("final_test").getAsDouble() + 0.1, plain.toString());
        assertEquals(plain.get("final_train").getAsDouble() - plain.get("final_test").getAsDouble(), plain.get("gap").getAsDouble(), 1e-9);
        assertTrue(decay.get("final_train").getAsDouble() <= plain.get("final_train").getAsDouble(), "weight decay holds training accuracy back");
        picture(dir.resolve("of/overfit.png"), 1200, 300);
    }

    @Test void hyperparameterSearchDrawsInTheBooksRangesAndRanksByValidation() throws Exception {
        JsonObject r = run("hp", "hyperparams", "experiment", "hyperparams", "--trials", "6", "--epochs", "8");
        assertEquals(400, r.get("train_images").getAsInt());
        assertEquals(100, r.get("validation_images").getAsInt());
        JsonArray trials = r.getAsJsonArray("trials");
        assertEquals(6, trials.size());
        double previous = 2, bestLrAcc = -1, worstLrAcc = -1, maxLr = 0, minLr = 1;
        for (JsonElement e : trials) {
            JsonObject t = e.getAsJsonObject();
            double lr = t.get("lr").getAsDouble(), wd = t.get("weight_decay").getAsDouble(), v = t.get("final_validation").getAsDouble();
            assertTrue(lr >= 1e-6 && lr <= 1e-2 && wd >= 1e-8 && wd <= 1e-4, t.toString());
            assertTrue(v <= previous, "sorted best first");
            double[] val = doubles(t.get("validation"));
            assertEquals(v, val[val.length - 1]);
            previous = v;
            if (lr > maxLr) { maxLr = lr; bestLrAcc = v; }
            if (lr < minLr) { minLr = lr; worstLrAcc = v; }
        }
        // 32 SGD steps move a network only at the top of the learning-rate range
        assertTrue(bestLrAcc > worstLrAcc, "lr " + maxLr + " scores " + bestLrAcc + ", lr " + minLr + " scores " + worstLrAcc);
        picture(dir.resolve("hp/hyperparams-best.png"), 900, 400);
        picture(dir.resolve("hp/hyperparams-search.png"), 700, 500);
    }

    @Test void visualizationsOfATrainedCheckpoint() throws Exception {
        Path run = dir.resolve("trained");
        CliTest.Run t = CliTest.run("train", "--net", "simple-cnn", "--epochs", "2", "--train-limit", "3000", "--test-limit", "100",
                "--data", data.toString(), "--out", run.toString(), "--backend", "cpu", "--seed", "5");
        assertEquals(0, t.code(), t.err());
        String ck = run.resolve("checkpoint.safetensors").toString();

        JsonObject f = run("vf", "filters", "visualize", "filters", "--checkpoint", ck);
        assertEquals(List.of(30, 1, 5, 5), intList(f.getAsJsonArray("shape")));
        assertEquals(5, f.get("init_seed").getAsLong(), "before = the run's own initialization");
        double before = 0;
        for (JsonElement e : f.getAsJsonArray("filters")) {
            before += e.getAsJsonObject().get("std_before").getAsDouble() / 30;
            assertTrue(e.getAsJsonObject().get("mean_abs_change").getAsDouble() > 0, "training moved filter " + e);
        }
        assertEquals(0.01, before, 0.002, "SimpleConvNet starts from N(0, 0.01^2)");
        picture(dir.resolve("vf/filters.png"), 300, 300);

        JsonObject m = run("vm", "misclassified", "visualize", "misclassified", "--checkpoint", ck, "--images", "12");
        int images = m.get("images").getAsInt(), wrong = m.get("wrong").getAsInt(), offDiagonal = 0, total = 0;
        JsonArray conf = m.getAsJsonArray("confusion");
        for (int y = 0; y < 10; y++) {
            for (int p = 0; p < 10; p++) {
                int n = conf.get(y).getAsJsonArray().get(p).getAsInt();
                total += n;
                if (p != y) offDiagonal += n;
            }
        }
        assertEquals(10_000, images);
        assertEquals(images, total);
        assertEquals(wrong, offDiagonal);
        assertEquals(1 - wrong / 10_000.0, m.get("accuracy").getAsDouble(), 1e-9);
        assertTrue(wrong > 12 && m.get("accuracy").getAsDouble() > 0.6, "a trained network, with mistakes to show: " + wrong);
        assertEquals(12, m.getAsJsonArray("shown").size());
        for (JsonElement e : m.getAsJsonArray("shown")) {
            JsonObject x = e.getAsJsonObject();
            assertTrue(x.get("label").getAsInt() != x.get("predicted").getAsInt(), x.toString());
        }
        picture(dir.resolve("vm/misclassified.png"), 400, 300);

        JsonObject a = run("va", "activations", "visualize", "activations", "--checkpoint", ck, "--index", "0");
        JsonObject conv1 = a.getAsJsonArray("layers").get(0).getAsJsonObject();
        assertEquals(1, a.getAsJsonArray("layers").size());
        assertEquals(30, conv1.get("channels").getAsInt());
        assertEquals(24, conv1.get("h").getAsInt());
        double zeros = conv1.get("zero_share").getAsDouble();
        assertTrue(zeros > 0.2 && zeros < 1, "ReLU leaves part of the maps zero: " + zeros);
        assertTrue(conv1.get("max").getAsDouble() > 0);
        picture(dir.resolve("va/activations.png"), 400, 150);

        CliTest.Run mlp = CliTest.run("train", "--net", "two-layer", "--epochs", "1", "--train-limit", "500", "--test-limit", "100",
                "--data", data.toString(), "--out", dir.resolve("mlp").toString(), "--backend", "cpu");
        assertEquals(0, mlp.code(), mlp.err());
        CliTest.Run refused = CliTest.run("visualize", "activations", "--checkpoint", dir.resolve("mlp/checkpoint.safetensors").toString(),
                "--backend", "cpu", "--out", dir.resolve("none").toString());
        assertEquals(2, refused.code());
        assertTrue(refused.err().contains("without convolution layers"), refused.err());
        JsonObject mf = run("vf-mlp", "filters", "visualize", "filters", "--checkpoint", dir.resolve("mlp/checkpoint.safetensors").toString());
        assertEquals(List.of(784, 50), intList(mf.getAsJsonArray("shape")), "an MLP's first-layer weights, one 28x28 picture per unit");
        assertEquals(50, mf.getAsJsonArray("filters").size());
    }

    private static List<Integer> intList(JsonArray a) {
        List<Integer> l = new ArrayList<>();
        for (JsonElement e : a) l.add(e.getAsInt());
        return l;
    }
}
