package groundup.train;

import groundup.backend.Backend;
import groundup.tensor.Shape;
import groundup.tensor.Tensor;

/**
 * What the steps of an epoch leave on the device for the host to read when it chooses: each
 * step's loss and its number of correct predictions, in a row of their own at a position the
 * device keeps and advances itself ({@link Backend#putRows}), so that recording issues the same
 * ops every step and never waits. Its tensors are made once per epoch length and batch size.
 */
final class StepLog implements AutoCloseable {
    private final Backend b;
    private final Tensor at, one, count;   // (1): the next step's row; the constant 1 that advances it; a step's correct predictions
    private Tensor losses, corrects;       // (steps) each
    private Tensor predicted, tail;        // (batch) and (a shorter last batch): argmax of the scores
    private float[] hostLosses, hostCorrects;

    StepLog(Backend b) {
        this.b = b;
        this.at = b.allocate(Shape.of(1));
        this.one = b.allocate(Shape.of(1));
        this.count = b.allocate(Shape.of(1));
        b.fill(one, 1f);
    }

    /** A new epoch of {@code steps} steps: recording starts again at row 0. */
    void start(int steps) {
        if (losses == null || losses.size() != steps) {
            if (losses != null) { losses.close(); corrects.close(); }
            losses = b.allocate(Shape.of(steps));
            corrects = b.allocate(Shape.of(steps));
            hostLosses = new float[steps];
            hostCorrects = new float[steps];
        }
        b.fill(at, 0f);
    }

    /** Records a step: its loss (1), and how many rows of its scores (m, classes) have their largest score at the label (m). */
    void record(Tensor loss, Tensor scores, Tensor labels) {
        int m = labels.size();
        Tensor p;
        if (predicted == null || predicted.size() == m) {
            if (predicted == null) predicted = b.allocate(Shape.of(m));
            p = predicted;
        } else {
            if (tail == null || tail.size() != m) {
                if (tail != null) tail.close();
                tail = b.allocate(Shape.of(m));
            }
            p = tail;
        }
        b.putRows(loss, at, losses);
        b.argmaxRows(scores, p);
        b.countEqual(p, labels, count);
        b.putRows(count, at, corrects);
        b.axpy(1f, one, at);
    }

    /** Reads every row of the epoch so far (those not yet recorded hold stale values): waits for the device. */
    void read() {
        b.download(losses, hostLosses, 0);
        b.download(corrects, hostCorrects, 0);
    }

    /** The losses of the last {@link #read}, one per step. */
    float[] losses() { return hostLosses; }

    /** The correct predictions of the last {@link #read}, one per step. */
    float[] corrects() { return hostCorrects; }

    @Override public void close() {
        for (Tensor t : new Tensor[] {at, one, count, losses, corrects, predicted, tail}) if (t != null) t.close();
    }
}
