package groundup.train;

import groundup.backend.Backend;
import groundup.data.Dataset;
import groundup.tensor.Shape;
import groundup.tensor.Tensor;

/**
 * Moves mini-batches from a host {@link Dataset} to the backend: gathers the samples of an
 * index range into one host array and uploads it. The host arrays and the tensors are made
 * once (plus once more for a smaller last batch), so a training step allocates nothing.
 */
final class Batcher implements AutoCloseable {
    private final Backend b;
    private final Dataset data;
    private final int batch, per, classes;
    private final float[] hostX, hostY;
    private Tensor x, y, tailX, tailY;

    /** classes: the network's outputs; a label outside [0, classes) is an error on upload. */
    Batcher(Backend b, Dataset data, int batch, int classes) {
        this.b = b;
        this.classes = classes;
        this.data = data;
        this.batch = batch;
        this.per = data.sampleShape().size();
        int most = Math.min(batch, data.count());       // no batch holds more than the set
        this.hostX = new float[most * per];
        this.hostY = new float[most];
    }

    private Shape shape(int n) {
        int[] d = data.sampleShape().dims(), s = new int[d.length + 1];
        s[0] = n;
        System.arraycopy(d, 0, s, 1, d.length);
        return Shape.of(s);
    }

    /** Loads samples order[start .. start+n) (n <= batch); returns the images, {@link #labels()} the labels. */
    Tensor load(int[] order, int start, int n) {
        float[] images = data.images();
        int[] labels = data.labels();
        for (int i = 0; i < n; i++) {
            int s = order == null ? start + i : order[start + i];
            System.arraycopy(images, s * per, hostX, i * per, per);
            hostY[i] = labels[s];
        }
        if (n == batch) {
            if (x == null) { x = b.allocate(shape(n)); y = b.allocate(Shape.of(n)); }
        } else if (tailX == null || tailX.shape().rows() != n) {
            if (tailX != null) { tailX.close(); tailY.close(); }
            tailX = b.allocate(shape(n));
            tailY = b.allocate(Shape.of(n));
        }
        Tensor tx = n == batch ? x : tailX, ty = n == batch ? y : tailY;
        b.upload(hostX, 0, tx);
        b.uploadLabels(hostY, 0, classes, ty);
        current = ty;
        return tx;
    }

    private Tensor current;

    /** The labels of the last {@link #load}, (n) class indices as floats. */
    Tensor labels() { return current; }

    /** The host copy of the last loaded labels. */
    float[] hostLabels() { return hostY; }

    @Override public void close() {
        for (Tensor t : new Tensor[] {x, y, tailX, tailY}) if (t != null) t.close();
    }
}
