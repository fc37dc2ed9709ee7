package groundup.experiments;

import groundup.data.Dataset;
import groundup.nn.Sequential;
import groundup.optim.Optimizer;
import groundup.train.Evaluator;
import groundup.train.MiniBatchSteps;

/** The two ways the book's chapter 6 scripts train: a loss per iteration, or accuracies per epoch. */
final class Curves {
    private Curves() {}

    /** Accuracy per epoch on the training images and on a held-out set (test or validation). */
    record Accuracies(double[] train, double[] heldOut) {
        double lastTrain() { return train[train.length - 1]; }

        double lastHeldOut() { return heldOut[heldOut.length - 1]; }
    }

    /** The mini-batch loss of each of {@code iterations} steps. */
    static double[] losses(Sequential net, Optimizer opt, Dataset train, int batch, int iterations, long seed, Progress progress,
                           String stage) {
        double[] loss = new double[iterations];
        try (MiniBatchSteps steps = new MiniBatchSteps(net, opt, train, batch, seed)) {
            for (int i = 0; i < iterations; i++) {
                loss[i] = steps.step();
                progress.update(stage, i + 1, iterations);
            }
        }
        return loss;
    }

    /**
     * {@code epochs} epochs of max(train/batch, 1) steps each. As in the book's loops
     * ({@code if i % iter_per_epoch == 0}), the accuracies are taken after the first step of
     * each epoch, so the first point shows the network after one update.
     */
    static Accuracies accuracies(Sequential net, Optimizer opt, Dataset train, Dataset heldOut, int batch, int epochs, long seed,
                                 Progress progress, String stage) {
        int perEpoch = Math.max(train.count() / batch, 1);
        double[] tr = new double[epochs], ho = new double[epochs];
        try (MiniBatchSteps steps = new MiniBatchSteps(net, opt, train, batch, seed);
             Evaluator onTrain = new Evaluator(net, train, Math.min(1000, train.count()));
             Evaluator onHeldOut = heldOut == null ? null : new Evaluator(net, heldOut, Math.min(1000, heldOut.count()))) {
            for (int e = 0; e < epochs; e++) {
                for (int i = 0; i < perEpoch; i++) {
                    steps.step();
                    if (i == 0) {
                        tr[e] = onTrain.run().accuracy();
                        ho[e] = onHeldOut == null ? Double.NaN : onHeldOut.run().accuracy();
                    }
                }
                progress.update(stage, e + 1, epochs);
            }
        }
        return new Accuracies(tr, ho);
    }

    /** Mean of the last n values (all if fewer). */
    static double tailMean(double[] v, int n) {
        int from = Math.max(0, v.length - n);
        double s = 0;
        for (int i = from; i < v.length; i++) s += v[i];
        return s / (v.length - from);
    }
}
