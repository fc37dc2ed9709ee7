package groundup.train;

import groundup.backend.Backend;
import groundup.backend.StepGraph;
import groundup.data.Dataset;
import groundup.errors.InvalidSettingException;
import groundup.nn.Mode;
import groundup.nn.Sequential;
import groundup.optim.Optimizer;
import groundup.tensor.Shape;
import groundup.tensor.Tensor;
import java.util.Random;

/**
 * One epoch at a time: a pass over a fresh permutation of the training set in mini-batches
 * (not sampling with replacement, as the book's Trainer does), then the test and validation
 * sets scored. The permutation of epoch e depends only on (seed, e) and dropout's masks only
 * on (seed, step), where the step is the optimizer's count, so a run restarted at an epoch
 * boundary continues exactly. {@link TrainingRun} runs the epochs of a whole run and writes its files.
 *
 * <p>A step never waits for the host: the training set is held by the backend
 * ({@link DeviceBatches}: on a GPU, uploaded once) and each batch gathered there; each step's
 * loss and correct predictions go into a log on the device ({@link StepLog}), which the host
 * reads only every {@link #readEvery} steps and at the end of the epoch, for the listener and
 * the {@link DivergenceGuard}. After the first step a step allocates no tensor. And after the
 * first full batch of an epoch, the step is recorded ({@link Backend#record}: on CUDA a CUDA
 * graph) and each later full batch is one launch of it: what changes from step to step, the
 * batch's position, the log's row and the learning rate ({@link Optimizer#plan}), is read
 * from device memory. It is recorded again each epoch, because scoring the test set and a
 * shorter last batch may replace buffers it used. Dropout's masks follow the count of steps
 * taken, which the device holds and advances too. {@value #GRAPHS}=false turns recording off,
 * and networks whose ops take a host value every step ({@link Sequential#recordable}: mean
 * squared error) run every step as issued.
 */
public final class Trainer implements AutoCloseable {
    /** The system property of the default read interval, in steps. */
    public static final String READ_EVERY = "groundup.train.readEvery";
    /** The system property that turns step recording off (true, the default, or false). */
    public static final String GRAPHS = "groundup.train.graphs";

    /** Called on the training thread; keep it quick. */
    public interface Listener {
        /** At each read point (every {@link #readEvery} steps and the epoch's last): progress within the epoch and running figures. */
        default void step(int epoch, int done, int total, double loss, double accuracy, double imagesPerSecond) { }

        default void epoch(EpochStats stats) { }
    }

    private final Sequential net;
    private final Optimizer opt;
    private final Dataset train;
    private final int batch;
    private final long seed;
    private final Listener listener;
    private final DeviceBatches batches;
    private final Evaluator evaluator, validator;
    private final int[] order;
    private final StepLog log;
    private final DivergenceGuard guard;
    private int readEvery = readEveryProperty();
    private static final System.Logger LOG = System.getLogger("groundup.train");
    private final boolean graphs;                  // recording wanted (GRAPHS)
    private boolean recordingFailed;               // the backend refused once: not tried again in this run
    private boolean recording, countOnDevice;      // this epoch: recording the step; the count of steps taken in `taken`
    private StepGraph graph;                       // this epoch's full-batch step, recorded after its first one
    private final Tensor taken, one;               // (1): the optimizer's count of steps taken, advanced on the device; 1

    public Trainer(Sequential net, Optimizer opt, Dataset train, Dataset test, int batch, long seed, Listener listener) {
        this(net, opt, train, null, test, batch, seed, listener);
    }

    /**
     * @param validation scored after every epoch like {@code test} (null: none); kept apart
     *                   from test so that choosing an epoch by it leaves the test figure honest
     */
    public Trainer(Sequential net, Optimizer opt, Dataset train, Dataset validation, Dataset test, int batch, long seed,
                   Listener listener) {
        if (batch <= 0) throw new IllegalArgumentException("batch size " + batch + " must be positive");
        this.net = net;
        this.opt = opt;
        this.train = train;
        this.batch = batch;
        this.seed = seed;
        this.listener = listener == null ? new Listener() { } : listener;
        String g = System.getProperty(GRAPHS, "true").trim();
        if (!g.equals("true") && !g.equals("false")) throw new InvalidSettingException(GRAPHS, GRAPHS + "=" + g + ": expected true or false");
        this.graphs = g.equals("true");
        this.order = new int[train.count()];
        this.guard = new DivergenceGuard(net.lossLayer().chanceLoss(net.classes()), opt.lr());
        // what holds device memory (the training set above all), made in turn: what was made is given back if a later part fails
        DeviceBatches db = null;
        Evaluator ev = null, va = null;
        StepLog lg = null;
        Tensor tk = null, on = null;
        try {
            db = new DeviceBatches(net.backend(), train, batch, net.classes());
            ev = test == null ? null : new Evaluator(net, test, batch);
            va = validation == null ? null : new Evaluator(net, validation, batch);
            lg = new StepLog(net.backend());
            tk = net.backend().allocate(Shape.of(1));
            on = net.backend().allocate(Shape.of(1));
            net.backend().fill(on, 1f);
        } catch (RuntimeException | Error e) {
            for (AutoCloseable c : new AutoCloseable[] {on, tk, lg, va, ev, db}) {
                try {
                    if (c != null) c.close();
                } catch (Exception x) {
                    e.addSuppressed(x);
                }
            }
            throw e;
        }
        this.batches = db;
        this.evaluator = ev;
        this.validator = va;
        this.log = lg;
        this.taken = tk;
        this.one = on;
    }

