package groundup.cli;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.reflect.TypeToken;
import groundup.backend.Backend;
import groundup.backend.UpdateRule;
import groundup.data.Dataset;
import groundup.data.Mnist;
import groundup.io.Checkpoint;
import groundup.errors.InvalidFileException;
import groundup.files.AtomicFiles;
import groundup.nn.NetworkSpec;
import groundup.nn.Networks;
import groundup.nn.Sequential;
import groundup.optim.LrSchedule;
import groundup.optim.Optimizer;
import groundup.train.EpochStats;
import groundup.train.Trainer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Trains a book network on MNIST; writes a checkpoint after every epoch, a learning curve and a summary.")
final class TrainCommand implements Callable<Integer> {
    static final String CHECKPOINT = "checkpoint.safetensors", BEST = "best.safetensors", CURVE = "learning-curve.png", SUMMARY = "summary.json";
    private static final String HISTORY = "groundup.history", EPOCH = "groundup.epoch", SEED = "groundup.seed", HYPER = "groundup.hyper";
    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues().create();

    @Option(names = "--net", paramLabel = "NAME", description = "two-layer, mlp, simple-cnn or deep-cnn (default: ${DEFAULT-VALUE}).")
    String net = "simple-cnn";
    @Option(names = "--epochs", description = "Epochs (default: 20, the book's; with --resume, the run's own total).")
    Integer epochsOption;
    private int epochs;
    @Option(names = "--batch", description = "Mini-batch size (default: ${DEFAULT-VALUE}).") int batch = 100;
    @Option(names = "--optimizer", paramLabel = "NAME",
            description = "sgd, momentum, nesterov, adagrad, rmsprop or adam (default: ${DEFAULT-VALUE}).")
    String optimizer = "adam";
    @Option(names = "--lr", description = "Learning rate (default: the book's for the optimizer: adam 0.001, others 0.01).") Float lr;
    @Option(names = "--lr-schedule", paramLabel = "NAME",
            description = "constant (the book's) or cosine (decays to ~0 over --epochs) (default: ${DEFAULT-VALUE}).")
    String lrSchedule = "constant";
    private LrSchedule schedule;
    @Option(names = "--weight-decay", description = "L2 weight decay lambda (default: ${DEFAULT-VALUE}).") float weightDecay = 0f;
    @Option(names = "--seed", description = "Seed of initialization, shuffling and dropout (default: ${DEFAULT-VALUE}).") long seed = 1;
    @Option(names = "--hidden", split = ",", paramLabel = "N,N,...", description = "mlp hidden sizes (default: 100,100,100,100).")
    List<Integer> hidden;
    @Option(names = "--batchnorm", description = "mlp: batch norm after each hidden Affine.") boolean batchNorm;
    @Option(names = "--dropout", description = "mlp: dropout ratio after each hidden ReLU (default: 0).") float dropout = 0f;
    @Option(names = "--validation", paramLabel = "N",
            description = "Hold out the last N training images for validation; best.safetensors keeps the epoch that scores best on them (default: 0, none).")
    int validation = 0;
    @Option(names = "--train-limit", paramLabel = "N", description = "Train on the first N images only (quick runs).") Integer trainLimit;
    @Option(names = "--test-limit", paramLabel = "N", description = "Test on the first N images only.") Integer testLimit;
    @Option(names = "--out", paramLabel = "DIR", description = "Output directory (default: a new runs/NET-YYYYMMDD-HHMMSS).") Path out;
    @Option(names = "--summary", paramLabel = "FILE", description = "Also write the JSON summary to FILE.") Path summary;
    @Option(names = "--resume", paramLabel = "DIR", description = "Continue the run whose checkpoint is in DIR (its settings win).")
    Path resume;
    @Option(names = "--force", description = "Start over even if --out already holds a checkpoint (it is replaced).") boolean force;
    @Mixin DataOption data;
    @Mixin BackendOption backendOption;

