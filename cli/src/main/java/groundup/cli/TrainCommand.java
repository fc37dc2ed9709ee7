package groundup.cli;

import groundup.backend.Backend;
import groundup.backend.Precision;
import groundup.backend.UpdateRule;
import groundup.data.DataFiles;
import groundup.data.KnownDataset;
import groundup.errors.InvalidSettingException;
import groundup.files.FilePaths;
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
    static final String CHECKPOINT = TrainingRun.CHECKPOINT, BEST = TrainingRun.BEST, SUMMARY = TrainingRun.SUMMARY, CURVE = TrainingRun.CURVE;

    @Option(names = "--net", paramLabel = "NAME", description = "two-layer, mlp, simple-cnn or deep-cnn (default: ${DEFAULT-VALUE}).")
    String net = "simple-cnn";
    @Option(names = "--epochs", description = "Epochs (default: 20, the book's; with --resume, the run's own total).") Integer epochs;
    @Option(names = "--batch", description = "Mini-batch size (default: ${DEFAULT-VALUE}).") int batch = 100;
    @Option(names = "--optimizer", paramLabel = "NAME",
            description = "sgd, momentum, nesterov, adagrad, rmsprop or adam (default: ${DEFAULT-VALUE}).")
    String optimizer = "adam";
    @Option(names = "--lr", description = "Learning rate (default: the book's for the optimizer: adam 0.001, others 0.01; rmsprop on simple-cnn and deep-cnn 0.001).") Float lr;
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
    @Option(names = "--precision", paramLabel = "P",
            description = "fp32, bf16 (products' inputs in bfloat16, summed in fp32; weights and checkpoints stay fp32) or tf32 (CUDA only) "
                    + "(default: -Dgroundup.precision, else fp32).")
    String precision;
    @Option(names = "--train-limit", paramLabel = "N", description = "Train on the first N images only (quick runs).") Integer trainLimit;
    @Option(names = "--test-limit", paramLabel = "N", description = "Test on the first N images only.") Integer testLimit;
    @Option(names = "--out", paramLabel = "DIR", description = "Output directory (default: a new runs/NET-YYYYMMDD-HHMMSS).") Path out;
    @Option(names = "--summary", paramLabel = "FILE", description = "Also write the JSON summary to FILE.") Path summary;
    @Option(names = "--resume", paramLabel = "DIR", description = "Continue the run whose checkpoint is in DIR, in DIR, with its own settings "
            + "and data files (checked by SHA-256; --data says where they are if they moved).")
    Path resume;
    @Option(names = "--force", description = "Start over even if --out already holds a run (its files are replaced).") boolean force;
    @Mixin DatasetOption dataset;
    @Mixin DataOption data;
    @Mixin BackendOption backendOption;
    @Spec CommandSpec spec;

    /** What defines a run: with --resume the run's own values hold, so giving one is a conflict, not a wish quietly ignored. */
    private static final List<String> RUN_FLAGS = List.of("--dataset", "--net", "--batch", "--optimizer", "--lr", "--lr-schedule", "--weight-decay", "--seed",
            "--hidden", "--batchnorm", "--dropout", "--validation", "--train-limit", "--test-limit", "--precision", "--force");
    /** The flags of mlp's options: for another network they are an error, not ignored. */
    private static final List<String> MLP_FLAGS = List.of("--hidden", "--batchnorm", "--dropout");

    private boolean given(String flag) { return spec.commandLine().getParseResult().hasMatchedOption(flag); }

    /**
     * Every flag and path is checked here, before any work: a bad one costs nothing and
     * overwrites nothing. The values themselves are checked by RunConfig and NetworkSpec, whose
     * InvalidSettingException Main reports with the flag.
     */
    private RunConfig config() throws Exception {
        if (resume != null) {
            for (String flag : RUN_FLAGS) {
                check(!given(flag), flag + " conflicts with --resume: a resumed run keeps "
                        + "the settings it started with (only --epochs may raise its total)");
            }
            check(out == null || FilePaths.same(out, resume),
                    "--out " + out + " conflicts with --resume " + resume + ": a resumed run goes on in its own folder (leave --out out; "
                            + "to keep the run as it is, copy its folder and resume the copy)");
            out = resume;
            return TrainingRun.resumeConfig(resume, epochs);      // the run's own settings; --epochs may raise its total
        }
        if (!net.equals("mlp")) {
            for (String flag : MLP_FLAGS) check(!given(flag), flag + ": applies to --net mlp only; " + net + " has the book's fixed layers");
        }
        check(!force || out != null, "--force: applies only with --out (a run's default folder is always a new one)");
        UpdateRule.Kind kind = UsageException.parsed("--optimizer", () -> UpdateRule.Kind.parse(optimizer));
        LrSchedule schedule = UsageException.parsed("--lr-schedule " + lrSchedule, () -> LrSchedule.parse(lrSchedule));
        Precision p = precision != null ? UsageException.parsed("--precision", () -> Precision.parse(precision))
                : UsageException.parsed("-D" + Precision.PROPERTY, Precision::requested);
        NetworkSpec spec = new NetworkSpec(net, hidden != null ? hidden : NetworkSpec.of(net).hidden(), batchNorm, dropout);
        RunConfig c = new RunConfig(dataset.orElse(KnownDataset.MNIST), spec, kind, lr != null ? lr : RunConfig.defaultLr(kind, spec), schedule, weightDecay, batch,
                epochs == null ? 20 : epochs, seed, trainLimit, testLimit, validation, p);
        if (out == null) out = newRunFolder(net);     // a fresh directory per run: running the same command twice never touches an earlier run
        try {
            TrainingRun.checkNewRunFolder(out, force);
        } catch (InvalidSettingException e) {
            if (!Files.exists(out.resolve(CHECKPOINT))) throw e;
            throw new UsageException("--out " + out + " already holds a run (" + CHECKPOINT + "); use --resume " + out
                    + " to continue it, --force to replace it, or another --out");
        }
        return c;
    }

    /** runs/NET-YYYYMMDD-HHMMSS, or with -2, -3... when that exists. */
    private static Path newRunFolder(String net) {
        String base = net + "-" + java.time.LocalDateTime.now().format(java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        Path p = Path.of("runs", base);
        for (int i = 2; Files.exists(p); i++) p = Path.of("runs", base + "-" + i);
        return p;
    }

    private static void check(boolean ok, String usage) {
        if (!ok) throw new UsageException(usage);
    }

    @Override public Integer call() throws Exception {
        RunConfig c = config();
        DataFiles recorded = resume != null ? TrainingRun.dataFilesOf(resume) : null;
        Path dataDir = data.dir(c.dataset(), recorded);
        List<Path> inputs = new java.util.ArrayList<>();
        for (String f : DataFiles.NAMES) inputs.add(dataDir.resolve(f));
        if (summary != null) OutputFile.check("--summary", summary, inputs, out);
        check(!FilePaths.same(out, dataDir), resume != null ? "--data " + dataDir + ": is the run's own folder; give the folder of its data files"
                : "--out " + out + ": is the data folder (--data); a run writes into a folder of its own");
        try (Backend b = backendOption.open()) {     // a backend that cannot load fails before any data moves
            String precisionDetail = UsageException.parsed("--precision " + c.precision(), () -> b.precisionDetail(c.precision()));
            Mnist.Split split = resume != null ? data.loadForResume(c.dataset(), recorded, resume) : data.load(c.dataset());
            TrainingRun.Data d = TrainingRun.Data.of(c, split);
            try (TrainingRun run = resume != null ? TrainingRun.resume(b, c, d, out) : TrainingRun.start(b, c, d, out, force)) {
                if (run.completedEpochs() >= c.epochs()) {
                    System.out.println("the run in " + resume + " already has " + run.completedEpochs() + " epochs (--epochs " + c.epochs() + ")");
                    return 0;
                }
                System.out.println("backend: " + b.describe());
                if (c.precision() != Precision.FP32) System.out.println("precision: " + precisionDetail);
                System.out.println("network: " + c.network().net() + ", " + String.format(Locale.ROOT, "%,d", run.network().parameterCount())
                        + " parameters; " + c.describe() + ", epochs " + (run.completedEpochs() + 1) + ".." + c.epochs() + ", seed " + c.seed());
                System.out.println("data: " + d.train().count() + " training, " + (d.validation() == null ? ""
                        : d.validation().count() + " validation (the last of the training file), ") + d.test().count() + " test images of "
                        + c.dataset().id + " from " + dataDir);
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
