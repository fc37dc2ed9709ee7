package groundup.nn;

import groundup.backend.Backend;
import groundup.backend.Convolver;
import groundup.backend.Precision;
import groundup.tensor.ConvGeometry;
import groundup.tensor.Shape;
import groundup.tensor.Tensor;
import java.util.List;
import java.util.Random;

/**
 * 2-D convolution. The backend computes it ({@link Backend#convolver}); its oracle is the
 * book's way, im2col then one GEMM ({@link groundup.backend.Im2colConvolver}):
 * <pre>
 * col   (N*OH*OW, C*KH*KW) = im2col(x)
 * out2d (N*OH*OW, FN)      = col W^T + b          W is (FN, C*KH*KW), the book's (FN, C, KH, KW)
 * y     (N, FN, OH, OW)    = out2d seen as (N, OH*OW, FN), each image transposed
 * </pre>
 * Backward runs the same steps in reverse: dW = dout2d^T col, dcol = dout2d W, dx = col2im(dcol).
 */
public final class Convolution implements Layer {
    private final Backend b;
    private final int channels, filters, kh, kw, stride, pad;
    private final Parameter w, bias;
    private final Precision precision;              // of the products' inputs ({@link Backend#convolver(ConvGeometry, int, Precision)})
    private Convolver conv;
    private Tensor x, y, dx;
    private boolean skipDx;
    private Fused fused = Fused.NONE;

    public Convolution(Backend backend, int channels, int filters, int kh, int kw, int stride, int pad,
                       Init init, Random rnd, String name) {
        this(backend, channels, filters, kh, kw, stride, pad, init, rnd, name, Precision.FP32);
    }

    public Convolution(Backend backend, int channels, int filters, int kh, int kw, int stride, int pad,
                       Init init, Random rnd, String name, Precision precision) {
        this.b = backend;
        this.precision = precision;
        this.channels = channels;
        this.filters = filters;
        this.kh = kh;
        this.kw = kw;
        this.stride = stride;
        this.pad = pad;
        int fanIn = channels * kh * kw;
        Tensor wv = backend.allocate(Shape.of(filters, fanIn));
        backend.upload(init.sample(rnd, filters * fanIn, fanIn), 0, wv);
        this.w = new Parameter(name + ".W", wv, backend.allocate(Shape.of(filters, fanIn)), true);
        this.bias = new Parameter(name + ".b", backend.allocate(Shape.of(filters)), backend.allocate(Shape.of(filters)), false);
    }

    /** This layer's window over an input of shape x. */
    ConvGeometry geometry(Shape x) {
        if (x.equals(lastInput)) return lastGeometry;      // the same batch shape as last time: nothing made
        if (x.rank() != 4 || x.dim(1) != channels) {
            throw new IllegalArgumentException("Convolution " + describe() + ": input " + x + " is not (N, " + channels + ", H, W)");
        }
        ConvGeometry gg = ConvGeometry.of(x, kh, kw, stride, pad);
        lastOutput = Shape.of(gg.n(), filters, gg.outH(), gg.outW());
        lastInput = x;
        return lastGeometry = gg;
    }

    private Shape lastInput, lastOutput;                    // geometry's last input, and the output shape it gives
    private ConvGeometry lastGeometry;

    @Override public Shape outputShape(Shape input) {
        geometry(input);
        return lastOutput;
    }

    /** What the last forward ran: its backward must be the same kind. */
    private enum Fused { NONE, RELU, RELU_POOL }

    @Override public Tensor forward(Tensor x, Mode mode) {
        prepare(x, Fused.NONE);
        y = Buffers.ensure(b, y, outputShape(x.shape()));
        conv.forward(x, w.value(), bias.value(), y);
        return y;
    }

    /**
     * This layer and a ReLU after it: max(conv(x) + b, 0), in one pass over the output where
     * the backend can ({@link Convolver#forwardRelu}). What a fused {@link ConvBlock} without a
     * pooling runs; pair it with {@link #backwardRelu}.
     */
    Tensor forwardRelu(Tensor x) {
        prepare(x, Fused.RELU);
        y = Buffers.ensure(b, y, outputShape(x.shape()));
        conv.forwardRelu(x, w.value(), bias.value(), y);
        return y;
    }

    /**
     * This layer, a ReLU and a max pooling of geometry {@code pool} into yp and argmax (the
     * block's buffers; argmax null: no winners kept, no backward to follow):
     * {@link Convolver#forwardReluPool}. What a fused {@link ConvBlock} with a pooling runs; pair
     * it with {@link #backwardReluPool}.
     */
    void forwardReluPool(Tensor x, ConvGeometry pool, Tensor yp, Tensor argmax) {
        prepare(x, Fused.RELU_POOL);
        conv.forwardReluPool(x, w.value(), bias.value(), pool, yp, argmax);
    }

    private void prepare(Tensor x, Fused fused) {
        ConvGeometry gx = geometry(x.shape());
        if (conv == null || !conv.geometry().equals(gx)) {     // a new batch size: a convolver of its own, made once
            if (conv != null) conv.close();
            conv = b.convolver(gx, filters, precision);
        }
        this.x = x;
        this.fused = fused;
    }

    @Override public Tensor backward(Tensor dy) {
        expect(Fused.NONE);
        conv.backward(x, w.value(), dy, w.grad(), bias.grad(), dx());
        return dx;
    }

    /** From dL/d(ReLU's output) of the last {@link #forwardRelu}: this layer's and the ReLU's backward. */
    Tensor backwardRelu(Tensor dy) {
        expect(Fused.RELU);
        conv.backwardRelu(x, w.value(), y, dy, w.grad(), bias.grad(), dx());
        return dx;
    }

    /** From dL/d(pooled output) of the last {@link #forwardReluPool}, with its yp and argmax: the three layers' backward. */
    Tensor backwardReluPool(ConvGeometry pool, Tensor yp, Tensor argmax, Tensor dyp) {
        expect(Fused.RELU_POOL);
        conv.backwardReluPool(x, w.value(), pool, yp, argmax, dyp, w.grad(), bias.grad(), dx());
        return dx;
    }

    private void expect(Fused kind) {
        if (fused != kind) {
            throw new IllegalStateException("Convolution " + describe() + ": a backward for " + kind + " after a forward for " + fused
                    + " (forward, forwardRelu and forwardReluPool each pair with their own backward)");
        }
    }

    /** dx's buffer, or null (and dx null) for a first layer. */
    private Tensor dx() {
        if (skipDx) return dx = null;
        if (dx != null && conv.geometry().takes(dx.shape())) return dx;
        return dx = Buffers.ensure(b, dx, conv.geometry().inputShape());
    }

    @Override public List<Parameter> parameters() { return List.of(w, bias); }

    @Override public void skipInputGradient() { skipDx = true; }

    /** (filters, channels, kh, kw): how the rows of the (filters, channels*kh*kw) weight matrix read as kernels. */
    public Shape kernelShape() { return Shape.of(filters, channels, kh, kw); }

    @Override public String describe() {
        return "Convolution " + filters + "x" + channels + "x" + kh + "x" + kw + " stride " + stride + " pad " + pad
                + (precision == Precision.FP32 ? "" : " " + precision);
    }

    @Override public void close() {
        if (conv != null) conv.close();
        Buffers.close(y, dx, w.value(), w.grad(), bias.value(), bias.grad());
    }
}
