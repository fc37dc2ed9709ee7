package groundup.train;

import groundup.backend.Backend;
import groundup.tensor.Shape;
import groundup.tensor.Tensor;

/**
 * Counts correct predictions of a batch: argmax of each score row on the device, read back,
 * compared with the host labels. Its tensors are made once per batch size (a full batch and
 * at most one shorter last batch), so counting allocates nothing in steady state.
 */
final class CorrectCounter implements AutoCloseable {
    private final Backend b;
    private final int batch;
    private float[] predicted = new float[0];
    private Tensor full, tail;

    CorrectCounter(Backend b, int batch) {
        this.b = b;
        this.batch = batch;
    }

    /** Rows of scores (m, classes) whose argmax equals labels[0..m). Waits for the device. */
    int count(Tensor scores, float[] labels, int m) {
        Tensor a;
        if (predicted.length < m) predicted = new float[m];     // made at the first count: a batch larger than its set never is
        if (m == batch) {
            if (full == null) full = b.allocate(Shape.of(m));
            a = full;
        } else {
            if (tail == null || tail.size() != m) {
                if (tail != null) tail.close();
                tail = b.allocate(Shape.of(m));
            }
            a = tail;
        }
        b.argmaxRows(scores, a);
        b.download(a, predicted, 0);
        int c = 0;
        for (int i = 0; i < m; i++) if (predicted[i] == labels[i]) c++;
        return c;
    }

    @Override public void close() {
        if (full != null) full.close();
        if (tail != null) tail.close();
    }
}
