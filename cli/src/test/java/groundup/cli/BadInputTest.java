package groundup.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import groundup.data.Mnist;
import groundup.files.FolderLock;
import groundup.testing.IdxFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The command line fed bad input, as a careless user or a hostile tester would: every flag,
 * every metadata field of a checkpoint, run folders, symbolic links to inputs, a folder another
 * process holds, files of the wrong kind. For every case: the exit code (2 for usage, 1 for a
 * file), one error line naming the flag or file (a note about the user's data files may come
 * before it), no stack trace, no hang, and not a byte of any file under the fixture changed,
 * nor a file added or removed there or in ./runs.
 */
class BadInputTest {
    @TempDir static Path root;
    static Path data, big, runA, runB, runC, fresh, emptyOut, plain, loose, idxCopy, meta, summaries, links;
    static FolderLock heldC;

    @BeforeAll static void fixture() throws Exception {
        data = Files.createDirectories(root.resolve("data"));
        IdxFiles.write(data, 300, 100, 1);
        big = Files.createDirectories(root.resolve("big"));          // 60,000 images: a batch of all of them cannot fit a test's heap
        IdxFiles.write(big, 60_000, 10, 2);
        runA = root.resolve("runA");
        runB = root.resolve("runB");
        runC = root.resolve("runC");
        for (Path run : List.of(runA, runC)) trained(run, "--net", "two-layer");
        trained(runB, "--net", "mlp", "--hidden", "16", "--validation", "50");
        heldC = FolderLock.acquire(runC);            // as another train process would hold it
        fresh = root.resolve("fresh");               // where a new run would go: never made by a bad command
        emptyOut = Files.createDirectories(root.resolve("empty-out"));
        plain = Files.writeString(root.resolve("notes.txt"), "a user's file");
        loose = root.resolve("loose.safetensors");
        Files.copy(runA.resolve(TrainCommand.CHECKPOINT), loose);
        idxCopy = root.resolve("images.idx");
        Files.copy(data.resolve(Mnist.TEST_LABELS), idxCopy);
        Files.createDirectories(root.resolve("partial"));
        Files.copy(data.resolve(Mnist.TRAIN_IMAGES), root.resolve("partial").resolve(Mnist.TRAIN_IMAGES));
        links = Files.createDirectories(root.resolve("links"));
        Files.createSymbolicLink(links.resolve("to-data-file"), data.resolve(Mnist.TRAIN_IMAGES));
        Files.createSymbolicLink(links.resolve("to-checkpoint"), runA.resolve(TrainCommand.CHECKPOINT));
        Files.createSymbolicLink(links.resolve("to-runA"), runA);
        meta = Files.createDirectories(root.resolve("meta"));
        summaries = Files.createDirectories(root.resolve("summaries"));
    }

    @AfterAll static void release() throws IOException {
        if (heldC != null) heldC.close();
    }

    private static void trained(Path run, String... flags) {
        List<String> a = new ArrayList<>(List.of("train", "--epochs", "1", "--data", data.toString(), "--out", run.toString(), "--backend", "cpu"));
        a.addAll(List.of(flags));
        CliTest.Run r = CliTest.run(a.toArray(String[]::new));
        assertEquals(0, r.code(), r.err());
    }

    /** A case: its name, the exit code, what the error line must contain (parts joined by " && "), the command line. */
    private static Arguments bad(String name, int code, String names, String... args) {
        return Arguments.of(name, code, names, args);
    }

    /** train with the fixture's data, a fresh --out, the CPU and two-layer unless the case gives its own. */
    private static String[] train(String... args) {
        List<String> a = new ArrayList<>(List.of("train"));
        a.addAll(List.of(args));
        Map<String, String> dflt = Map.of("--data", data.toString(), "--out", fresh.toString(), "--backend", "cpu", "--net", "two-layer", "--epochs", "1");
        boolean resume = a.contains("--resume");
        for (var d : dflt.entrySet()) {
            if (resume && !d.getKey().equals("--backend")) continue;
            if (!a.contains(d.getKey())) a.addAll(List.of(d.getKey(), d.getValue()));
        }
        return a.toArray(String[]::new);
    }

    private static String[] eval(String checkpoint, String... more) {
        List<String> a = new ArrayList<>(List.of("eval", "--checkpoint", checkpoint, "--backend", "cpu", "--data", data.toString()));
        a.addAll(List.of(more));
        return a.toArray(String[]::new);
    }

