package groundup.train;

/**
 * Training went wrong beyond recovery ({@link DivergenceGuard} says how it is told); the message
 * names the epoch and step and what was seen there. Nothing of that epoch was saved.
 */
public class TrainingDivergedException extends RuntimeException {
    private final int epoch, step;

    /** @param step the step within the epoch (1-based) where it was seen */
    public TrainingDivergedException(String message, int epoch, int step) {
        super(message);
        this.epoch = epoch;
        this.step = step;
    }

    /** A copy whose message has {@code more} after it: what a caller adds of its own (where the last good checkpoint is). */
    public TrainingDivergedException withNote(String more) {
        TrainingDivergedException e = new TrainingDivergedException(getMessage() + more, epoch, step);
        e.setStackTrace(getStackTrace());
        return e;
    }

    public int epoch() { return epoch; }

    public int step() { return step; }
}