    /**
     * How often, in steps, the host reads the step log (default: the system property
     * {@value #READ_EVERY}, else 20): each read waits for the device. The listener hears of
     * progress, and divergence is caught, at these points and at the end of the epoch.
     */
    public Trainer readEvery(int steps) {
        if (steps <= 0) throw new IllegalArgumentException("read interval " + steps + " must be positive");
        this.readEvery = steps;
        return this;
    }

    private static int readEveryProperty() {
        String v = System.getProperty(READ_EVERY, "20").trim();
        try {
            int n = Integer.parseInt(v);
            if (n > 0) return n;
        } catch (NumberFormatException e) {
            // refused below, as a value out of range is
        }
        throw new InvalidSettingException(READ_EVERY, READ_EVERY + "=" + v + ": must be a positive whole number of steps");
    }

    /**
     * Fills {@code order} with the permutation of 0..length-1 for an epoch (1-based): a function of
     * (seed, epoch) alone, so another run, on another backend, walks the same mini-batches.
     */
    public static void permutation(int[] order, long seed, int epoch) {
        for (int i = 0; i < order.length; i++) order[i] = i;
        Random rnd = new Random(seed * 0x5DEECE66DL + epoch);
        for (int i = order.length - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1), t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
    }

    /**
     * One pass over the training set. Throws {@link TrainingDivergedException} where the run went
     * wrong ({@link DivergenceGuard}), before the epoch's figures are returned, so a caller that
     * saves after each epoch keeps the last good one.
     */
    public EpochStats epoch(int epoch) {
        permutation(order, seed, epoch);
        int n = train.count(), steps = (n + batch - 1) / batch;
        long firstStep = opt.steps() + 1;          // the optimizer's count of this epoch's first step
        batches.start(order);
        log.start(steps);
        opt.plan(steps);
        // dropout's masks follow the count of steps taken: on the device while a float holds it exactly, so a step can be recorded
        countOnDevice = opt.steps() + steps < 1 << 24;
        if (countOnDevice) {
            net.backend().fill(taken, opt.steps());
            net.reseed(seed, taken);
        }
        recording = graphs && !recordingFailed && countOnDevice && net.recordable();
        if (graph != null) {                       // buffers it used may have been replaced since (see the class doc)
            graph.close();
            graph = null;
        }
        double lossSum = 0;
        long correct = 0;
        int read = 0;                              // steps read so far
        long t0 = System.nanoTime();
        for (int k = 0; k < steps; k++) {
            step(Math.min(batch, n - k * batch), (k + 2) * (long) batch <= n);
            if (k + 1 < steps && (k + 1) % readEvery != 0) continue;
            log.read();
            float[] losses = log.losses(), corrects = log.corrects();
            for (; read <= k; read++) {
                guard.step(epoch, read, steps, firstStep + read, losses[read]);
                lossSum += losses[read] * (double) Math.min(batch, n - read * batch);
                correct += (long) corrects[read];
            }
            long seen = Math.min((long) n, (long) (k + 1) * batch);
            double secs = (System.nanoTime() - t0) / 1e9;
            listener.step(epoch, (int) seen, n, lossSum / seen, correct / (double) seen, seen / secs);
        }
        net.backend().synchronize();
        double secs = (System.nanoTime() - t0) / 1e9;
        guard.epochEnd(epoch, steps, log.losses(), net.parameters(), net.backend());
        double trainLoss = lossSum / n + opt.decayLoss(net.parameters());
        Evaluator.Score s = evaluator == null ? new Evaluator.Score(Double.NaN, Double.NaN) : evaluator.run();
        Evaluator.Score v = validator == null ? new Evaluator.Score(Double.NaN, Double.NaN) : validator.run();
        EpochStats stats = new EpochStats(epoch, trainLoss, correct / (double) n, s.loss(), s.accuracy(), secs, n / secs,
                v.loss(), v.accuracy());
        listener.epoch(stats);
        return stats;
    }

    /**
     * One step on the next m samples: nothing in it waits for the device. A full batch is a
     * launch of the recorded step where there is one; the first full batch records it for the
     * rest (moreFull: another full batch follows) once it has run, and with it made every buffer.
     */
    private void step(int m, boolean moreFull) {
        if (!countOnDevice) net.reseed(seed * 0x9E3779B97F4A7C15L + opt.steps());   // the one step count: the optimizer's, restored with it on resume
        if (graph != null && m == batch) {
            graph.launch();
        } else {
            issue(m);
            if (recording && m == batch && moreFull) graph = recorded();
        }
        opt.stepped();
    }

    /**
     * The full-batch step recorded, or null where the backend could not record it: the run goes
     * on issuing its ops one by one, saying so once. A driver's capture rules differ between
     * versions, and a run should not die of the optimization (the stand-in's counters test that
     * recording works here; a warning in a GPU run's log says where it does not).
     */
    private StepGraph recorded() {
        try {
            return net.backend().record(() -> issue(batch));
        } catch (IllegalStateException e) {
            recordingFailed = true;
            recording = false;
            LOG.log(System.Logger.Level.WARNING, "recording the train step as a graph failed, so its ops are issued one by one from now on ("
                    + e.getMessage() + "); -D" + GRAPHS + "=false skips recording");
            return null;
        }
    }

    /** The device's part of a step: the same ops every time, and nothing on the host that differs from one step to the next. */
    private void issue(int m) {
        Tensor x = batches.next(m);
        Tensor loss = net.loss(x, batches.labels(), Mode.TRAIN);
        log.record(loss, net.lastScores(), batches.labels());
        net.backward();
        opt.issue(net.parameters());
        if (countOnDevice) net.backend().axpy(1f, one, taken);
    }

    @Override public void close() {
        if (graph != null) graph.close();
        taken.close();
        one.close();
        batches.close();
        if (evaluator != null) evaluator.close();
        if (validator != null) validator.close();
        log.close();
    }
}
