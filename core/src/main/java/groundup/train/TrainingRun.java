package groundup.train;

import com.google.gson.reflect.TypeToken;
import groundup.backend.Backend;
import groundup.data.Dataset;
import groundup.data.KnownDataset;
import groundup.errors.InvalidFileException;
import groundup.files.AtomicFiles;
import groundup.io.Checkpoint;
import groundup.nn.NetworkSpec;
import groundup.nn.Networks;
import groundup.nn.Sequential;
import groundup.optim.Optimizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A whole training run, the same for the command line and a library user: the epochs of a
 * {@link Trainer}, and after every epoch, in the run's directory, an atomic
 * {@value #CHECKPOINT} (parameters, batch-norm statistics, optimizer state, the
 * {@link RunConfig}, the history), {@value #BEST} when the epoch is the best so far on the
 * validation images, and {@value #SUMMARY}. A run resumed from its checkpoint ends with the
 * same parameters, bit for bit on the CPU, as one that never stopped.
 *
 * <pre>{@code
 * RunConfig config = RunConfig.book("simple-cnn");
 * TrainingRun.Data data = TrainingRun.Data.of(config, mnist.train(), mnist.test());
 * try (TrainingRun run = TrainingRun.start(backend, config, data, Path.of("runs/mine"))) {
 *     List<EpochStats> history = run.run(null);
 * }
 * }</pre>
 */
public final class TrainingRun implements AutoCloseable {
    public static final String CHECKPOINT = "checkpoint.safetensors", BEST = "best.safetensors", SUMMARY = "summary.json";
    private static final String EPOCH = "groundup.epoch", HYPER = "groundup.hyper", HISTORY = "groundup.history",
            OLD_SEED = "groundup.seed", VALIDATION_ACCURACY = "groundup.validation_accuracy", TEST_ACCURACY = "groundup.test_accuracy";

    /** Called on the training thread; keep it quick. */
    public interface Listener extends Trainer.Listener {
        /** After an epoch, once its files are written. */
        default void epochDone(TrainingRun run) { }
    }

    /** The images a run trains, validates and tests on. */
    public record Data(Dataset train, Dataset validation, Dataset test) {
        /**
         * What a config asks of the full sets: the first trainLimit training and testLimit test
         * images, and the last {@code validation} of those training images held out.
         */
        public static Data of(RunConfig c, Dataset fullTrain, Dataset fullTest) {
            Dataset all = c.trainLimit() == null ? fullTrain : fullTrain.head(Math.min(c.trainLimit(), fullTrain.count()));
            if (c.validation() >= all.count()) {
                throw new IllegalArgumentException("validation " + c.validation() + " leaves no training images (there are " + all.count() + ")");
            }
            Dataset test = c.testLimit() == null ? fullTest : fullTest.head(Math.min(c.testLimit(), fullTest.count()));
            return c.validation() > 0 ? new Data(all.head(all.count() - c.validation()), all.tail(c.validation()), test) : new Data(all, null, test);
        }
    }

    private final Backend backend;
    private final RunConfig config;
    private final Data data;
    private final Path dir;
    private final Sequential net;
    private final Optimizer opt;
    private final List<EpochStats> history = new ArrayList<>();
    private final List<Double> heapMiB = new ArrayList<>(), deviceMiB = new ArrayList<>();
    private int completed;

    private TrainingRun(Backend backend, RunConfig config, Data data, Path dir) {
        this.backend = backend;
        this.config = config;
        this.data = data;
        this.dir = dir;
        this.net = Networks.create(config.network(), backend, config.seed());
        long stepsPerEpoch = (data.train().count() + config.batch() - 1) / config.batch();
        this.opt = new Optimizer(backend, config.optimizer(), config.lr(), config.weightDecay(), config.lrSchedule(),
                config.epochs() * stepsPerEpoch);
    }

    /** A new run writing into dir. It does not look at what dir holds: refusing to replace a run is the caller's choice. */
    public static TrainingRun start(Backend b, RunConfig config, Data data, Path dir) {
        return new TrainingRun(b, config, data, dir);
    }

    /**
     * The config of the run whose checkpoint is in dir, as it was started (epochs: its planned
     * total). An InvalidFileException names the file if there is none or it holds no run.
     */
    public static RunConfig configOf(Path dir) throws IOException {
        Path ck = dir.resolve(CHECKPOINT);
        if (!Files.isRegularFile(ck)) throw new InvalidFileException(ck, "no such file (" + dir + " holds no run to resume)");
        Checkpoint.Header h = Checkpoint.readHeader(ck);
        Map<String, String> m = h.metadata();
        if (!m.containsKey(HYPER) || !m.containsKey(EPOCH)) throw new InvalidFileException(ck, "holds no training state to resume from");
        try {
            Map<String, String> s = RunJson.COMPACT.fromJson(m.get(HYPER), new TypeToken<Map<String, String>>() { }.getType());
            String seed = m.get(OLD_SEED);
            return RunConfig.fromSettings(NetworkSpec.fromJson(h.network()), s, seed == null ? null : Long.valueOf(seed));
        } catch (RuntimeException e) {
            throw new InvalidFileException(ck, "its run settings cannot be read (" + e.getMessage() + ")");
        }
    }

    /** The seed a checkpoint's run was started with (it initialized the parameters), or null if the file does not say. */
    public static Long seedOf(Checkpoint.Header h) {
        String hyper = h.metadata().get(HYPER), old = h.metadata().get(OLD_SEED);
        if (old != null) return Long.valueOf(old);
        if (hyper == null) return null;
        Map<String, String> s = RunJson.COMPACT.fromJson(hyper, new TypeToken<Map<String, String>>() { }.getType());
        String seed = s.get(RunConfig.SEED);
        return seed == null ? null : Long.valueOf(seed);
    }

    /** The data set a checkpoint (a run's, or best.safetensors) was trained on; MNIST for files from before data sets had names. */
    public static KnownDataset datasetOf(Checkpoint.Header h) {
        String hyper = h.metadata().get(HYPER);
        if (hyper == null) return KnownDataset.MNIST;
        Map<String, String> s = RunJson.COMPACT.fromJson(hyper, new TypeToken<Map<String, String>>() { }.getType());
        return KnownDataset.parse(s.getOrDefault(RunConfig.DATASET, "mnist"));
    }

    /**
     * The run in dir, restored from its checkpoint, going on to {@code config}: the checkpoint's
     * own ({@link #configOf}), perhaps with more epochs.
     */
    public static TrainingRun resume(Backend b, RunConfig config, Data data, Path dir) throws IOException {
        TrainingRun run = new TrainingRun(b, config, data, dir);
        try {
            Checkpoint.Header h = Checkpoint.load(dir.resolve(CHECKPOINT), run.net, run.opt);
            run.completed = Integer.parseInt(h.metadata().get(EPOCH));
            List<EpochStats> past = RunJson.COMPACT.fromJson(h.metadata().get(HISTORY), new TypeToken<List<EpochStats>>() { }.getType());
            if (past != null) run.history.addAll(past);
            return run;
        } catch (IOException | RuntimeException e) {
            run.close();
            throw e;
        }
    }

    public RunConfig config() { return config; }

    public Sequential network() { return net; }

    public Data data() { return data; }

    public Path dir() { return dir; }

    /** Epochs finished so far (those of a resumed run's past included). */
    public int completedEpochs() { return completed; }

    /** Every finished epoch, oldest first. */
    public List<EpochStats> history() { return Collections.unmodifiableList(history); }

    /** The epoch with the highest validation accuracy (the earliest on ties), or null without validation. */
    public static EpochStats bestByValidation(List<EpochStats> history) {
        EpochStats best = null;
        for (EpochStats s : history) {
            if (Double.isFinite(s.validationAccuracy()) && (best == null || s.validationAccuracy() > best.validationAccuracy())) best = s;
        }
        return best;
    }

    /** Runs the epochs from the next one to the config's total, writing the run's files after each; returns the history. */
    public List<EpochStats> run(Listener listener) throws IOException {
        Listener l = listener == null ? new Listener() { } : listener;
        Files.createDirectories(dir);
        try (Trainer trainer = new Trainer(net, opt, data.train(), data.validation(), data.test(), config.batch(), config.seed(), l)) {
            for (int e = completed + 1; e <= config.epochs(); e++) {
                EpochStats stats;
                try {
                    stats = trainer.epoch(e);
                } catch (TrainingDivergedException x) {     // this epoch is not saved: the checkpoint on disk is the last good one
                    throw x.withNote(completed > 0 ? "; the last good checkpoint (epoch " + completed + ") stays in " + dir.resolve(CHECKPOINT)
                            : "; no checkpoint was written");
                }
                EpochStats best = bestByValidation(history);
                history.add(stats);
                completed = e;
                heapMiB.add(heapAfterGc());
                if (backend.deviceBytesInUse() >= 0) deviceMiB.add(backend.deviceBytesInUse() / (1024.0 * 1024.0));
                // best first: a crash between the two writes then redoes this epoch, which rewrites best identically
                if (data.validation() != null && (best == null || stats.validationAccuracy() > best.validationAccuracy())) {
                    Checkpoint.save(dir.resolve(BEST), net, null, Map.of(EPOCH, Integer.toString(e), HYPER, RunJson.COMPACT.toJson(config.settings()),
                            VALIDATION_ACCURACY, Double.toString(stats.validationAccuracy()), TEST_ACCURACY, Double.toString(stats.testAccuracy())));
                }
                Map<String, String> meta = new LinkedHashMap<>();
                meta.put(EPOCH, Integer.toString(e));
                meta.put(HYPER, RunJson.COMPACT.toJson(config.settings()));
                meta.put(HISTORY, RunJson.COMPACT.toJson(history));
                Checkpoint.save(dir.resolve(CHECKPOINT), net, opt, meta);
                AtomicFiles.writeString(dir.resolve(SUMMARY), summaryJson());
                l.epochDone(this);
            }
        }
        return history();
    }

    /** Java heap in use after a full collection, in MiB: the soak measure of docs/reliability.md (one GC per epoch). */
    private static double heapAfterGc() {
        System.gc();
        Runtime rt = Runtime.getRuntime();
        return (rt.totalMemory() - rt.freeMemory()) / (1024.0 * 1024.0);
    }

    /** summary.json: the backend, the network, the config ("hyperparameters"), every epoch, memory per epoch, the final figures. */
    public String summaryJson() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("backend", backend.name());
        s.put("backend_detail", backend.describe());
        s.put("dataset", config.dataset().id);
        s.put("net", config.network().net());
        s.put("network", config.network());
        s.put("hyperparameters", config.json());
        s.put("epochs", history);
        s.put("heap_mib_after_gc_per_epoch", heapMiB);
        if (!deviceMiB.isEmpty()) s.put("device_mib_per_epoch", deviceMiB);
        if (!history.isEmpty()) s.put("final_test_accuracy", history.get(history.size() - 1).testAccuracy());
        EpochStats best = data.validation() != null ? bestByValidation(history) : null;
        if (best != null) {
            s.put("best_by_validation", Map.of("epoch", best.epoch(), "validation_accuracy", best.validationAccuracy(),
                    "test_accuracy", best.testAccuracy(), "checkpoint", BEST));
        }
        return RunJson.PRETTY.toJson(s);
    }

    @Override public void close() {
        opt.close();
        net.close();
    }
}