    /** A copy of run A's checkpoint with one metadata field changed (null: removed), in a run folder of its own. */
    private static Path broken(String name, Consumer<JsonObject> edit) {
        try {
            Path dir = Files.createDirectories(meta.resolve(name));
            CheckpointFiles.withMetadata(runA.resolve(TrainCommand.CHECKPOINT), dir.resolve(TrainCommand.CHECKPOINT), edit);
            return dir;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Run A's settings with one changed (null: removed). */
    private static Consumer<JsonObject> hyper(String key, String value) {
        return m -> {
            JsonObject h = JsonParser.parseString(m.get("groundup.hyper").getAsString()).getAsJsonObject();
            if (value == null) h.remove(key);
            else h.addProperty(key, value);
            m.addProperty("groundup.hyper", h.toString());
        };
    }

    private static Path summary(String name, String json) {
        try {
            Path dir = Files.createDirectories(summaries.resolve(name));
            Files.writeString(dir.resolve(TrainCommand.SUMMARY), json);
            return dir;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static Stream<Arguments> cases() throws Exception {
        List<Arguments> c = new ArrayList<>();
        String f = fresh.toString(), d = data.toString(), a = runA.toString();
        // every train flag with a value it cannot take
        c.add(bad("unknown net", 2, "--net resnet", train("--net", "resnet")));
        for (String e : new String[] {"0", "-3", "abc", "99999999999"}) c.add(bad("epochs " + e, 2, "--epochs", train("--epochs", e)));
        c.add(bad("epochs without value", 2, "--epochs", "train", "--epochs"));
        for (String b : new String[] {"0", "-1", "abc", "1e3", "99999999999"}) c.add(bad("batch " + b, 2, "--batch", train("--batch", b)));
        for (String b : new String[] {"1000000", "10000000", "2147483647"}) {
            c.add(bad("batch " + b + " of 60,000 images", 2, "--batch " + b + ": a batch of 60000 images needs about",
                    train("--batch", b, "--net", "deep-cnn", "--data", big.toString())));
        }
        for (String lr : new String[] {"0", "-0.1", "NaN", "Infinity", "abc"}) c.add(bad("lr " + lr, 2, "--lr", train("--lr", lr)));
        c.add(bad("optimizer", 2, "--optimizer", train("--optimizer", "adamw")));
        c.add(bad("schedule", 2, "--lr-schedule", train("--lr-schedule", "linear")));
        c.add(bad("precision", 2, "--precision && fp8 && expected fp32, bf16 or tf32", train("--precision", "fp8")));
        c.add(bad("tf32 on the cpu", 2, "--precision tf32 && the CPU backend has no tf32", train("--precision", "tf32")));
        for (String w : new String[] {"-1", "NaN", "-Infinity"}) c.add(bad("weight decay " + w, 2, "--weight-decay", train("--weight-decay", w)));
        c.add(bad("seed", 2, "--seed", train("--seed", "abc")));
        c.add(bad("dataset", 2, "--dataset", train("--dataset", "cifar")));
        c.add(bad("two flags the same", 2, "--batch", train("--batch", "10", "--batch", "20")));
        c.add(bad("unknown flag", 2, "--frobnicate", train("--frobnicate")));
        c.add(bad("stray argument", 2, "stray", train("stray")));
        c.add(bad("unknown command", 2, "fly", "fly"));
        // flags that do not apply to the network chosen
        c.add(bad("hidden for simple-cnn", 2, "--hidden", train("--net", "simple-cnn", "--hidden", "5")));
        c.add(bad("batchnorm for deep-cnn", 2, "--batchnorm", train("--net", "deep-cnn", "--batchnorm")));
        c.add(bad("dropout 0 for two-layer", 2, "--dropout", train("--dropout", "0")));
        c.add(bad("dropout 1.5", 2, "--dropout", train("--net", "mlp", "--dropout", "1.5")));
        c.add(bad("dropout NaN", 2, "--dropout", train("--net", "mlp", "--dropout", "NaN")));
        c.add(bad("hidden 0", 2, "--hidden", train("--net", "mlp", "--hidden", "0,10")));
        c.add(bad("hidden abc", 2, "--hidden", train("--net", "mlp", "--hidden", "abc")));
        c.add(bad("hidden too large", 2, "--hidden [100000, 100000]", train("--net", "mlp", "--hidden", "100000,100000")));
        c.add(bad("force without out", 2, "--force", "train", "--force", "--data", d));
        // image counts
        c.add(bad("validation -5", 2, "--validation", train("--validation", "-5")));
        c.add(bad("validation all", 2, "--validation 300", train("--validation", "300")));
        c.add(bad("train limit 0", 2, "--train-limit", train("--train-limit", "0")));
        c.add(bad("test limit -1", 2, "--test-limit", train("--test-limit", "-1")));
        // --out: another run, a file, the data, a link to a run
        c.add(bad("out holds a run", 2, "--out " + a + " already holds a run", train("--out", a)));
        c.add(bad("out is a file", 2, "--out " + plain, train("--out", plain.toString())));
        c.add(bad("out is the data", 2, "--out " + d, train("--out", d)));
        c.add(bad("out links to a run", 2, "already holds a run", train("--out", links.resolve("to-runA").toString())));
        c.add(bad("out another process holds", 1, runC + ": in use", train("--out", runC.toString(), "--force")));
        // --summary: never an input, another run's file, a checkpoint or data
        c.add(bad("summary is a data file", 2, "--summary", train("--summary", data.resolve(Mnist.TRAIN_LABELS).toString())));
        c.add(bad("summary links to a data file", 2, "an input", train("--summary", links.resolve("to-data-file").toString())));
        c.add(bad("summary dot-dots to a data file", 2, "an input", train("--summary", runA.resolve("../data/" + Mnist.TEST_IMAGES).toString())));
        c.add(bad("summary is another run's checkpoint", 2, "another run's folder", train("--summary", runA.resolve(TrainCommand.CHECKPOINT).toString())));
        c.add(bad("summary is another run's summary", 2, "another run's folder", train("--summary", runB.resolve(TrainCommand.SUMMARY).toString())));
        c.add(bad("summary links to a checkpoint", 2, "another run's folder", train("--summary", links.resolve("to-checkpoint").toString())));
        c.add(bad("summary is the run's checkpoint", 2, "a file the run writes",
                train("--out", emptyOut.toString(), "--summary", emptyOut.resolve(TrainCommand.CHECKPOINT).toString())));
        c.add(bad("summary is a loose checkpoint", 2, "holds a checkpoint", train("--summary", loose.toString())));
        c.add(bad("summary is IDX data", 2, "holds IDX data", train("--summary", idxCopy.toString())));
        c.add(bad("summary is a folder", 2, "is a directory", train("--summary", root.toString())));
        c.add(bad("summary in no folder", 2, "does not exist", train("--summary", root.resolve("nowhere/s.json").toString())));
        // data folders that cannot be trained on
        c.add(bad("data is a file", 1, plain.toString(), train("--data", plain.toString())));
        c.add(bad("data lacks files", 1, "missing", train("--data", root.resolve("partial").toString())));
        c.add(bad("backend", 1, "backend", train("--backend", "tpu")));
        // --resume: a run's folder belongs to that run
        c.add(bad("resume nothing", 1, root.resolve("nothing").resolve(TrainCommand.CHECKPOINT).toString(), train("--resume", root.resolve("nothing").toString())));
        c.add(bad("resume a folder without a run", 1, root.resolve(TrainCommand.CHECKPOINT).toString(), train("--resume", root.toString())));
        c.add(bad("resume into another folder", 2, "--out " + f + " conflicts with --resume", train("--resume", a, "--out", f)));
        c.add(bad("resume into another run", 2, "conflicts with --resume", train("--resume", a, "--out", runB.toString())));
        for (String flag : new String[] {"--net", "--lr", "--seed", "--batch", "--dataset", "--validation", "--precision"}) {
            String v = switch (flag) { case "--net" -> "mlp"; case "--dataset" -> "fashion-mnist"; case "--precision" -> "bf16"; default -> "3"; };
            c.add(bad("resume with " + flag, 2, flag + " conflicts with --resume", train("--resume", a, flag, v)));
        }
        c.add(bad("resume with --force", 2, "--force conflicts", train("--resume", a, "--force")));
        c.add(bad("resume epochs 0", 2, "--epochs 0", train("--resume", a, "--epochs", "0")));
        c.add(bad("resume on other files", 1, big.resolve(Mnist.TRAIN_IMAGES) + ": is not the file the run in " + a,
                train("--resume", a, "--data", big.toString())));
        c.add(bad("resume on a folder lacking them", 1, "missing: the run in " + a, train("--resume", a, "--data", root.resolve("partial").toString())));
        c.add(bad("resume with data = the run", 2, "--data", train("--resume", a, "--data", a)));
        c.add(bad("resume a run another process holds", 1, runC + ": in use", train("--resume", runC.toString(), "--epochs", "2")));
        // every metadata field of a run's checkpoint: resume names the file and the field
        String[][] fields = {
            {"groundup.epoch", "abc"}, {"groundup.epoch", "0"}, {"groundup.epoch", "-1"}, {"groundup.epoch", ""}, {"groundup.epoch", "2"}, {"groundup.epoch", null},
            {"groundup.hyper", "{"}, {"groundup.hyper", "[]"}, {"groundup.hyper", "null"}, {"groundup.hyper", "{\"batch\":{}}"}, {"groundup.hyper", null},
            {"groundup.history", "{"}, {"groundup.history", "[]"}, {"groundup.history", "[null]"}, {"groundup.history", "[{\"epoch\":2}]"},
            {"groundup.history", "[{\"epoch\":1,\"test_accuracy\":1.5}]"}, {"groundup.history", "[{\"epoch\":1,\"seconds\":-4}]"},
            {"groundup.history", "[{\"epoch\":\"one\"}]"}, {"groundup.history", null},
            {"groundup.network", "{"}, {"groundup.network", "{\"net\":\"resnet\"}"}, {"groundup.network", "{\"net\":\"simple-cnn\",\"hidden\":[5]}"},
            {"groundup.network", "{\"net\":\"mlp\",\"hidden\":[-1]}"}, {"groundup.network", null},
            {"groundup.optimizer_steps", "-1"}, {"groundup.optimizer_steps", "x"}, {"groundup.optimizer_steps", "7"},
            {"groundup.format", "2"}, {"groundup.seed", "x"},
            {"groundup.data", "{"}, {"groundup.data", "{\"dataset\":\"mnist\",\"dir\":\"relative\"}"},
        };
        for (int i = 0; i < fields.length; i++) {
            String key = fields[i][0], value = fields[i][1];
            Path run = broken("field" + i, CheckpointFiles.field(key, value));
            c.add(bad("resume: " + key + " = " + value, 1, run.resolve(TrainCommand.CHECKPOINT) + ": && metadata " + key, train("--resume", run.toString())));
        }
        for (String[] h : new String[][] {{"lr", "-1"}, {"lr", "abc"}, {"batch", "0"}, {"optimizer", "adamw"}, {"dataset", "cifar"}, {"epochs", "0"},
            {"validation", "-3"}, {"seed", "x"}, {"train_limit", "0"}, {"optimizer", null}}) {
            Path run = broken("hyper-" + h[0] + "-" + h[1], hyper(h[0], h[1]));
            c.add(bad("resume: setting " + h[0] + " = " + h[1], 1, run.resolve(TrainCommand.CHECKPOINT) + ": metadata groundup.hyper: " + h[0],
                    train("--resume", run.toString())));
        }
        Path otherData = broken("data-other", m -> {
            JsonObject rec = JsonParser.parseString(m.get("groundup.data").getAsString()).getAsJsonObject();
            rec.getAsJsonObject("sha256").addProperty(Mnist.TEST_LABELS, "0".repeat(64));
            m.addProperty("groundup.data", rec.toString());
        });
        c.add(bad("resume: recorded data differ", 1, data.resolve(Mnist.TEST_LABELS) + ": is not the file", train("--resume", otherData.toString())));
        Path gone = broken("data-gone", m -> {
            JsonObject rec = JsonParser.parseString(m.get("groundup.data").getAsString()).getAsJsonObject();
            rec.addProperty("dir", root.resolve("moved-away").toString());
            m.addProperty("groundup.data", rec.toString());
        });
        c.add(bad("resume: recorded data gone", 1, root.resolve("moved-away").resolve(Mnist.TRAIN_IMAGES) + ": missing", train("--resume", gone.toString())));
        // values that are not finite, in a parameter and in the optimizer's state
        for (String[] t : new String[][] {{"affine1.W", "NaN"}, {"affine2.b", "Infinity"}, {"affine1.W.opt1", "-Infinity"}}) {
            Path run = Files.createDirectories(meta.resolve("tensor-" + t[0]));
            CheckpointFiles.withValue(runA.resolve(TrainCommand.CHECKPOINT), run.resolve(TrainCommand.CHECKPOINT), t[0], Float.parseFloat(t[1]));
            c.add(bad("resume: " + t[1] + " in " + t[0], 1, run.resolve(TrainCommand.CHECKPOINT) + ": tensor '" + t[0] + "' holds " + t[1],
                    train("--resume", run.toString())));
            if (!t[0].contains(".opt")) {
                c.add(bad("eval: " + t[1] + " in " + t[0], 1, "tensor '" + t[0] + "' holds " + t[1], eval(run.resolve(TrainCommand.CHECKPOINT).toString())));
            }
        }
        // eval: the checkpoint's fields it reads, and its own flags
        c.add(bad("eval: no such checkpoint", 1, root.resolve("none.safetensors") + ": no such file", eval(root.resolve("none.safetensors").toString())));
        c.add(bad("eval: a folder", 1, a + ": is a directory", eval(a)));
        c.add(bad("eval: a text file", 1, plain.toString(), eval(plain.toString())));
        c.add(bad("eval: IDX data", 1, idxCopy.toString(), eval(idxCopy.toString())));
        for (String[] m : new String[][] {{"groundup.network", "{"}, {"groundup.network", null}, {"groundup.format", "9"}}) {
            Path run = broken("eval-" + m[0] + "-" + m[1], CheckpointFiles.field(m[0], m[1]));
            c.add(bad("eval: " + m[0] + " = " + m[1], 1, m[0], eval(run.resolve(TrainCommand.CHECKPOINT).toString())));
        }
        Path cifar = broken("eval-dataset", hyper("dataset", "cifar"));
        c.add(bad("eval: dataset cifar", 1, "groundup.hyper dataset", eval(cifar.resolve(TrainCommand.CHECKPOINT).toString())));
        c.add(bad("eval: batch 0", 2, "--batch", eval(loose.toString(), "--batch", "0")));
        c.add(bad("eval: another dataset", 2, "--dataset fashion-mnist", eval(loose.toString(), "--dataset", "fashion-mnist")));
        c.add(bad("eval: no checkpoint flag", 2, "--checkpoint", "eval"));
        c.add(bad("eval: precision fp8", 2, "--precision && fp8", eval(loose.toString(), "--precision", "fp8")));
        c.add(bad("eval: tf32 on the cpu", 2, "--precision tf32 && no tf32", eval(loose.toString(), "--precision", "tf32")));
        c.add(bad("predict: junk checkpoint", 1, plain.toString(), "predict", "--backend", "cpu", "--checkpoint", plain.toString(), plain.toString()));
        // compare: summaries with a bad field, and a --plot that would replace an input or another run's file
        c.add(bad("compare: nothing", 1, root.resolve("nothing").toString(), "compare", root.resolve("nothing").toString()));
        String[][] sums = {{"not json", "{\"net\": [1, 2"}, {"net not a name", "{\"net\":[1],\"hyperparameters\":{},\"epochs\":[]}"},
            {"settings a list", "{\"net\":\"two-layer\",\"hyperparameters\":[],\"epochs\":[{\"epoch\":1}]}"},
            {"bad lr", "{\"net\":\"two-layer\",\"hyperparameters\":{\"optimizer\":\"sgd\",\"lr\":\"x\",\"batch\":1,\"seed\":1},\"epochs\":[{\"epoch\":1}]}"},
            {"null epoch", "{\"net\":\"two-layer\",\"hyperparameters\":{\"optimizer\":\"sgd\",\"lr\":0.1,\"batch\":1,\"seed\":1},\"epochs\":[null]}"},
            {"accuracy 7", "{\"net\":\"two-layer\",\"hyperparameters\":{\"optimizer\":\"sgd\",\"lr\":0.1,\"batch\":1,\"seed\":1},\"epochs\":[{\"epoch\":1,\"test_accuracy\":7}]}"},
            {"network junk", "{\"net\":\"two-layer\",\"network\":{\"net\":\"resnet\"},\"hyperparameters\":{\"optimizer\":\"sgd\",\"lr\":0.1,\"batch\":1,\"seed\":1},\"epochs\":[{\"epoch\":1}]}"},
            {"binary", "\u0000\u0001\u0002"}};
        for (String[] s : sums) {
            Path dir = summary(s[0].replace(' ', '-'), s[1]);
            c.add(bad("compare: " + s[0], 1, dir.resolve(TrainCommand.SUMMARY).toString(), "compare", dir.toString()));
        }
        c.add(bad("compare: plot over its input", 2, "an input", "compare", a, "--plot", runA.resolve(TrainCommand.SUMMARY).toString()));
        c.add(bad("compare: plot over a run's curve", 2, "another run's folder", "compare", a, "--plot", runB.resolve(TrainCommand.CURVE).toString()));
        c.add(bad("compare: plot over data", 2, "--plot", "compare", a, "--plot", data.resolve(Mnist.TEST_LABELS).toString()));
        c.add(bad("compare: plot over a checkpoint", 2, "holds a checkpoint", "compare", a, "--plot", loose.toString()));
        c.add(bad("compare: plot is a folder", 2, "is a directory", "compare", a, "--plot", root.toString()));
        for (String t : new String[] {"0", "101", "NaN", "x"}) c.add(bad("compare: target " + t, 2, "--target", "compare", a, "--target", t));
        // the other commands
        c.add(bad("fetch into a file", 1, plain.toString(), "fetch-mnist", "--data", plain.toString()));
        c.add(bad("gradcheck: net", 2, "--net", "gradcheck", "--net", "resnet"));
        c.add(bad("experiment: batch", 2, "--batch", "experiment", "optimizers", "--batch", "0", "--out", f));
        // a run folder that cannot be written (not for root, whom permissions do not stop)
        Path ro = root.resolve("read-only");
        if (!Files.exists(ro)) {
            Files.createDirectories(ro);
            Files.copy(runA.resolve(TrainCommand.CHECKPOINT), ro.resolve(TrainCommand.CHECKPOINT));
            Files.setPosixFilePermissions(ro, PosixFilePermissions.fromString("r-xr-xr-x"));
        }
        if (!Files.isWritable(ro)) c.add(bad("resume a read-only run", 1, ro + ": permission denied", train("--resume", ro.toString(), "--epochs", "2")));
        return c.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void oneLineNamingItNothingChanged(String name, int code, String names, String[] args) throws Exception {
        Map<String, String> before = snapshot(root), runsBefore = snapshot(Path.of("runs"));
        CliTest.Run r = assertTimeoutPreemptively(Duration.ofSeconds(120), () -> CliTest.run(args), "no hang: " + String.join(" ", args));
        String all = r.out() + r.err();
        assertEquals(code, r.code(), "exit code of " + String.join(" ", args) + ":\n" + all);
        assertFalse(all.contains("\tat ") || all.contains("internal error"), "no stack trace:\n" + all);
        List<String> lines = r.err().strip().lines().filter(l -> !l.startsWith("mnist: ")).toList();      // a note on a user's data may come first
        assertEquals(1, lines.size(), "one line:\n" + r.err());
        assertTrue(lines.get(0).contains(": error: "), lines.get(0));
        for (String part : names.split(" && ")) assertTrue(lines.get(0).contains(part), "names " + part + ":\n" + lines.get(0));
        if (code == 2) assertTrue(lines.get(0).endsWith("--help)"), "points to --help: " + lines.get(0));
        assertSame(before, snapshot(root), "the fixture");
        assertSame(runsBefore, snapshot(Path.of("runs")), "./runs");
    }

    private static void assertSame(Map<String, String> before, Map<String, String> after, String where) {
        java.util.Set<String> keys = new java.util.TreeSet<>(before.keySet());
        keys.addAll(after.keySet());
        List<String> changed = keys.stream().filter(k -> !java.util.Objects.equals(before.get(k), after.get(k))).toList();
        assertTrue(changed.isEmpty(), "changed, added or removed in " + where + ": " + changed);
    }

    /**
     * Every path under dir: its kind and, for a file, the SHA-256 of its bytes (for one over a
     * megabyte, as the 60,000 images are, its size, modification time and inode: a write changes them);
     * a link is its target, not followed.
     */
    static Map<String, String> snapshot(Path dir) throws Exception {
        Map<String, String> m = new TreeMap<>();
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) return m;
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.toList()) {
                String k = dir.relativize(p).toString();
                if (Files.isSymbolicLink(p)) m.put(k, "-> " + Files.readSymbolicLink(p));
                else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) m.put(k, "dir");
                else if (Files.size(p) > 1 << 20) {
                    m.put(k, Files.size(p) + " " + Files.getLastModifiedTime(p).toInstant() + " " + Files.getAttribute(p, "unix:ino"));
                } else m.put(k, HexFormat.of().formatHex(md.digest(Files.readAllBytes(p))));
            }
        }
        return m;
    }
}
