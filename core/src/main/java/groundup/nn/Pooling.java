package groundup.nn;

import groundup.backend.Backend;
import groundup.tensor.ConvGeometry;
import groundup.tensor.Shape;
import groundup.tensor.Tensor;

/** Max pooling over (ph, pw) windows; backward routes each gradient to its window's winner. */
public final class Pooling implements Layer {
    private final Backend b;
    private final int ph, pw, stride, pad;
    private ConvGeometry g;
    private Tensor y, argmax, dx;
    private boolean kept = true;          // whether the last forward kept the winners (not so a fused inference forward)

    public Pooling(Backend b, int ph, int pw, int stride, int pad) {
        this.b = b;
        this.ph = ph;
        this.pw = pw;
        this.stride = stride;
        this.pad = pad;
    }

    @Override public Shape outputShape(Shape input) { return geometry(input).pooledShape(); }

    /** This layer's window over an input of shape x. */
    ConvGeometry geometry(Shape input) {
        if (input.rank() != 4) throw new IllegalArgumentException(describe() + ": input " + input + " is not (N, C, H, W)");
        return ConvGeometry.of(input, ph, pw, stride, pad);
    }

    @Override public Tensor forward(Tensor x, Mode mode) {
        g = geometry(x.shape());
        kept = true;
        y = Buffers.ensure(b, y, g.pooledShape());
        argmax = Buffers.ensure(b, argmax, g.pooledShape());
        b.maxPool(x, g, y, argmax);
        return y;
    }

    /**
     * conv, a ReLU and this pooling in one ({@link Convolution#forwardReluPool}): what
     * {@link Sequential} runs for the three in a row. The pooled output and argmax stay this
     * layer's; pair it with {@link #backwardAfter}. In {@link Mode#INFERENCE} no backward
     * follows, so the winners are not kept (finding and storing them is about a quarter of the
     * CPU's 2x2 pooling; DeepConvNet's inference forward at batch 1,000: 216 against 228 ms).
     */
    Tensor forwardAfter(Convolution conv, Tensor x, Mode mode) {
        g = geometry(conv.outputShape(x.shape()));
        y = Buffers.ensure(b, y, g.pooledShape());
        kept = mode == Mode.TRAIN;
        if (kept) argmax = Buffers.ensure(b, argmax, g.pooledShape());
        conv.forwardReluPool(x, g, y, kept ? argmax : null);
        return y;
    }

    /** The backward of {@link #forwardAfter}: dL/d(conv's input), or null for a first layer. */
    Tensor backwardAfter(Convolution conv, Tensor dy) {
        requireKept();
        return conv.backwardReluPool(g, y, argmax, dy);
    }

    private void requireKept() {
        if (!kept) {
            throw new IllegalStateException(describe() + ": backward after an inference-mode forward, which keeps no winners "
                    + "of the pooling; run the forward in training mode");
        }
    }

    @Override public Tensor backward(Tensor dy) {
        requireKept();
        dx = Buffers.ensure(b, dx, g.inputShape());
        b.maxPoolBackward(dy, argmax, g, dx);
        return dx;
    }

    @Override public String describe() { return "MaxPool " + ph + "x" + pw + " stride " + stride + (pad > 0 ? " pad " + pad : ""); }

    @Override public void close() { Buffers.close(y, argmax, dx); }
}
