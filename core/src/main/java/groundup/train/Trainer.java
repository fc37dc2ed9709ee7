package groundup.train;

import groundup.data.Dataset;
import groundup.nn.Mode;
import groundup.nn.Sequential;
import groundup.optim.Optimizer;
import groundup.tensor.Tensor;
import java.util.Random;

/**
 * One epoch at a time: a pass over a fresh permutation of the training set in mini-batches
 * (not sampling with replacement, as the book's Trainer does), then the test and validation
 * sets scored. The permutation of epoch e depends only on (seed, e) and dropout's masks only
 * on (seed, step), where the step is the optimizer's count, so a run restarted at an epoch
 * boundary continues exactly. After the first step a step allocates no tensor: batches,
 * activations and gradients live in tensors made once. {@link TrainingRun} runs the epochs of
 * a whole run and writes its files.
 */
public final class Trainer implements AutoCloseable {

    /** Called on the training thread; keep it quick. */
    public interface Listener {
        /** After each step: progress within the epoch and running figures. */
        default void step(int epoch, int done, int total, double loss, double accuracy, double imagesPerSecond) { }

        default void epoch(EpochStats stats) { }
    }

    private final Sequential net;
    private final Optimizer opt;
    private final Dataset train, test;
    private final int batch;
    private final long seed;
    private final Listener listener;
    private final Batcher batcher;
    private final Evaluator evaluator, validator;
    private final int[] order;
    private final CorrectCounter counter;
    private final StepLog log;
    private final DivergenceGuard guard;

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
        this.test = test;
        this.batch = batch;
        this.seed = seed;
        this.listener = listener == null ? new Listener() { } : listener;
        this.batcher = new Batcher(net.backend(), train, batch, net.classes());
        this.evaluator = test == null ? null : new Evaluator(net, test, batch);
        this.validator = validation == null ? null : new Evaluator(net, validation, batch);
        this.order = new int[train.count()];
        this.counter = new CorrectCounter(net.backend(), batch);
        this.log = new StepLog(net.backend());
        this.guard = new DivergenceGuard(net.lossLayer().chanceLoss(net.classes()), opt.lr());
    }

    /** The permutation of the training set for an epoch (1-based): a function of (seed, epoch) alone. */
    static void permutation(int[] order, long seed, int epoch) {
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
        log.start(steps);
        double lossSum = 0;
        long correct = 0;
        float[] losses = null;
        long t0 = System.nanoTime();
        for (int k = 0; k < steps; k++) {
            int start = k * batch, m = Math.min(batch, n - start);
            Tensor x = batcher.load(order, start, m);
            long step = opt.steps();              // the one step count: the optimizer's, restored with it on resume
            net.reseed(seed * 0x9E3779B97F4A7C15L + step);
            Tensor loss = net.loss(x, batcher.labels(), Mode.TRAIN);
            log.record(loss);
            correct += counter.count(net.lastScores(), batcher.hostLabels(), m);   // waits for the forward pass
            net.backward();
            opt.step(net.parameters());
            losses = log.losses();
            guard.step(epoch, k, steps, firstStep + k, losses[k]);
            lossSum += losses[k] * (double) m;
            long seen = (long) start + m;
            double secs = (System.nanoTime() - t0) / 1e9;
            listener.step(epoch, (int) seen, n, lossSum / seen, correct / (double) seen, seen / secs);
        }
        net.backend().synchronize();
        double secs = (System.nanoTime() - t0) / 1e9;
        guard.epochEnd(epoch, steps, losses, net.parameters(), net.backend());
        double trainLoss = lossSum / n + opt.decayLoss(net.parameters());
        Evaluator.Score s = evaluator == null ? new Evaluator.Score(Double.NaN, Double.NaN) : evaluator.run();
        Evaluator.Score v = validator == null ? new Evaluator.Score(Double.NaN, Double.NaN) : validator.run();
        EpochStats stats = new EpochStats(epoch, trainLoss, correct / (double) n, s.loss(), s.accuracy(), secs, n / secs,
                v.loss(), v.accuracy());
        listener.epoch(stats);
        return stats;
    }

    @Override public void close() {
        batcher.close();
        if (evaluator != null) evaluator.close();
        if (validator != null) validator.close();
        counter.close();
        log.close();
    }
}
