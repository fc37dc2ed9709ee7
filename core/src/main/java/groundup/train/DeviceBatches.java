package groundup.train;

import groundup.backend.Backend;
import groundup.data.Dataset;
import groundup.tensor.Shape;
import groundup.tensor.Tensor;

/**
 * A training set held by the backend for a trainer's lifetime ({@link Backend#hold}: on a GPU,
 * uploaded once) and the mini-batches gathered from it there ({@link Backend#gatherRows}): each
 * epoch's permutation goes to the device once, and a batch is the rows of the permutation at a
 * position the device keeps and advances itself, so taking one issues the same ops every step
 * and never waits for the host. Batch tensors are made once (plus once for a shorter last batch).
 */
final class DeviceBatches implements AutoCloseable {
    private final Backend b;
    private final Dataset data;
    private final int batch;
    private final Tensor images, labels, order, at, one;   // (n, sample...), (n), (n); (1) the next batch's position in order; (1) = 1
    private final float[] hostOrder;
    private Tensor x, y, tailX, tailY, current;

    /** classes: the network's outputs; a label outside [0, classes) is refused here, on the host, once. */
    DeviceBatches(Backend b, Dataset data, int batch, int classes) {
        if (data.count() > 1 << 24) {
            throw new IllegalArgumentException(data.name() + ": " + data.count() + " samples; positions are floats, exact up to 2^24 samples");
        }
        this.b = b;
        this.data = data;
        this.batch = batch;
        this.hostOrder = new float[data.count()];
        float[] l = new float[data.count()];
        for (int i = 0; i < l.length; i++) l[i] = data.labels()[i];
        Tensor im = null, lab = null, ord = null, pos = null;
        try {
            im = b.hold(data.images(), shape(data.count()));
            lab = b.allocate(Shape.of(data.count()));
            b.uploadLabels(l, 0, classes, lab);
            ord = b.allocate(Shape.of(data.count()));
            pos = b.allocate(Shape.of(1));
            this.one = b.allocate(Shape.of(1));
        } catch (RuntimeException e) {
            for (Tensor t : new Tensor[] {im, lab, ord, pos}) if (t != null) t.close();
            throw e;
        }
        this.images = im;
        this.labels = lab;
        this.order = ord;
        this.at = pos;
        b.fill(one, 1f);
    }

    private Shape shape(int n) {
        int[] d = data.sampleShape().dims(), s = new int[d.length + 1];
        s[0] = n;
        System.arraycopy(d, 0, s, 1, d.length);
        return Shape.of(s);
    }

    /** A new epoch: its permutation of the samples goes to the device, and batches start again at its beginning. */
    void start(int[] permutation) {
        for (int i = 0; i < hostOrder.length; i++) hostOrder[i] = permutation[i];
        b.upload(hostOrder, 0, order);
        b.fill(at, 0f);
    }

    /** The next m samples (m <= batch) of the epoch's permutation: their images (m, sample...); {@link #labels()} their labels. */
    Tensor next(int m) {
        if (m == batch) {
            if (x == null) { x = b.allocate(shape(m)); y = b.allocate(Shape.of(m)); }
        } else if (tailX == null || tailX.shape().rows() != m) {
            if (tailX != null) { tailX.close(); tailY.close(); }
            tailX = b.allocate(shape(m));
            tailY = b.allocate(Shape.of(m));
        }
        Tensor tx = m == batch ? x : tailX;
        current = m == batch ? y : tailY;
        b.gatherRows(images, order, at, tx);
        b.gatherRows(labels, order, at, current);
        b.axpy(m, one, at);
        return tx;
    }

    /** The labels of the last {@link #next}, (m) class indices as floats. */
    Tensor labels() { return current; }

    @Override public void close() {
        for (Tensor t : new Tensor[] {images, labels, order, at, one, x, y, tailX, tailY}) if (t != null) t.close();
    }
}
