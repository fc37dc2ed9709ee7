package groundup.cli;

import groundup.backend.Backend;
import groundup.backend.UpdateRule;
import groundup.data.KnownDataset;
import groundup.data.Mnist;
import groundup.nn.NetworkSpec;
import groundup.optim.LrSchedule;
import groundup.train.EpochStats;
import groundup.train.RunConfig;
import groundup.train.TrainingRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Flags in, a {@link TrainingRun} out, and what it does printed; the run itself is core's. */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Trains a book network on MNIST or Fashion-MNIST; writes a checkpoint after every epoch, a learning curve and a summary.")
final class TrainCommand implements Callable<Integer> {
    static final String CHECKPOINT = TrainingRun.CHECKPOINT, BEST = TrainingRun.BEST, SUMMARY = TrainingRun.SUMMARY, CURVE = "learning-curve.png";

    @Option(names = "--net", paramLabel = "NAME", description = "two-layer, mlp, simple-cnn or deep-cnn (default: ${DEFAULT-VALUE}).")
    String net = "simple-cnn";
    @Option(names = "--epochs", description = "Epochs (default: 20, the book's; with --resume, the run's own total).") Integer epochs;
    @Option(names = "--batch", description = "Mini-batch size (default: ${DEFAULT-VALUE}).") int batch = 100;
    @Option(names = "--optimizer", paramLabel = "NAME",
            description = "sgd, momentum, nesterov, adagrad, rmsprop or adam (default: ${DEFAULT-VALUE}).")
    String optimizer = "adam";
    @Option(names = "--lr", description = "Learning rate (default: the book's for the optimizer: adam 0.001, others 0.01).") Float lr;
    @Option(names = "--lr-schedule", paramLabel = "NAME",
            description = "constant (the book's) or cosine (decays to ~0 over --epochs) (default: ${DEFAULT-VALUE}).")
    String lrSchedule = "constant";
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
    @Mixin DatasetOption dataset;
    @Mixin DataOption data;
    @Mixin BackendOption backendOption;
    @Spec CommandSpec spec;

    /** What defines a run: with --resume the run's own values hold, so giving one is a conflict, not a wish quietly ignored. */
    private static final List<String> RUN_FLAGS = List.of("--dataset", "--net", "--batch", "--optimizer", "--lr", "--lr-schedule", "--weight-decay", "--seed",
            "--hidden", "--batchnorm", "--dropout", "--validation", "--train-limit", "--test-limit", "--force");

