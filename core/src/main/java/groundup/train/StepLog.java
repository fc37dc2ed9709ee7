package groundup.train;

import groundup.backend.Backend;
import groundup.tensor.Shape;
import groundup.tensor.Tensor;

/**
 * What the steps of an epoch leave on the device for the host to read when it chooses: each
 * step's loss, in a row of its own at a position the device keeps and advances itself, so that
 * recording issues the same ops every step and never waits. Its tensors are made once per
 * epoch length.
 */
final class StepLog implements AutoCloseable {
    private final Backend b;
    private final Tensor at, one;          // (1): the next step's row; the constant 1 that advances it
    private Tensor losses;                 // (steps)
    private float[] host;

    StepLog(Backend b) {
        this.b = b;
        this.at = b.allocate(Shape.of(1));
        this.one = b.allocate(Shape.of(1));
        b.fill(one, 1f);
    }

    /** A new epoch of {@code steps} steps: recording starts again at row 0. */
    void start(int steps) {
        if (losses == null || losses.size() != steps) {
            if (losses != null) losses.close();
            losses = b.allocate(Shape.of(steps));
            host = new float[steps];
        }
        b.fill(at, 0f);
    }

    /** Records a step's loss (1) in the next row. */
    void record(Tensor loss) {
        b.putRows(loss, at, losses);
        b.axpy(1f, one, at);
    }

    /** Every step's loss so far this epoch (rows not yet recorded hold stale values); waits for the device. */
    float[] losses() {
        b.download(losses, host, 0);
        return host;
    }

    @Override public void close() {
        at.close();
        one.close();
        if (losses != null) losses.close();
    }
}
