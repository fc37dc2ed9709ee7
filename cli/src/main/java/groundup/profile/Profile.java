package groundup.profile;

import java.util.List;

/**
 * Where a training step's time goes: per layer its forward and backward (medians over the timed
 * steps, with their range), FLOPs, GFLOP/s and share of the measured peak; the loss; the
 * optimizer's update; the whole step. Written as profile.json (snake_case keys; a value that
 * does not apply, the GFLOP/s of a ReLU, is null).
 *
 * @param shares    of each row: its forward + backward median over the sum of every row's
 *                  (they add up to 1)
 * @param sumMs     the sum of every row's medians: the step as its parts add up
 * @param stepMs    the whole step timed from the first mark to the last: the parts plus the
 *                  gaps between them (host work between two spans, a device idle while the host
 *                  issues)
 */
public record Profile(String net, String backend, String backendDescription, String timer, String input, int batch, int warmupSteps,
                      int timedSteps, long seed, GemmPeak peak, List<Row> rows, double sumMs, Stat stepMs) {

    /** What a row is. */
    public enum Kind { LAYER, LOSS, OPTIMIZER }

    /**
     * One layer, the loss, or the optimizer (whose update is its backward; it has no forward).
     *
     * @param name        a short name: the layer's parameters' prefix ("conv1", "affine2") or its kind ("ReLU")
     * @param description the layer's {@link groundup.nn.Layer#describe}
     * @param gflops      (forward + backward FLOPs) / (forward + backward median); null for a memory-bound layer
     * @param peakShare   gflops over the peak; null likewise
     */
    public record Row(Kind kind, String name, String description, Stat forwardMs, Stat backwardMs, long forwardFlop, long backwardFlop,
                      double share, Double gflops, Double peakShare) {}
}