    /** Every flag and path is checked here, before any work: a bad one costs nothing and overwrites nothing. */
    private RunConfig config() throws Exception {
        if (resume != null) {
            for (String flag : RUN_FLAGS) {
                check(!spec.commandLine().getParseResult().hasMatchedOption(flag), flag + " conflicts with --resume: a resumed run keeps "
                        + "the settings it started with (only --epochs may raise its total)");
            }
            RunConfig c = TrainingRun.configOf(resume);     // the run's own settings; --epochs may raise its total
            if (out == null) out = resume;
            if (epochs == null || epochs == c.epochs()) return c;
            if (c.lrSchedule() != LrSchedule.CONSTANT) {
                throw new UsageException("--epochs " + epochs + ": the run in " + resume + " has a " + c.lrSchedule().id()
                        + " learning-rate schedule planned over " + c.epochs() + " epochs; resume it with --epochs " + c.epochs() + " or none");
            }
            if (epochs <= 0) throw new UsageException("--epochs " + epochs + ": must be positive");
            return c.withEpochs(epochs);
        }
        check(NetworkSpec.NAMES.contains(net), "--net " + net + ": unknown network; choose one of " + NetworkSpec.NAMES);
        check(epochs == null || epochs > 0, "--epochs " + epochs + ": must be positive");
        check(batch > 0, "--batch " + batch + ": must be positive");
        check(lr == null || lr > 0 && Float.isFinite(lr), "--lr " + lr + ": must be positive");
        check(weightDecay >= 0 && Float.isFinite(weightDecay), "--weight-decay " + weightDecay + ": must be zero or positive");
        check(dropout >= 0 && dropout < 1, "--dropout " + dropout + ": must be in [0, 1)");
        check(hidden == null || hidden.stream().allMatch(h -> h > 0), "--hidden " + hidden + ": sizes must be positive");
        check(validation >= 0, "--validation " + validation + ": must be zero or positive");
        check(trainLimit == null || trainLimit > 0, "--train-limit " + trainLimit + ": must be positive");
        check(testLimit == null || testLimit > 0, "--test-limit " + testLimit + ": must be positive");
        UpdateRule.Kind kind = parsed("--optimizer", () -> UpdateRule.Kind.parse(optimizer));
        LrSchedule schedule = parsed("--lr-schedule " + lrSchedule, () -> LrSchedule.parse(lrSchedule));
        NetworkSpec spec = new NetworkSpec(net, hidden != null ? hidden : NetworkSpec.of(net).hidden(), batchNorm, dropout);
        if (out == null) {        // a fresh directory per run: running the same command twice never touches an earlier run
            out = Path.of("runs", net + "-" + java.time.LocalDateTime.now().format(java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        }
        check(!Files.exists(out) || Files.isDirectory(out), "--out " + out + ": exists and is not a directory");
        check(force || !Files.exists(out.resolve(CHECKPOINT)), "--out " + out + " already holds a checkpoint; use --resume " + out
                + " to continue it, --force to replace it, or another --out");
        Path parent = summary == null ? null : summary.toAbsolutePath().getParent();
        check(parent == null || Files.isDirectory(parent), "--summary " + summary + ": directory " + parent + " does not exist");
        return new RunConfig(dataset.orElse(KnownDataset.MNIST), spec, kind, lr != null ? lr : kind.defaultLr, schedule, weightDecay, batch, epochs == null ? 20 : epochs, seed,
                trainLimit, testLimit, validation);
    }

    private static void check(boolean ok, String usage) {
        if (!ok) throw new UsageException(usage);
    }

    private static <T> T parsed(String flag, java.util.function.Supplier<T> parse) {
        try {
            return parse.get();
        } catch (IllegalArgumentException e) {
            throw new UsageException(flag + ": " + e.getMessage());
        }
    }

    @Override public Integer call() throws Exception {
        RunConfig c = config();
        try (Backend b = backendOption.open()) {     // a backend that cannot load fails before any data moves
            Mnist.Split split = data.load(c.dataset());
            TrainingRun.Data d = parsed("--validation " + c.validation(), () -> TrainingRun.Data.of(c, split.train(), split.test()));
            try (TrainingRun run = resume != null ? TrainingRun.resume(b, c, d, out) : TrainingRun.start(b, c, d, out)) {
                if (run.completedEpochs() >= c.epochs()) {
                    System.out.println("the run in " + resume + " already has " + run.completedEpochs() + " epochs (--epochs " + c.epochs() + ")");
                    return 0;
                }
                System.out.println("backend: " + b.describe());
                System.out.println("network: " + c.network().net() + ", " + String.format(Locale.ROOT, "%,d", run.network().parameterCount())
                        + " parameters; " + c.describe() + ", epochs " + (run.completedEpochs() + 1) + ".." + c.epochs() + ", seed " + c.seed());
                System.out.println("data: " + d.train().count() + " training, " + (d.validation() == null ? ""
                        : d.validation().count() + " validation (the last of the training file), ") + d.test().count() + " test images of "
                        + c.dataset().id + " from " + data.dir(c.dataset()));
                TrainPrinter printer = new TrainPrinter(b, c, out.resolve(CURVE), summary);
                List<EpochStats> history = run.run(printer);
                EpochStats last = history.get(history.size() - 1), best = d.validation() == null ? null : TrainingRun.bestByValidation(history);
                System.out.printf(Locale.ROOT, "final test accuracy: %.2f%% (%d images) after %d epochs%n", 100 * last.testAccuracy(), d.test().count(), c.epochs());
                if (best != null) {
                    System.out.printf(Locale.ROOT, "best epoch by validation: %d (validation %.2f%%, test %.2f%%), in %s%n",
                            best.epoch(), 100 * best.validationAccuracy(), 100 * best.testAccuracy(), out.resolve(BEST));
                }
                System.out.println("wrote " + out.resolve(CHECKPOINT) + (printer.curveWritten() ? ", " + out.resolve(CURVE) : "") + ", " + out.resolve(SUMMARY));
                return 0;
            }
        }
    }

}
