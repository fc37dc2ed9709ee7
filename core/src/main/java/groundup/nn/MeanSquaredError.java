package groundup.nn;

import groundup.backend.Backend;
import groundup.tensor.Shape;
import groundup.tensor.Tensor;

/**
 * L = 0.5 * sum((y - t)^2) / N over a batch of N rows: the book's mean_squared_error
 * averaged over the batch so that it scales like the cross-entropy. Targets have y's shape
 * (one-hot rows for classification). dL/dy = (y - t) / N.
 */
public final class MeanSquaredError implements LossLayer {
    private final Backend b;
    private final Tensor loss;
    private final float[] host = new float[1];
    private Tensor diff, dx;

    public MeanSquaredError(Backend b) {
        this.b = b;
        this.loss = b.allocate(Shape.of(1));
    }

    @Override public Tensor forward(Tensor y, Tensor t) {
        if (!y.shape().equals(t.shape())) {
            throw new IllegalArgumentException("MeanSquaredError: scores " + y.shape() + " and targets " + t.shape() + " differ");
        }
        diff = Buffers.ensure(b, diff, y.shape());
        b.copy(y, diff);
        b.axpy(-1f, t, diff);
        host[0] = (float) (0.5 * b.dot(diff, diff) / y.shape().rows());
        b.upload(host, 0, loss);
        return loss;
    }

    @Override public Tensor backward() {
        dx = Buffers.ensure(b, dx, diff.shape());
        b.scale(1f / diff.shape().rows(), diff, dx);
        return dx;
    }

    @Override public String describe() { return "MeanSquaredError"; }

    /** No: its forward reads the sum back to the host and uploads the loss. */
    @Override public boolean recordable() { return false; }

    @Override public void close() { Buffers.close(loss, diff, dx); }
}
