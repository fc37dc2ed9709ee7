package groundup.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import groundup.backend.Backend;
import groundup.backend.UpdateRule;
import groundup.cpu.CpuBackend;
import groundup.data.Dataset;
import groundup.fetch.DatasetFetch;
import groundup.data.KnownDataset;
import groundup.data.Mnist;
import groundup.io.Checkpoint;
import groundup.nn.Mode;
import groundup.nn.NetworkSpec;
import groundup.nn.Networks;
import groundup.nn.Sequential;
import groundup.optim.Optimizer;
import groundup.tensor.Tensor;
import groundup.train.MiniBatchSteps;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The 10,000 MNIST test images written as 8-bit gray PNGs and classified by {@code predict}
 * get exactly the predictions {@code eval} scores from the IDX files, and {@code visualize
 * activations} of a PNG is that of its test image. Needs MNIST, like {@link MnistTrainingTest}.
 */
class PngPredictionTest {
    @TempDir static Path dir;
    static Path data;
    static Dataset train, test;

    @BeforeAll static void mnist() throws Exception {
        data = DatasetFetch.defaultDirectory(KnownDataset.MNIST);
        boolean present = DatasetFetch.problems(data, KnownDataset.MNIST).isEmpty();
        if (System.getenv("GROUNDUP_REQUIRE_MNIST") != null) assertTrue(present, "MNIST is required (GROUNDUP_REQUIRE_MNIST) but not in " + data);
        assumeTrue(present, "MNIST is not in " + data + " (run ./groundup fetch-mnist); skipping the PNG predictions");
        Mnist.Split split = Mnist.load(data);
        train = split.train();
        test = split.test();
    }

    /** Test image i as an 8-bit gray PNG of its bytes, encoded here: ImageIO's writer takes milliseconds a file. */
    private static Path png(int i) throws java.io.IOException {
        java.io.ByteArrayOutputStream rows = new java.io.ByteArrayOutputStream();
        for (int y = 0; y < 28; y++) {
            rows.write(0);                                   // filter: none
            for (int x = 0; x < 28; x++) rows.write(Math.round(test.images()[i * 784 + y * 28 + x] * 255));
        }
        java.io.ByteArrayOutputStream idat = new java.io.ByteArrayOutputStream();
        try (java.util.zip.DeflaterOutputStream z = new java.util.zip.DeflaterOutputStream(idat)) {
            rows.writeTo(z);
        }
        java.io.ByteArrayOutputStream png = new java.io.ByteArrayOutputStream();
        png.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        chunk(png, "IHDR", java.nio.ByteBuffer.allocate(13).putInt(28).putInt(28).put((byte) 8).put((byte) 0).array());    // 8-bit gray
        chunk(png, "IDAT", idat.toByteArray());
        chunk(png, "IEND", new byte[0]);
        return Files.write(dir.resolve("pngs").resolve(String.format("%05d.png", i)), png.toByteArray());
    }

