package groundup.train;

import groundup.data.Dataset;
import groundup.nn.Mode;
import groundup.nn.Sequential;
import groundup.optim.Optimizer;
import groundup.tensor.Tensor;
import java.util.Random;

/**
 * Training steps as the book's chapter 6 scripts take them: each step draws {@code batch}
 * sample indices uniformly with replacement ({@code np.random.choice(train_size, batch_size)}),
 * one forward, backward and update, and returns the loss. {@link Trainer} walks epochs of a
 * permutation instead; the experiments use this to follow the book's iteration counts. The draws
 * depend on the seed alone, so a run is reproducible; a step allocates nothing after the first.
 */
public final class MiniBatchSteps implements AutoCloseable {
    private final Sequential net;
    private final Optimizer opt;
    private final Dataset data;
    private final int batch;
    private final long seed;
    private final Random rnd;
    private final int[] picks;
    private final float[] one = new float[1];
    private final Batcher batcher;

    public MiniBatchSteps(Sequential net, Optimizer opt, Dataset data, int batch, long seed) {
        if (batch <= 0) throw new IllegalArgumentException("batch size " + batch + " must be positive");
        this.net = net;
        this.opt = opt;
        this.data = data;
        this.batch = batch;
        this.seed = seed;
        this.rnd = new Random(seed);
        this.picks = new int[batch];
        this.batcher = new Batcher(net.backend(), data, batch, net.classes());
    }

    /**
     * One step; returns its mini-batch loss, weight decay's term included (the book's
     * {@code network.loss}). A diverged network's loss is returned as it is (NaN or infinite)
     * and the steps go on, as the book's do: the experiments show such runs, they do not stop on them.
     */
    public double step() {
        for (int i = 0; i < batch; i++) picks[i] = rnd.nextInt(data.count());
        Tensor x = batcher.load(picks, 0, batch);
        long step = opt.steps();
        net.reseed(seed * 0x9E3779B97F4A7C15L + step);
        Tensor loss = net.loss(x, batcher.labels(), Mode.TRAIN);
        net.backend().download(loss, one, 0);
        net.backward();
        double decay = opt.decayLoss(net.parameters());      // of the weights the forward pass used
        opt.step(net.parameters());
        return one[0] + decay;
    }

    /** Steps taken so far. */
    public long steps() { return opt.steps(); }

    @Override public void close() { batcher.close(); }
}