    /** Every flag and path is checked here, before any work: a bad one costs nothing and overwrites nothing. */
    private void validate() throws IOException {
        if (resume != null) {
            Path ck = resume.resolve(CHECKPOINT);
            if (!Files.isRegularFile(ck)) throw new InvalidFileException(ck, "no such file (--resume " + resume + " is not a train --out directory)");
            Checkpoint.Header h = Checkpoint.readHeader(ck);
            Map<String, String> m = h.metadata();
            if (!m.containsKey(HYPER) || !m.containsKey(EPOCH)) throw new InvalidFileException(ck, "holds no training state to resume from");
            Map<String, String> hyper = GSON.fromJson(m.get(HYPER), new TypeToken<Map<String, String>>() { }.getType());
            NetworkSpec spec = NetworkSpec.fromJson(h.network());
            net = spec.net();
            hidden = spec.hidden();
            batchNorm = spec.batchNorm();
            dropout = spec.dropout();
            optimizer = hyper.get("optimizer");
            lr = Float.parseFloat(hyper.get("lr"));
            lrSchedule = hyper.getOrDefault("lr_schedule", "constant");     // checkpoints before schedules: constant
            // the run's own total, unless --epochs asks for more (checkpoints before it was stored: the book's 20)
            int planned = hyper.containsKey("schedule_epochs") ? Integer.parseInt(hyper.get("schedule_epochs")) : 20;
            if (epochsOption == null) epochsOption = planned;
            if (LrSchedule.parse(lrSchedule) != LrSchedule.CONSTANT && epochsOption != planned) {
                throw new UsageException("--epochs " + epochsOption + ": the run in " + resume + " has a " + lrSchedule
                        + " learning-rate schedule planned over " + planned + " epochs; resume it with --epochs " + planned + " or none");
            }
            weightDecay = Float.parseFloat(hyper.get("weight_decay"));
            batch = Integer.parseInt(hyper.get("batch"));
            validation = Integer.parseInt(hyper.getOrDefault("validation", "0"));
            // a resumed run sees the same images as it started with
            trainLimit = hyper.containsKey("train_limit") ? Integer.valueOf(hyper.get("train_limit")) : null;
            testLimit = hyper.containsKey("test_limit") ? Integer.valueOf(hyper.get("test_limit")) : null;
            seed = Long.parseLong(m.get(SEED));
            if (out == null) out = resume;
        }
        epochs = epochsOption == null ? 20 : epochsOption;
        if (!NetworkSpec.NAMES.contains(net)) throw new UsageException("--net " + net + ": unknown network; choose one of " + NetworkSpec.NAMES);
        if (epochs <= 0) throw new UsageException("--epochs " + epochs + ": must be positive");
        if (batch <= 0) throw new UsageException("--batch " + batch + ": must be positive");
        try {
            UpdateRule.Kind.parse(optimizer);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--optimizer: " + e.getMessage());
        }
        try {
            schedule = LrSchedule.parse(lrSchedule);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--lr-schedule " + lrSchedule + ": unknown schedule; choose one of "
                    + java.util.Arrays.stream(LrSchedule.values()).map(LrSchedule::id).toList());
        }
        if (lr != null && !(lr > 0 && Float.isFinite(lr))) throw new UsageException("--lr " + lr + ": must be positive");
        if (!(weightDecay >= 0 && Float.isFinite(weightDecay))) throw new UsageException("--weight-decay " + weightDecay + ": must be zero or positive");
        if (!(dropout >= 0 && dropout < 1)) throw new UsageException("--dropout " + dropout + ": must be in [0, 1)");
        if (hidden != null) for (int hsz : hidden) if (hsz <= 0) throw new UsageException("--hidden " + hidden + ": sizes must be positive");
        if (validation < 0) throw new UsageException("--validation " + validation + ": must be zero or positive");
        if (trainLimit != null && trainLimit <= 0) throw new UsageException("--train-limit " + trainLimit + ": must be positive");
        if (testLimit != null && testLimit <= 0) throw new UsageException("--test-limit " + testLimit + ": must be positive");
        if (out == null) {
            // a fresh directory per run: running the same command twice never touches an earlier run
            String stamp = java.time.LocalDateTime.now().format(java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
            out = Path.of("runs", net + "-" + stamp);
        }
        if (Files.exists(out) && !Files.isDirectory(out)) throw new UsageException("--out " + out + ": exists and is not a directory");
        if (resume == null && !force && Files.exists(out.resolve(CHECKPOINT))) {
            throw new UsageException("--out " + out + " already holds a checkpoint; use --resume " + out
                    + " to continue it, --force to replace it, or another --out");
        }
        if (summary != null && summary.toAbsolutePath().getParent() != null && !Files.isDirectory(summary.toAbsolutePath().getParent())) {
            throw new UsageException("--summary " + summary + ": directory " + summary.toAbsolutePath().getParent() + " does not exist");
        }
    }

    @Override public Integer call() throws Exception {
        validate();
        try (Backend b = backendOption.open()) {     // a backend that cannot load fails before any data moves
            return train(b);
        }
    }

