package groundup.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import groundup.data.Mnist;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line's answers to bad input: one line naming the flag or file, a non-zero exit, nothing overwritten. */
class CliTest {
    @TempDir Path dir;

    record Run(int code, String out, String err) {}

    static Run run(String... args) {
        PrintStream oldOut = System.out, oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true));
        System.setErr(new PrintStream(err, true));
        try {
            int code = Main.execute(args);
            return new Run(code, out.toString(), err.toString());
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    private static void fails(String flagOrFile, String... args) {
        Run r = run(args);
        assertTrue(r.code() != 0, "exit code for " + String.join(" ", args));
        assertTrue(r.err().contains(flagOrFile), "error names " + flagOrFile + ": " + r.err());
        assertEquals(1, r.err().strip().lines().count(), "one line: " + r.err());
    }

    @Test void badFlagsFailUpFrontWithOneLine() {
        String data = dir.resolve("nodata").toString();   // never reached: flags are checked first
        fails("--net", "train", "--net", "resnet", "--data", data);
        fails("--epochs", "train", "--epochs", "0", "--data", data);
        fails("--batch", "train", "--batch", "-1", "--data", data);
        fails("--lr", "train", "--lr", "-0.1", "--data", data);
        fails("optimizer", "train", "--optimizer", "adamw", "--data", data);
        fails("--lr-schedule", "train", "--lr-schedule", "linear", "--data", data);
        fails("--weight-decay", "train", "--weight-decay", "-1", "--data", data);
        fails("--validation", "train", "--validation", "-5", "--data", data);
        fails("--dropout", "train", "--net", "mlp", "--dropout", "1.5", "--data", data);
        fails("backend", "train", "--backend", "tpu", "--epochs", "1", "--data", data, "--out", dir.resolve("o").toString(), "--train-limit", "1");
        assertTrue(Files.notExists(dir.resolve("o").resolve(TrainCommand.CHECKPOINT)));
    }

    @Test void aCosineRunResumesOnlyToItsPlannedLength() throws Exception {
        Path run = Files.createDirectories(dir.resolve("cosine"));
        try (groundup.backend.Backend b = new groundup.cpu.CpuBackend(1);
             groundup.nn.Sequential net = groundup.nn.Networks.create(groundup.nn.NetworkSpec.of("two-layer"), b, 1)) {
            String hyper = "{\"optimizer\":\"sgd\",\"lr\":\"0.1\",\"lr_schedule\":\"cosine\",\"schedule_epochs\":\"5\","
                    + "\"weight_decay\":\"0.0\",\"batch\":\"100\"}";
            groundup.io.Checkpoint.save(run.resolve(TrainCommand.CHECKPOINT), net, null, java.util.Map.of(
                    "groundup.epoch", "2", "groundup.seed", "1", "groundup.hyper", hyper, "groundup.history", "[{\"epoch\":1},{\"epoch\":2}]"));
        }
        byte[] before = Files.readAllBytes(run.resolve(TrainCommand.CHECKPOINT));
        fails("--epochs 8: the run in " + run + " has a cosine learning-rate schedule planned over 5 epochs", "train", "--resume", run.toString(), "--epochs", "8", "--data", dir.resolve("nodata").toString());
        assertArrayEquals(before, Files.readAllBytes(run.resolve(TrainCommand.CHECKPOINT)));
        for (String[] flag : new String[][] {{"--net", "deep-cnn"}, {"--lr", "0.5"}, {"--seed", "3"}, {"--batchnorm"}}) {
            Run r = run(java.util.stream.Stream.concat(java.util.stream.Stream.of("train", "--resume", run.toString()), java.util.Arrays.stream(flag))
                    .toArray(String[]::new));
            assertEquals(2, r.code(), "a run-defining flag with --resume is bad usage: " + r.err());
            assertTrue(r.err().contains(flag[0] + " conflicts with --resume"), r.err());
        }
        assertArrayEquals(before, Files.readAllBytes(run.resolve(TrainCommand.CHECKPOINT)));
    }

    /** A summary.json as train writes it, with the given test accuracies per epoch. */
    private Path summary(String name, int seed, String schedule, double... testAcc) throws Exception {
        Path run = Files.createDirectories(dir.resolve(name));
        StringBuilder epochs = new StringBuilder();
        for (int e = 0; e < testAcc.length; e++) {
            if (e > 0) epochs.append(',');
            epochs.append("{\"epoch\":").append(e + 1).append(",\"trainLoss\":0.1,\"trainAccuracy\":0.9,\"testLoss\":0.1,\"testAccuracy\":")
                    .append(testAcc[e]).append(",\"seconds\":").append(10 + e).append(",\"imagesPerSecond\":6000}");
        }
        Files.writeString(run.resolve(TrainCommand.SUMMARY), "{\"backend\":\"cpu\",\"net\":\"simple-cnn\",\"hyperparameters\":{\"optimizer\":\"adam\","
                + "\"lr\":0.001,\"lr_schedule\":\"" + schedule + "\",\"batch\":100,\"seed\":" + seed + ",\"train_images\":null},\"epochs\":[" + epochs + "]}");
        return run;
    }

    @Test void compareGroupsRunsBySettingsAndCountsTheTarget() throws Exception {
        Path a = summary("a", 1, "constant", 0.97, 0.991, 0.985), b = summary("b", 2, "constant", 0.97, 0.98, 0.989);
        Path c = summary("c", 1, "cosine", 0.97, 0.988, 0.992);
        Path png = dir.resolve("runs.png");
        Run r = run("compare", "--target", "98.9", "--plot", png.toString(), a.toString(), b.toString(), c.resolve(TrainCommand.SUMMARY).toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("| a (seed 1) | lr_schedule constant | 3 | 98.50% | 99.10% (epoch 2) |  | 11.00 |"), r.out());
        assertTrue(r.out().contains("lr_schedule constant: 2 runs, final test accuracy median 98.70% (range 98.50-98.90%), mean 98.700%; "
                + "1 of 2 end at 98.90% or more, 2 reach it at some epoch"), r.out());
        assertTrue(r.out().contains("lr_schedule cosine: 1 runs, final test accuracy median 99.20%"), r.out());
        assertTrue(javax.imageio.ImageIO.read(png.toFile()).getWidth() > 0, "a readable PNG");
    }

    @Test void compareNamesARunItCannotRead() throws Exception {
        fails("nowhere", "compare", dir.resolve("nowhere").toString());
        Path bad = Files.createDirectories(dir.resolve("bad"));
        Files.writeString(bad.resolve(TrainCommand.SUMMARY), "{\"net\": [1, 2");
        fails("summary.json", "compare", bad.toString());
        Files.writeString(bad.resolve(TrainCommand.SUMMARY), "{\"something\": \"else\"}");
        fails("not a GroundUp run summary", "compare", bad.toString());
    }

    @Test void anExistingCheckpointIsNeverOverwrittenWithoutForce() throws Exception {
        Path out = Files.createDirectories(dir.resolve("run"));
        byte[] precious = {1, 2, 3};
        Files.write(out.resolve(TrainCommand.CHECKPOINT), precious);
        fails("--out", "train", "--out", out.toString(), "--data", dir.toString());
        assertArrayEquals(precious, Files.readAllBytes(out.resolve(TrainCommand.CHECKPOINT)));
    }

    private static java.util.Map<Path, byte[]> contents(Path folder) throws Exception {
        java.util.Map<Path, byte[]> m = new java.util.HashMap<>();
        try (var files = Files.list(folder)) {
            for (Path f : files.toList()) m.put(f, Files.readAllBytes(f));
        }
        return m;
    }

    private static void assertSame(java.util.Map<Path, byte[]> before, Path folder) throws Exception {
        java.util.Map<Path, byte[]> after = contents(folder);
        assertEquals(before.keySet(), after.keySet(), "no file added or removed in " + folder);
        for (Path f : before.keySet()) assertArrayEquals(before.get(f), after.get(f), f + " unchanged");
    }

    /** --data files that are not MNIST: valid ones are trained on as they are, a corrupt one is named; none is ever replaced. */
    @Test void aUsersDataFilesAreUsedOrNamedButNeverTouched() throws Exception {
        Path own = Files.createDirectories(dir.resolve("own"));
        groundup.testing.IdxFiles.write(own, 200, 50, 7);
        java.util.Map<Path, byte[]> before = contents(own);
        Run r = run("train", "--net", "two-layer", "--epochs", "1", "--data", own.toString(), "--out", dir.resolve("own-run").toString(),
                "--backend", "cpu");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("differ from the reference mnist") && r.out().contains("200 training"), r.err() + r.out());
        assertSame(before, own);
        Run f = run("fetch-mnist", "--data", own.toString());
        assertEquals(1, f.code(), f.err());
        assertTrue(f.err().contains("not the reference mnist") && f.err().contains("left as they are"), f.err());
        assertSame(before, own);

        Path corrupt = Files.createDirectories(dir.resolve("corrupt"));
        groundup.testing.IdxFiles.write(corrupt, 20, 5, 8);
        Files.write(corrupt.resolve(Mnist.TEST_IMAGES), ByteBuffer.allocate(8).putInt(0x803).putInt(1).array());
        java.util.Map<Path, byte[]> before2 = contents(corrupt);
        Run c = run("train", "--net", "two-layer", "--epochs", "1", "--data", corrupt.toString(), "--out", dir.resolve("c-run").toString(),
                "--backend", "cpu");
        assertEquals(1, c.code(), c.err());
        assertTrue(c.err().contains(corrupt.resolve(Mnist.TEST_IMAGES).toString()), "names the file: " + c.err());
        assertSame(before2, corrupt);
    }

    private Path png(String name, int size, int value) throws Exception {
        java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(size, size, java.awt.image.BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < size; y++) for (int x = 0; x < size; x++) img.getRaster().setSample(x, y, 0, (x * 7 + y * value) & 0xFF);
        Path f = dir.resolve(name);
        javax.imageio.ImageIO.write(img, "png", f.toFile());
        return f;
    }

    @Test void predictClassifiesEachPngAndNamesABadOne() throws Exception {
        Path ck = dir.resolve("net.safetensors");
        try (groundup.backend.Backend b = new groundup.cpu.CpuBackend(1);
             groundup.nn.Sequential net = groundup.nn.Networks.create(groundup.nn.NetworkSpec.of("two-layer"), b, 1)) {
            groundup.io.Checkpoint.save(ck, net, null, java.util.Map.of());
        }
        Path a = png("a.png", 28, 3), c = png("c.png", 28, 11);
        Run r = run("predict", "--backend", "cpu", "--checkpoint", ck.toString(), a.toString(), c.toString());
        assertEquals(0, r.code(), r.err());
        java.util.List<String> lines = r.out().strip().lines().toList();
        assertEquals(2, lines.size(), r.out());
        assertTrue(lines.get(0).matches(".*a\\.png: [0-9], [0-9.]+%"), lines.get(0));
        fails("wrong.png", "predict", "--backend", "cpu", "--checkpoint", ck.toString(), png("wrong.png", 30, 1).toString());
    }

    /** A checkpoint says what it was trained on: predict names Fashion-MNIST's classes, and both refuse another data set. */
    @Test void aCheckpointKnowsItsDataset() throws Exception {
        Path ck = dir.resolve("fashion.safetensors");
        try (groundup.backend.Backend b = new groundup.cpu.CpuBackend(1);
             groundup.nn.Sequential net = groundup.nn.Networks.create(groundup.nn.NetworkSpec.of("two-layer"), b, 1)) {
            groundup.io.Checkpoint.save(ck, net, null, java.util.Map.of("groundup.hyper", "{\"dataset\":\"fashion-mnist\"}"));
        }
        Run r = run("predict", "--backend", "cpu", "--checkpoint", ck.toString(), png("f.png", 28, 5).toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().strip().matches(".*f\\.png: [0-9] \\((T-shirt/top|Trouser|Pullover|Dress|Coat|Sandal|Shirt|Sneaker|Bag|Ankle boot)\\), [0-9.]+%"), r.out());
        for (Run m : new Run[] {run("predict", "--dataset", "mnist", "--checkpoint", ck.toString(), png("g.png", 28, 5).toString()),
            run("eval", "--dataset", "mnist", "--checkpoint", ck.toString(), "--data", dir.resolve("nodata").toString())}) {
            assertEquals(2, m.code(), m.err());
            assertTrue(m.err().contains("was trained on fashion-mnist"), m.err());
        }
    }

    @Test void evalAndPredictRefuseFilesThatAreNotCheckpointsOrImages() throws Exception {
        Path junk = dir.resolve("junk.safetensors");
        Files.writeString(junk, "this is not a checkpoint at all");
        fails("junk.safetensors", "eval", "--checkpoint", junk.toString(), "--data", dir.toString());
        fails("junk.safetensors", "predict", "--checkpoint", junk.toString(), junk.toString());
    }

    /** A resumed run trains on the files it recorded: found without --data, refused when changed or gone, accepted where they moved. */
    @Test void aResumedRunUsesTheFilesItTrainedOn() throws Exception {
        Path mine = Files.createDirectories(dir.resolve("mine")), run = dir.resolve("run");
        groundup.testing.IdxFiles.write(mine, 200, 50, 9);
        Run r = run("train", "--net", "two-layer", "--epochs", "1", "--data", mine.toString(), "--out", run.toString(), "--backend", "cpu");
        assertEquals(0, r.code(), r.err());
        Run again = run("train", "--resume", run.toString(), "--epochs", "2", "--backend", "cpu");       // no --data: the run knows where
        assertEquals(0, again.code(), again.err());
        assertTrue(again.out().contains("from " + mine.toAbsolutePath()), again.out());

        Path labels = mine.resolve(Mnist.TEST_LABELS);
        byte[] original = Files.readAllBytes(labels), changed = original.clone();
        changed[changed.length - 1] = (byte) ((changed[changed.length - 1] + 1) % 10);       // one label, still a valid file
        Files.write(labels, changed);
        java.util.Map<Path, byte[]> runBefore = contents(run), dataBefore = contents(mine);
        fails(labels.toAbsolutePath() + ": is not the file the run in " + run + " trained on", "train", "--resume", run.toString(), "--epochs", "3",
                "--backend", "cpu");
        assertSame(runBefore, run);
        assertSame(dataBefore, mine);

        Files.write(labels, original);
        Path moved = dir.resolve("moved");
        Files.move(mine, moved);
        fails(mine.toAbsolutePath().resolve(Mnist.TRAIN_IMAGES) + ": missing: the run in " + run, "train", "--resume", run.toString(), "--epochs", "3",
                "--backend", "cpu");
        assertTrue(Files.notExists(mine), "nothing fetched into the run's old data folder");
        Run there = run("train", "--resume", run.toString(), "--epochs", "3", "--data", moved.toString(), "--backend", "cpu");
        assertEquals(0, there.code(), there.err());
    }
}
