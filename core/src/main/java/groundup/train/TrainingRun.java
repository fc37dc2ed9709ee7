package groundup.train;

import groundup.backend.Backend;
import groundup.data.DataFiles;
import groundup.data.Dataset;
import groundup.data.KnownDataset;
import groundup.data.Mnist;
import groundup.errors.FileAccessException;
import groundup.errors.InvalidFileException;
import groundup.errors.InvalidSettingException;
import groundup.files.AtomicFiles;
import groundup.files.FilePaths;
import groundup.files.FolderLock;
import groundup.io.Checkpoint;
import groundup.nn.NetworkSpec;
import groundup.nn.Networks;
import groundup.nn.Sequential;
import groundup.optim.LrSchedule;
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
 * {@link RunConfig}, the history, the data files it trained on), {@value #BEST} when the epoch
 * is the best so far on the validation images, and {@value #SUMMARY}. A run resumed from its
 * checkpoint ends with the same parameters, bit for bit on the CPU, as one that never stopped.
 *
 * <p>A run's folder is its own: {@link #start} refuses one that holds another run's checkpoint
 * (unless told to replace it) or the data it reads; the folder is locked ({@link FolderLock})
 * from start to {@link #close}, so a second run into it fails at once; {@link #resume} goes on
 * only with the run's own settings and the very files it trained on. Every refusal is an
 * {@link InvalidSettingException} (a value given), an {@link InvalidFileException} (a file's
 * content, named with its field) or a {@link groundup.errors.FileAccessException}, before
 * anything in the folder is written.
 *
 * <pre>{@code
 * RunConfig config = RunConfig.book("simple-cnn");
 * TrainingRun.Data data = TrainingRun.Data.of(config, Mnist.load(dir));
 * try (TrainingRun run = TrainingRun.start(backend, config, data, Path.of("runs/mine"))) {
 *     List<EpochStats> history = run.run(null);
 * }
 * }</pre>
 */
public final class TrainingRun implements AutoCloseable {
    public static final String CHECKPOINT = "checkpoint.safetensors", BEST = "best.safetensors", SUMMARY = "summary.json";
    /** Where the command line draws the run's learning curve. */
    public static final String CURVE = "learning-curve.png";
    /** Every file a run writes in its folder (besides the lock). */
    public static final List<String> FILES = List.of(CHECKPOINT, BEST, SUMMARY, CURVE);

    /** Called on the training thread; keep it quick. */
    public interface Listener extends Trainer.Listener {
        /** After an epoch, once its files are written. */
        default void epochDone(TrainingRun run) { }
    }

    /**
     * The images a run trains, validates and tests on, and the files they came from (null for
     * sets made in memory): a run records those, and resuming it refuses other files.
     */
    public record Data(Dataset train, Dataset validation, Dataset test, DataFiles files) {
        public Data(Dataset train, Dataset validation, Dataset test) { this(train, validation, test, null); }

        /**
         * What a config asks of the full sets: the first trainLimit training and testLimit test
         * images, and the last {@code validation} of those training images held out.
         */
        public static Data of(RunConfig c, Dataset fullTrain, Dataset fullTest) { return of(c, new Mnist.Split(fullTrain, fullTest)); }

        /** The same, of a data set loaded from its files ({@link Mnist#load}), which the run then records. */
        public static Data of(RunConfig c, Mnist.Split split) {
            Dataset fullTrain = split.train(), fullTest = split.test();
            Dataset all = c.trainLimit() == null ? fullTrain : fullTrain.head(Math.min(c.trainLimit(), fullTrain.count()));
            if (c.validation() >= all.count()) {
                throw new InvalidSettingException(RunConfig.VALIDATION, "validation " + c.validation() + ": leaves no training images (there are "
                        + all.count() + "); hold out fewer");
            }
            Dataset test = c.testLimit() == null ? fullTest : fullTest.head(Math.min(c.testLimit(), fullTest.count()));
            return c.validation() > 0 ? new Data(all.head(all.count() - c.validation()), all.tail(c.validation()), test, split.files())
                    : new Data(all, null, test, split.files());
        }

        /** The most images any pass takes at once: no batch holds more. */
        int largest() {
            return Math.max(train.count(), Math.max(test.count(), validation == null ? 0 : validation.count()));
        }
    }

    private final Backend backend;
    private final RunConfig config;
    private final Data data;
    private final Path dir;
    private final Sequential net;
    private final Optimizer opt;
    private final int batch;            // config's, or the largest set where that is smaller: the same steps, arrays no larger than needed
    private final List<EpochStats> history = new ArrayList<>();
    private final List<Double> heapMiB = new ArrayList<>(), deviceMiB = new ArrayList<>();
    private FolderLock lock;
    private int completed;
    private boolean staleBest;          // the replaced run's best.safetensors, which this run (no validation) never overwrites

    /** Builds the network and checks that a batch fits; the caller locks the folder after. */
    private TrainingRun(Backend backend, RunConfig config, Data data, Path dir) {
        HeapCheck.network(config.network());
        this.backend = backend;
        this.config = config;
        this.data = data;
        this.dir = dir;
        this.batch = Math.min(config.batch(), data.largest());
        this.net = Networks.create(config.network(), backend, config.seed(), config.precision());
        try {
            HeapCheck.batch(net, config.batch(), data.largest(), true);
        } catch (RuntimeException e) {
            net.close();
            throw e;
        }
        long stepsPerEpoch = (data.train().count() + (long) batch - 1) / batch;
        this.opt = new Optimizer(backend, config.optimizer(), config.lr(), config.weightDecay(), config.lrSchedule(),
                config.epochs() * stepsPerEpoch);
    }

    /** A new run writing into dir, which must not hold a run's checkpoint: see {@link #start(Backend, RunConfig, Data, Path, boolean)}. */
    public static TrainingRun start(Backend b, RunConfig config, Data data, Path dir) throws IOException {
        return start(b, config, data, dir, false);
    }

    /**
     * A new run writing into dir, locked until {@link #close}. Refused (an
     * InvalidSettingException for "dir") when dir is a file, is the folder of the data's files,
     * or holds a run's checkpoint and {@code replace} is false; a FileAccessException when
     * another run holds dir's lock. A run it replaces stays whole until this one's first
     * checkpoint, which removes what that run wrote and this one will not (best.safetensors).
     */
    public static TrainingRun start(Backend b, RunConfig config, Data data, Path dir, boolean replace) throws IOException {
        checkNewRunFolder(dir, replace);
        if (data.files() != null && FilePaths.same(dir, data.files().dir())) {
            throw new InvalidSettingException("dir", "dir " + dir + ": is the folder of the data files; a run writes into a folder of its own");
        }
        TrainingRun run = new TrainingRun(b, config, data, dir);
        try {
            run.claim();
            if (!replace) checkNoRun(dir);       // again, under the lock: a run that began meanwhile is not overwritten
            run.staleBest = replace && data.validation() == null && Files.exists(dir.resolve(CHECKPOINT));
            return run;
        } catch (IOException | RuntimeException e) {
            run.close();
            throw e;
        }
    }

    /**
     * What {@link #start} checks of dir before anything else, for callers that want the answer
     * before loading data: not a file, and (unless replace) no run's checkpoint in it.
     */
    public static void checkNewRunFolder(Path dir, boolean replace) {
        if (Files.exists(dir) && !Files.isDirectory(dir)) throw new InvalidSettingException("dir", "dir " + dir + ": exists and is not a directory");
        if (!replace) checkNoRun(dir);
    }

    private static void checkNoRun(Path dir) {
        if (Files.exists(dir.resolve(CHECKPOINT))) {
            throw new InvalidSettingException("dir", "dir " + dir + ": already holds a run (" + CHECKPOINT + "); resume it, replace it, "
                    + "or choose another folder");
        }
    }

    /**
     * The config of the run whose checkpoint is in dir, as it was started (epochs: its planned
     * total). An InvalidFileException names the file, and the field, if there is none, it holds
     * no run, or any of its fields is bad.
     */
    public static RunConfig configOf(Path dir) throws IOException {
        return metadataOf(dir).config();
    }

    /** The data files the run in dir trained on, or null when it did not record them. Checked as {@link #configOf} is. */
    public static DataFiles dataFilesOf(Path dir) throws IOException {
        return metadataOf(dir).data();
    }

    private static RunMetadata metadataOf(Path dir) throws IOException {
        Path ck = dir.resolve(CHECKPOINT);
        if (!Files.exists(ck)) {
            throw new InvalidFileException(ck, "no such file (" + dir + (Files.isDirectory(dir) ? " holds no run to resume)" : " is not a run's folder)"));
        }
        return RunMetadata.read(Checkpoint.readHeader(ck));
    }

    /** The network a checkpoint describes (metadata groundup.network); an InvalidFileException names the file and field if it cannot be built. */
    public static NetworkSpec networkOf(Checkpoint.Header h) throws InvalidFileException { return RunMetadata.network(h); }

    /**
     * The config a resume of the run in dir goes on with: its own, with {@code epochs} as its
     * total when not null. What {@link #resume} checks of it, checked now (an
     * InvalidSettingException for "epochs" when a schedule was planned over the run's length).
     */
    public static RunConfig resumeConfig(Path dir, Integer epochs) throws IOException {
        RunConfig c = configOf(dir), asked = epochs == null ? c : c.withEpochs(epochs);
        checkSame(c, asked, dir);
        return asked;
    }

    /** The seed a checkpoint's run was started with (it initialized the parameters), or null if the file does not say. */
    public static Long seedOf(Checkpoint.Header h) throws InvalidFileException { return RunMetadata.seed(h); }

    /** The data set a checkpoint (a run's, or best.safetensors) was trained on; MNIST for files from before data sets had names. */
    public static KnownDataset datasetOf(Checkpoint.Header h) throws InvalidFileException { return RunMetadata.dataset(h); }

    /**
     * The run in dir, restored from its checkpoint, going on to {@code config}: the checkpoint's
     * own ({@link #configOf}), perhaps with more epochs (not for a schedule planned over its
     * length). Refused: another config (an InvalidSettingException naming the first setting that
     * differs), data other than the files the run recorded (an InvalidFileException naming the
     * file), a bad checkpoint (one naming its field), a folder another run holds.
     */
    public static TrainingRun resume(Backend b, RunConfig config, Data data, Path dir) throws IOException {
        RunMetadata past = metadataOf(dir);
        checkSame(past.config(), config, dir);
        checkData(past.data(), data.files(), dir);
        TrainingRun run = new TrainingRun(b, config, data, dir);
        try {
            run.restore();     // every check first: a refused resume writes nothing in the folder, not even the lock file
            run.claim();
            run.restore();     // again under the lock, in case another process wrote the checkpoint meanwhile
            return run;
        } catch (IOException | RuntimeException e) {
            run.close();
            throw e;
        }
    }

    /** Loads the checkpoint into the network and optimizer and checks what it says against this run. */
    private void restore() throws IOException {
        Checkpoint.Header h = Checkpoint.load(dir.resolve(CHECKPOINT), net, opt);
        RunMetadata now = RunMetadata.read(h);
        checkSame(now.config(), config, dir);
        checkData(now.data(), data.files(), dir);
        long stepsPerEpoch = (data.train().count() + (long) batch - 1) / batch;
        Long steps = Checkpoint.steps(h);
        if (steps != null && steps != now.epoch() * stepsPerEpoch) {
            throw new InvalidFileException(h.file(), "metadata " + Checkpoint.STEPS + " is '" + steps + "', but " + now.epoch() + " epochs of "
                    + stepsPerEpoch + " steps make " + now.epoch() * stepsPerEpoch);
        }
        completed = now.epoch();
        history.clear();
        history.addAll(now.history());
    }

    /** Locks the folder, checks that it can be written, and clears what a killed writer left there. */
    private void claim() throws IOException {
        lock = FolderLock.acquire(dir);
        if (!Files.isWritable(dir)) throw new FileAccessException("writing", dir, "permission denied");
        AtomicFiles.removeLeftovers(dir, FILES);
    }

    /** config must be the run's own, epochs aside (and those only raised for a constant rate). */
    private static void checkSame(RunConfig run, RunConfig config, Path dir) {
        Map<String, String> a = run.settings(), b = config.settings();
        if (!run.network().equals(config.network())) {
            throw new InvalidSettingException("net", "net " + config.network().toJson() + ": the run in " + dir + " is of " + run.network().toJson()
                    + "; a resumed run keeps its settings");
        }
        java.util.Set<String> keys = new java.util.LinkedHashSet<>(a.keySet());
        keys.addAll(b.keySet());
        for (String k : keys) {
            if (k.equals(RunConfig.EPOCHS) || java.util.Objects.equals(a.get(k), b.get(k))) continue;
            throw new InvalidSettingException(k, k + " " + (b.get(k) == null ? "all" : b.get(k)) + ": the run in " + dir + " was started with "
                    + (a.get(k) == null ? "all" : a.get(k)) + "; a resumed run keeps its settings (only epochs may change)");
        }
        if (config.epochs() != run.epochs() && run.lrSchedule() != LrSchedule.CONSTANT) {
            throw new InvalidSettingException(RunConfig.EPOCHS, "epochs " + config.epochs() + ": the run in " + dir + " has a " + run.lrSchedule().id()
                    + " learning-rate schedule planned over " + run.epochs() + " epochs; resume it to that total, or start a new run");
        }
    }

    private static void checkData(DataFiles recorded, DataFiles now, Path dir) throws InvalidFileException {
        if (recorded == null) return;       // a run from before files were recorded, or on sets made in memory
        if (now == null) {
            throw new InvalidSettingException("data", "data: the run in " + dir + " trained on the files in " + recorded.dir()
                    + "; resume it with data loaded from them (Mnist.load), which it checks by SHA-256");
        }
        recorded.check(now, "the run in " + dir);
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
        if (lock == null) throw new IllegalStateException("the run in " + dir + " is closed");
        try (Trainer trainer = new Trainer(net, opt, data.train(), data.validation(), data.test(), batch, config.seed(), l)) {
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
                    Checkpoint.save(dir.resolve(BEST), net, null, RunMetadata.best(config, stats));
                }
                if (staleBest) {       // the folder stops being the replaced run's with this checkpoint: none of its files may stay
                    removeStaleBest();
                    staleBest = false;
                }
                Checkpoint.save(dir.resolve(CHECKPOINT), net, opt, new RunMetadata(config, e, history, data.files()).toMap());
                AtomicFiles.writeString(dir.resolve(SUMMARY), summaryJson());
                l.epochDone(this);
            }
        } catch (OutOfMemoryError e) {      // the estimate of HeapCheck was low: say so in one line all the same
            Runtime rt = Runtime.getRuntime();
            throw new InvalidSettingException(RunConfig.BATCH, String.format(java.util.Locale.ROOT, "batch %d: the Java heap (%.1f GiB) ran out at "
                    + "epoch %d; lower the batch or give Java more heap (-Xmx)", config.batch(), rt.maxMemory() / (double) (1L << 30), completed + 1), e);
        }
        return history();
    }

    private void removeStaleBest() throws IOException {
        try {
            Files.deleteIfExists(dir.resolve(BEST));
        } catch (IOException e) {
            throw new FileAccessException("removing", dir.resolve(BEST), e);
        }
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
        s.put("precision_detail", backend.precisionDetail(config.precision()));
        s.put("dataset", config.dataset().id);
        s.put("net", config.network().net());
        s.put("network", config.network());
        s.put("hyperparameters", config.json());
        if (data.files() != null) s.put("data", data.files().toJson());
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

    /** Frees the network and optimizer, then releases the folder's lock even if freeing failed (a device in a sticky error state). */
    @Override public void close() {
        try {
            opt.close();
            net.close();
        } finally {
            if (lock != null) {
                try {
                    lock.close();
                } catch (IOException e) {
                    // the OS drops it with the process in any case
                }
                lock = null;
            }
        }
    }
}