    private int train(Backend b) throws Exception {
        Mnist.Split split = data.load();
        Dataset all = trainLimit == null ? split.train() : split.train().head(Math.min(trainLimit, split.train().count()));
        if (validation >= all.count()) {
            throw new UsageException("--validation " + validation + ": leaves no training images (there are " + all.count() + ")");
        }
        Dataset train = validation > 0 ? all.head(all.count() - validation) : all;
        Dataset val = validation > 0 ? all.tail(validation) : null;
        Dataset test = testLimit == null ? split.test() : split.test().head(Math.min(testLimit, split.test().count()));
        Files.createDirectories(out);
        UpdateRule.Kind kind = UpdateRule.Kind.parse(optimizer);
        float rate = lr != null ? lr : kind.defaultLr;
        NetworkSpec spec = new NetworkSpec(net, hidden != null ? hidden : NetworkSpec.of(net).hidden(), batchNorm, dropout);
        try (Sequential model = Networks.create(spec, b, seed);
             Optimizer opt = new Optimizer(b, kind, rate, weightDecay, schedule,
                     (long) epochs * ((train.count() + batch - 1) / batch))) {
            List<EpochStats> history = new ArrayList<>();
            int first = 1;
            if (resume != null) {
                Checkpoint.Header h = Checkpoint.load(resume.resolve(CHECKPOINT), model, opt);
                first = Integer.parseInt(h.metadata().get(EPOCH)) + 1;
                history.addAll(GSON.fromJson(h.metadata().get(HISTORY), new TypeToken<List<EpochStats>>() { }.getType()));
                if (first > epochs) {
                    System.out.println("the run in " + resume + " already has " + (first - 1) + " epochs (--epochs " + epochs + ")");
                    return 0;
                }
            }
            System.out.println("backend: " + b.describe());
            System.out.println("network: " + net + ", " + String.format(Locale.ROOT, "%,d", model.parameterCount()) + " parameters; "
                    + kind.name().toLowerCase(Locale.ROOT) + " lr " + rate + scheduleNote() + (weightDecay > 0 ? " weight decay " + weightDecay : "")
                    + ", batch " + batch + ", epochs " + first + ".." + epochs + ", seed " + seed);
            System.out.println("data: " + train.count() + " training, " + (val == null ? "" : val.count() + " validation (the last of the training file), ")
                    + test.count() + " test images from " + data.dir());
            try (Trainer trainer = new Trainer(model, opt, train, val, test, batch, seed, new ProgressBar(System.err, epochs))) {
                trainer.restoreSteps(opt.steps());
                for (int e = first; e <= epochs; e++) {
                    EpochStats st = trainer.epoch(e);
                    EpochStats best = bestByValidation(history);
                    history.add(st);
                    heapMiB.add(heapAfterGc());
                    if (b.deviceBytesInUse() >= 0) deviceMiB.add(b.deviceBytesInUse() / (1024.0 * 1024.0));
                    // best first: a crash between the two writes then redoes this epoch, which rewrites best identically
                    if (val != null && (best == null || st.validationAccuracy() > best.validationAccuracy())) {
                        Checkpoint.save(out.resolve(BEST), model, null, Map.of(EPOCH, Integer.toString(e), SEED, Long.toString(seed),
                                "groundup.validation_accuracy", Double.toString(st.validationAccuracy()),
                                "groundup.test_accuracy", Double.toString(st.testAccuracy())));
                    }
                    Checkpoint.save(out.resolve(CHECKPOINT), model, opt, metadata(e, history, rate));
                    curve(b, kind, rate, history);
                    writeSummary(b, spec, rate, history);
                }
            }
            EpochStats last = history.get(history.size() - 1);
            System.out.printf(Locale.ROOT, "final test accuracy: %.2f%% (%d images) after %d epochs%n", 100 * last.testAccuracy(), test.count(), epochs);
            EpochStats best = validation > 0 ? bestByValidation(history) : null;
            if (best != null) {
                System.out.printf(Locale.ROOT, "best epoch by validation: %d (validation %.2f%%, test %.2f%%), in %s%n",
                        best.epoch(), 100 * best.validationAccuracy(), 100 * best.testAccuracy(), out.resolve(BEST));
            }
            System.out.println("wrote " + out.resolve(CHECKPOINT) + (curveWritten ? ", " + out.resolve(CURVE) : "") + ", " + out.resolve(SUMMARY));
            return 0;
        }
    }

