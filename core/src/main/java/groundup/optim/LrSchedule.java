package groundup.optim;

import java.util.Arrays;
import java.util.Locale;

/**
 * How the learning rate moves over a run. The book keeps it constant; cosine annealing
 * (Loshchilov and Hutter, "SGDR", 2017, without restarts) lowers it from the base rate
 * towards zero along half a cosine over the run's steps, which damps the epoch-to-epoch
 * wobble of the test accuracy at the end of a run (see docs/benchmarks.md).
 */
public enum LrSchedule {
    CONSTANT,
    COSINE;

    /**
     * The rate of step {@code t} (1-based) of a run of {@code total} steps. Cosine gives the
     * base rate at step 1 and base*(1 + cos(pi*(total-1)/total))/2 (small, not zero) at the
     * last; steps past {@code total} keep that last rate.
     */
    public float rate(float base, long t, long total) {
        if (t < 1) throw new IllegalArgumentException("step " + t + " must be 1 or more");
        return switch (this) {
            case CONSTANT -> base;
            case COSINE -> {
                if (total < 1) throw new IllegalArgumentException("cosine schedule over " + total + " steps: must be 1 or more");
                double progress = (Math.min(t, total) - 1) / (double) total;
                yield (float) (base * 0.5 * (1 + Math.cos(Math.PI * progress)));
            }
        };
    }

    public String id() { return name().toLowerCase(Locale.ROOT); }

    public static LrSchedule parse(String name) {
        try {
            return valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown learning-rate schedule '" + name + "'; choose one of "
                    + Arrays.stream(values()).map(LrSchedule::id).toList());
        }
    }
}
