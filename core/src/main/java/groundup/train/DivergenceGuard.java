package groundup.train;

import groundup.backend.Backend;
import groundup.nn.LossLayer;
import groundup.nn.Parameter;
import java.util.List;
import java.util.Locale;

/**
 * Tells a run that went wrong from one that is merely slow, from what its steps did: their
 * losses (the true cross-entropy, not clamped: see {@link Backend#softmaxCrossEntropy}), read
 * from the device at the trainer's read points, and the weights at the end of each epoch.
 * A run has diverged when
 * <ol>
 * <li>a step's loss is NaN or infinite: weights or gradients overflowed. A bad update shows in
 *     the next step's loss (a NaN or infinite weight makes every score NaN), so the step named
 *     may be one after the update that broke;</li>
 * <li>a weight is not finite at the end of an epoch: the last step's update, which no forward
 *     has read yet;</li>
 * <li>its loss blew up, a step above {@value #BLOWUP} x chance, and the epoch it blew up in
 *     ends no better than chance: the mean loss of that epoch's last half is at least
 *     {@value #AT_CHANCE} x chance (an epoch that ends below it clears the blow-up).</li>
 * </ol>
 * Chance is {@link LossLayer#chanceLoss}: ln 10 = 2.303 for ten classes (within 1%, because a
 * network that learned only MNIST's uneven class frequencies scores 2.301). Each part of rule 3
 * alone would stop healthy runs: without a blow-up, a loss at chance is a slow start
 * (SimpleConvNet with SGD at the book's 0.01 spends two epochs there, 2.301 and 2.271, then
 * 0.999); a blow-up alone is RMSprop's first steps at the book's 0.01 (190 to 595 over six seeds
 * of the MLP, whose epoch ends below 1). What rule 3 stops: SimpleConvNet with SGD at lr 10, 100
 * and 1000 and Adam at 1 blow up to 35, 65, 1e7 and 7e4 and end the epoch at 2.35 or far above;
 * and RMSprop at 0.01 on the convolutional networks, which blow up to 90 and 1.2e4 and never
 * come back (at chance for three and two epochs before this guard existed; docs/reliability.md).
 * A loss without a chance level (mean squared error) is held to rules 1 and 2 only.
 */
final class DivergenceGuard {
    static final double BLOWUP = 10, AT_CHANCE = 0.99;
    private final double chance;
    private final float lr;
    private float blownTo;
    private int blownEpoch, blownStep;       // the first step above BLOWUP x chance since the last epoch that ended below chance; 0: none

    /** @param chance the loss layer's chance level (NaN: none); @param lr the run's learning rate, for the advice */
    DivergenceGuard(double chance, float lr) {
        this.chance = chance;
        this.lr = lr;
    }

    /** Step k (0-based) of {@code steps} in an epoch, the optimizer's step {@code globalStep}, had this loss. */
    void step(int epoch, int k, int steps, long globalStep, float loss) {
        if (!Float.isFinite(loss)) {
            throw diverged(epoch, k + 1, String.format(Locale.ROOT, "training diverged at epoch %d, step %d of %d (global step %d): the loss is %s,"
                    + " so weights or gradients overflowed", epoch, k + 1, steps, globalStep, loss));
        }
        if (blownStep == 0 && loss > BLOWUP * chance) {
            blownTo = loss;
            blownEpoch = epoch;
            blownStep = k + 1;
        }
    }

    /** The end of an epoch: the losses of its {@code steps} steps, and the weights it leaves (reading them waits for the device). */
    void epochEnd(int epoch, int steps, float[] losses, List<Parameter> params, Backend b) {
        for (Parameter p : params) {
            if (!Double.isFinite(b.dot(p.value(), p.value()))) {
                throw diverged(epoch, steps, "training diverged at epoch " + epoch + ", step " + steps + " of " + steps + ": parameter "
                        + p.name() + " holds values that are not finite after the update");
            }
        }
        if (blownStep == 0) return;
        int from = steps / 2;
        double sum = 0;
        for (int i = from; i < steps; i++) sum += losses[i];
        double mean = sum / (steps - from);
        if (mean < AT_CHANCE * chance) {           // recovered: a later blow-up is judged anew
            blownStep = 0;
            return;
        }
        throw diverged(blownEpoch, blownStep, String.format(Locale.ROOT, "training diverged at epoch %d, step %d: the loss blew up to %.4g there "
                + "and the mean loss of the last %d steps of epoch %d is %.4g, no better than chance (%.4g)", blownEpoch, blownStep, blownTo,
                steps - from, epoch, mean, chance));
    }

    private TrainingDivergedException diverged(int epoch, int step, String what) {
        return new TrainingDivergedException(what + "; try a smaller --lr (this run's is " + lr + ")", epoch, step);
    }
}
