package groundup.train;

import groundup.data.Dataset;
import groundup.nn.Mode;
import groundup.nn.Sequential;
import groundup.tensor.Tensor;

/** Loss and accuracy of a network over a whole dataset, in inference mode. */
public final class Evaluator implements AutoCloseable {
    private final Sequential net;
    private final Dataset data;
    private final int batch;
    private final Batcher batcher;
    private final float[] one = new float[1];
    private final CorrectCounter counter;

    public record Score(double loss, double accuracy) {}

    /**
     * batch: images scored at once (a batch larger than the set is the set); one the heap
     * cannot hold is an InvalidSettingException for "batch" ({@link HeapCheck}), before anything is allocated.
     */
    public Evaluator(Sequential net, Dataset data, int batch) {
        if (batch <= 0) throw new groundup.errors.InvalidSettingException(RunConfig.BATCH, "batch " + batch + ": must be positive");
        HeapCheck.batch(net, batch, data.count(), false);
        this.net = net;
        this.data = data;
        this.batch = Math.max(1, Math.min(batch, data.count()));
        this.batcher = new Batcher(net.backend(), data, this.batch, net.classes());
        this.counter = new CorrectCounter(net.backend(), this.batch);
    }

    public Score run() {
        double lossSum = 0;
        long correct = 0;
        int n = data.count();
        for (int start = 0; start < n; start += batch) {
            int m = Math.min(batch, n - start);
            Tensor x = batcher.load(null, start, m);
            Tensor loss = net.loss(x, batcher.labels(), Mode.INFERENCE);
            net.backend().download(loss, one, 0);
            lossSum += one[0] * (double) m;
            correct += counter.count(net.lastScores(), batcher.hostLabels(), m);
        }
        return new Score(lossSum / n, correct / (double) n);
    }

    @Override public void close() {
        batcher.close();
        counter.close();
    }
}
