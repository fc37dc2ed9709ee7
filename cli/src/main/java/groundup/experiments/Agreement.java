package groundup.experiments;

import java.util.Locale;

/**
 * Whether a variant trains as the reference does, within float32 tolerance. Two correct float32
 * backends do not give the same run for long: their sums run in other orders (a GPU also fuses
 * multiplies and adds), and training amplifies those rounding differences until the runs are two
 * samples of one process. So, as CudaParityTest's SimpleConvNet test:
 * <ol>
 * <li>the first {@link #TIGHT} steps: the loss within {@link #LOSS_TOLERANCE} relative (of
 *     max(1, |loss|)), and the parameter drift within {@link #ENVELOPE_FACTOR_DRIFT} times the
 *     control's, or {@link #DRIFT_FLOOR}, whichever is larger: rounding has not been amplified
 *     yet, and a wrong gradient or update shows from step 1 on;</li>
 * <li>after that, the mean loss of each window of {@link #WINDOW} steps within what rounding alone
 *     does to the reference: the control run (its first batch perturbed by one part in 10^6)
 *     gives the envelope; a variant may stray {@link #ENVELOPE_FACTOR} times that, or 2% of the
 *     window's loss plus 0.001, whichever is larger.</li>
 * </ol>
 */
public final class Agreement {
    public static final int TIGHT = 10, WINDOW = 10;
    public static final double LOSS_TOLERANCE = 1e-4, ENVELOPE_FACTOR = 4;
    /**
     * Why 100 and 1e-5 (simple-cnn on the synthetic bars, batch 50; drift at steps 1 and 10):
     * the control 1.1e-7 and 1.9e-5 under Adam, 3.0e-8 and 5.7e-8 under SGD lr 0.1; oneDNN's
     * convolution 1.2e-7 and 2.2e-5 (Adam), 6.2e-7 and 4.2e-7 (SGD): up to 20 times the control
     * where the loss is flat, since the control differs at step 1 only and another backend at
     * every step. One layer's gradient 1% off (PlantedBackend) drifts 1.6e-4 at step 1 (Adam,
     * affine weights), 2.9e-5 at step 1 and 8.5e-5 at step 3 (SGD), 1e-2 (SGD, max pooling).
     */
    public static final double ENVELOPE_FACTOR_DRIFT = 100, DRIFT_FLOOR = 1e-5;

    /** The rule in one paragraph, for the output. */
    public static final String RULE = String.format(Locale.ROOT, "agree: over the first %d steps the loss within %.0e relative of the "
            + "reference's and the parameter drift (max over tensors of ||p - p_ref|| / ||p_ref||) within max(%.0f x the control's, %.0e); "
            + "after that the mean loss of each window of %d steps within max(%.0f x the control's distance, 2%% + 0.001). Why: two correct "
            + "float32 backends sum in other orders, and training amplifies that rounding until the runs are two samples of one process; the "
            + "control (the reference with its first batch scaled by 1 + 1e-6, about 16 ulps) shows how far rounding alone takes a run.",
            TIGHT, LOSS_TOLERANCE, ENVELOPE_FACTOR_DRIFT, DRIFT_FLOOR, WINDOW, ENVELOPE_FACTOR);

    /** agree, and why not (the first step or window that failed) or on what it agreed. */
    public record Verdict(boolean agree, String why) {
        public static Verdict of(boolean agree, String why) { return new Verdict(agree, why); }
    }

    private Agreement() {}

    /** A variant's loss and drift per step against the reference's loss and the control's. */
    public static Verdict judge(double[] reference, double[] control, double[] controlDrift, double[] loss, double[] drift) {
        int tight = Math.min(TIGHT, reference.length);
        for (int s = 0; s < tight; s++) {
            double allowed = LOSS_TOLERANCE * Math.max(1, Math.abs(reference[s]));
            if (!(Math.abs(loss[s] - reference[s]) <= allowed)) {
                return Verdict.of(false, String.format(Locale.ROOT, "step %d: loss %.6f, the reference's %.6f (allowed %.1e)", s + 1, loss[s],
                        reference[s], allowed));
            }
            double allowedDrift = Math.max(ENVELOPE_FACTOR_DRIFT * controlDrift[s], DRIFT_FLOOR);
            if (!(drift[s] <= allowedDrift)) {
                return Verdict.of(false, String.format(Locale.ROOT, "step %d: parameter drift %.2e > %.2e (the control's %.2e)", s + 1, drift[s],
                        allowedDrift, controlDrift[s]));
            }
        }
        double widest = 0;
        for (int w = tight; w + WINDOW <= reference.length; w += WINDOW) {
            double r = mean(reference, w), v = mean(loss, w), envelope = Math.abs(mean(control, w) - r);
            double allowed = Math.max(ENVELOPE_FACTOR * envelope, 0.02 * r + 1e-3);
            if (!(Math.abs(v - r) <= allowed)) {
                return Verdict.of(false, String.format(Locale.ROOT, "steps %d-%d: mean loss %.5f, the reference's %.5f, apart by more than %.5f "
                        + "(rounding's envelope %.5f)", w + 1, w + WINDOW, v, r, allowed, envelope));
            }
            widest = Math.max(widest, Math.abs(v - r) / allowed);
        }
        return Verdict.of(true, String.format(Locale.ROOT, "steps 1-%d within %.0e, drift %.1e at step %d; later windows at most %.0f%% of "
                + "their allowance", tight, LOSS_TOLERANCE, drift[tight - 1], tight, 100 * widest));
    }

    private static double mean(double[] v, int from) {
        double s = 0;
        for (int i = from; i < from + WINDOW; i++) s += v[i];
        return s / WINDOW;
    }
}