    private static void chunk(java.io.ByteArrayOutputStream out, String type, byte[] data) {
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        byte[] t = type.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        crc.update(t);
        crc.update(data);
        out.writeBytes(java.nio.ByteBuffer.allocate(4).putInt(data.length).array());
        out.writeBytes(t);
        out.writeBytes(data);
        out.writeBytes(java.nio.ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }

    /** Each image's class by the network on the IDX test set, batch by batch as eval runs it. */
    private static int[] predictions(Sequential net, Backend b) {
        int n = test.count(), k = net.classes();
        int[] out = new int[n];
        for (int start = 0; start < n; start += 1000) {
            int m = Math.min(1000, n - start);
            try (Tensor x = b.allocate(net.batchShape(m))) {
                b.upload(test.images(), start * 784, x);
                float[] s = net.predict(x, Mode.INFERENCE).toArray();
                for (int i = 0; i < m; i++) {
                    int best = 0;
                    for (int c = 1; c < k; c++) if (s[i * k + c] > s[i * k + best]) best = c;
                    out[start + i] = best;
                }
            }
        }
        return out;
    }

    @Test void predictOnTheTestSetAsPngsIsEval() throws Exception {
        Path ck = dir.resolve("two-layer.safetensors");
        int[] expected;
        try (Backend b = new CpuBackend(2); Sequential net = Networks.create(NetworkSpec.of("two-layer"), b, 1);
             Optimizer opt = new Optimizer(b, UpdateRule.Kind.ADAM, UpdateRule.Kind.ADAM.defaultLr, 0);
             MiniBatchSteps steps = new MiniBatchSteps(net, opt, train, 100, 1)) {
            for (int i = 0; i < 150; i++) steps.step();
            Checkpoint.save(ck, net, null, Map.of());
            expected = predictions(net, b);
        }
        int correct = 0;
        int[] perClass = new int[10];
        for (int i = 0; i < expected.length; i++) {
            if (expected[i] == test.labels()[i]) correct++;
            perClass[expected[i]]++;
        }
        // not degenerate: a real classifier, every class predicted, so agreeing image by image means something
        assertTrue(correct > 8000 && correct < 10000, correct + " of 10,000 right");
        for (int c = 0; c < 10; c++) assertTrue(perClass[c] > 500, "class " + c + " predicted " + perClass[c] + " times");

        Files.createDirectories(dir.resolve("pngs"));
        List<String> args = new ArrayList<>(List.of("predict", "--backend", "cpu", "--checkpoint", ck.toString()));
        java.util.stream.IntStream.range(0, test.count()).parallel().forEach(i -> {
            try {
                png(i);
            } catch (java.io.IOException ex) {
                throw new java.io.UncheckedIOException(ex);
            }
        });
        for (int i = 0; i < test.count(); i++) args.add(dir.resolve("pngs").resolve(String.format("%05d.png", i)).toString());
        CliTest.Run p = CliTest.run(args.toArray(String[]::new));
        assertEquals(0, p.code(), p.err());
        List<String> lines = p.out().strip().lines().toList();
        assertEquals(test.count(), lines.size());
        Pattern line = Pattern.compile(".*(\\d{5})\\.png: (\\d), [0-9.]+%");
        int mismatches = 0, predictCorrect = 0;
        for (String l : lines) {
            Matcher m = line.matcher(l);
            assertTrue(m.matches(), l);
            int i = Integer.parseInt(m.group(1)), c = Integer.parseInt(m.group(2));
            if (c != expected[i]) mismatches++;
            if (c == test.labels()[i]) predictCorrect++;
        }
        assertEquals(0, mismatches, "PNGs whose class differs from eval's");
        assertEquals(correct, predictCorrect);

        CliTest.Run e = CliTest.run("eval", "--backend", "cpu", "--checkpoint", ck.toString(), "--data", data.toString());
        assertEquals(0, e.code(), e.err());
        assertTrue(e.out().contains(String.format(java.util.Locale.ROOT, "test accuracy %.2f%%", correct / 100.0)), e.out());
    }

    @Test void visualizeActivationsOfAPngIsThatOfItsTestImage() throws Exception {
        Path ck = dir.resolve("simple-cnn.safetensors");
        try (Backend b = new CpuBackend(2); Sequential net = Networks.create(NetworkSpec.of("simple-cnn"), b, 3)) {
            Checkpoint.save(ck, net, null, Map.of());
        }
        Files.createDirectories(dir.resolve("pngs"));
        int i = 18;     // a 3, with its strokes' many in-between grays
        CliTest.Run fromPng = CliTest.run("visualize", "activations", "--backend", "cpu", "--checkpoint", ck.toString(), png(i).toString(),
                "--out", dir.resolve("v-png").toString());
        CliTest.Run fromIdx = CliTest.run("visualize", "activations", "--backend", "cpu", "--checkpoint", ck.toString(), "--index", "" + i,
                "--data", data.toString(), "--out", dir.resolve("v-idx").toString());
        assertEquals(0, fromPng.code(), fromPng.err());
        assertEquals(0, fromIdx.code(), fromIdx.err());
        // the prediction and each layer's maps (mean, max, share of zeros): the same numbers, whatever names the image
        List<String> a = results(fromPng.out()), b = results(fromIdx.out());
        assertTrue(a.size() >= 2 && a.get(0).startsWith("predicted "), fromPng.out());
        assertEquals(b, a);
    }

    private static List<String> results(String out) {
        List<String> r = new ArrayList<>();
        for (String l : out.lines().toList()) {
            if (l.contains(": predicted ")) r.add(l.substring(l.indexOf(": predicted ") + 2));
            else if (l.startsWith("  ")) r.add(l);
        }
        return r;
    }
}