    /** " (cosine)" for a scheduled rate; nothing for the book's constant one. */
    private String scheduleNote() { return schedule == LrSchedule.CONSTANT ? "" : " (" + schedule.id() + ")"; }

    /** The epoch with the highest validation accuracy so far (the earliest on ties), or null without validation. */
    static EpochStats bestByValidation(List<EpochStats> history) {
        EpochStats best = null;
        for (EpochStats s : history) {
            if (Double.isFinite(s.validationAccuracy()) && (best == null || s.validationAccuracy() > best.validationAccuracy())) best = s;
        }
        return best;
    }

    private final List<Double> heapMiB = new ArrayList<>(), deviceMiB = new ArrayList<>();
    private boolean curveWarned, curveWritten;

    /** The learning curve needs AWT (the java.desktop module); a runtime without it trains on and says so once. */
    private void curve(Backend b, UpdateRule.Kind kind, float rate, List<EpochStats> history) throws IOException {
        try {
            LearningCurve.write(out.resolve(CURVE), net + " on " + b.name() + ": " + kind.name().toLowerCase(Locale.ROOT)
                    + " lr " + rate + scheduleNote() + ", batch " + batch, history);
            curveWritten = true;
        } catch (LinkageError | RuntimeException e) {      // a plot is never worth a run: train on, say so once
            if (!curveWarned) {
                System.err.println("groundup train: warning: no learning curve: " + (e instanceof LinkageError
                        ? "drawing needs the java.desktop module, which this Java lacks (" + e + ")" : "drawing it failed (" + e + ")"));
            }
            curveWarned = true;
        }
    }

    /** Java heap in use after a full collection, in MiB: the soak measure of docs/reliability.md (one GC per epoch). */
    private static double heapAfterGc() {
        System.gc();
        Runtime rt = Runtime.getRuntime();
        return (rt.totalMemory() - rt.freeMemory()) / (1024.0 * 1024.0);
    }

    private Map<String, String> metadata(int epoch, List<EpochStats> history, float rate) {
        Map<String, String> hyper = new LinkedHashMap<>();
        hyper.put("optimizer", optimizer.toLowerCase(Locale.ROOT));
        hyper.put("lr", Float.toString(rate));
        hyper.put("lr_schedule", schedule.id());
        hyper.put("schedule_epochs", Integer.toString(epochs));
        hyper.put("weight_decay", Float.toString(weightDecay));
        hyper.put("batch", Integer.toString(batch));
        hyper.put("validation", Integer.toString(validation));
        if (trainLimit != null) hyper.put("train_limit", Integer.toString(trainLimit));
        if (testLimit != null) hyper.put("test_limit", Integer.toString(testLimit));
        Map<String, String> m = new LinkedHashMap<>();
        m.put(EPOCH, Integer.toString(epoch));
        m.put(SEED, Long.toString(seed));
        m.put(HYPER, new Gson().toJson(hyper));
        m.put(HISTORY, new Gson().newBuilder().serializeSpecialFloatingPointValues().create().toJson(history));
        return m;
    }

    private void writeSummary(Backend b, NetworkSpec spec, float rate, List<EpochStats> history) throws IOException {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("backend", b.name());
        s.put("backend_detail", b.describe());
        s.put("net", spec.net());
        s.put("network", spec);
        Map<String, Object> hp = new LinkedHashMap<>();
        hp.put("optimizer", optimizer.toLowerCase(Locale.ROOT));
        hp.put("lr", rate);
        hp.put("lr_schedule", schedule.id());
        hp.put("weight_decay", weightDecay);
        hp.put("batch", batch);
        hp.put("epochs", epochs);
        hp.put("seed", seed);
        hp.put("train_images", trainLimit);
        hp.put("test_images", testLimit);
        hp.put("validation_images", validation);
        s.put("hyperparameters", hp);
        s.put("epochs", history);
        s.put("heap_mib_after_gc_per_epoch", heapMiB);
        if (!deviceMiB.isEmpty()) s.put("device_mib_per_epoch", deviceMiB);
        s.put("final_test_accuracy", history.get(history.size() - 1).testAccuracy());
        EpochStats best = validation > 0 ? bestByValidation(history) : null;
        if (best != null) {
            s.put("best_by_validation", Map.of("epoch", best.epoch(), "validation_accuracy", best.validationAccuracy(),
                    "test_accuracy", best.testAccuracy(), "checkpoint", BEST));
        }
        String json = GSON.toJson(s);
        AtomicFiles.writeString(out.resolve(SUMMARY), json);
        if (summary != null) AtomicFiles.writeString(summary, json);
    }


}
