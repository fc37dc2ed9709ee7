package groundup.nn;

import groundup.backend.Backend;
import groundup.tensor.Shape;
import groundup.tensor.Tensor;

/**
 * Inverted dropout: in training, each unit is zeroed with probability {@code ratio} and the
 * survivors are scaled by 1/(1-ratio); at inference the layer is the identity. (The book
 * scales by (1-ratio) at inference instead; both give the same expected activations, the
 * inverted form keeps inference free of the ratio.) The mask is a pure function of
 * (trainer seed, step, layer, index), so a run replays exactly and every backend draws the same mask.
 */
public final class Dropout implements Layer {
    private final Backend b;
    private final float ratio;
    private final long stream;
    private long step;
    private boolean dropped;
    private Tensor mask, y, dx;

    /** {@code stream} tells apart the dropout layers of one network (their index). */
    public Dropout(Backend b, float ratio, long stream) {
        if (!(ratio >= 0 && ratio < 1)) throw new IllegalArgumentException("Dropout ratio " + ratio + " must be in [0, 1)");
        this.b = b;
        this.ratio = ratio;
        this.stream = stream;
    }

    @Override public Shape outputShape(Shape input) { return input; }

    @Override public void reseed(long step) { this.step = step; }

    @Override public Tensor forward(Tensor x, Mode mode) {
        dropped = mode == Mode.TRAIN && ratio > 0;
        y = Buffers.ensure(b, y, x.shape());
        if (!dropped) {                 // the identity, into a tensor of ours: a layer never hands out its input
            b.copy(x, y);
            return y;
        }
        mask = Buffers.ensure(b, mask, x.shape());
        b.dropout(x, ratio, step * 0x9E3779B97F4A7C15L + stream, mask, y);
        return y;
    }

    @Override public Tensor backward(Tensor dy) {
        dx = Buffers.ensure(b, dx, dy.shape());
        if (dropped) b.mul(dy, mask, dx);
        else b.copy(dy, dx);
        return dx;
    }

    @Override public String describe() { return "Dropout " + ratio; }

    /** No: its mask's seed is a value from the host, new every step. */
    @Override public boolean recordable() { return false; }

    @Override public void close() { Buffers.close(mask, y, dx); }
}
