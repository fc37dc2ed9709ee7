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
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;
    private final Backend b;
    private final float ratio;
    private final long stream;
    private long seed;                     // the mask's seed, but for the count of steps in step (DropoutHash.seed)
    private Tensor step;                   // (1) a count of steps: the trainer's, or our own zero for a seed from the host
    private Tensor zero;
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

    /** The mask's seed is step * golden + stream, all of it from the host (a zero count on the device). */
    @Override public void reseed(long step) {
        if (zero == null) zero = b.allocate(Shape.of(1));
        this.seed = step * GOLDEN + stream;
        this.step = zero;
    }

    /** (seed * golden + count) * golden + stream, as {@link #reseed(long)} for that count: the count's part taken on the device. */
    @Override public void reseed(long seed, Tensor step) {
        this.seed = seed * GOLDEN * GOLDEN + stream;
        this.step = step;
    }

    @Override public Tensor forward(Tensor x, Mode mode) {
        dropped = mode == Mode.TRAIN && ratio > 0;
        y = Buffers.ensure(b, y, x.shape());
        if (!dropped) {                 // the identity, into a tensor of ours: a layer never hands out its input
            b.copy(x, y);
            return y;
        }
        mask = Buffers.ensure(b, mask, x.shape());
        if (step == null) reseed(0);
        b.dropout(x, ratio, seed, step, mask, y);
        return y;
    }

    @Override public Tensor backward(Tensor dy) {
        dx = Buffers.ensure(b, dx, dy.shape());
        if (dropped) b.mul(dy, mask, dx);
        else b.copy(dy, dx);
        return dx;
    }

    /** The mask (0 or 1/(1-ratio) per unit) of the last forward; null if that forward passed x through. */
    Tensor mask() { return dropped ? mask : null; }

    @Override public String describe() { return "Dropout " + ratio; }

    /** Only where the count of steps is on the device ({@link #reseed(long, Tensor)}): a seed from the host is new every step. */
    @Override public boolean recordable() { return step != null && step != zero; }

    @Override public void close() { Buffers.close(mask, y, dx, zero); }
}
