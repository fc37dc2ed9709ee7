package groundup.nn;

import groundup.backend.Backend;
import groundup.tensor.ConvGeometry;
import groundup.tensor.Shape;
import groundup.tensor.Tensor;
import java.util.List;
import java.util.Random;

/**
 * 2-D convolution as the book does it: im2col, then one GEMM.
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
    private ConvGeometry g;
    private Tensor col, out2d, y, dout2d, dcol, dx;
    private boolean skipDx;

    public Convolution(Backend backend, int channels, int filters, int kh, int kw, int stride, int pad,
                       Init init, Random rnd, String name) {
        this.b = backend;
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

    private ConvGeometry geometry(Shape x) {
        if (x.rank() != 4 || x.dim(1) != channels) {
            throw new IllegalArgumentException("Convolution " + describe() + ": input " + x + " is not (N, " + channels + ", H, W)");
        }
        return ConvGeometry.of(x, kh, kw, stride, pad);
    }

    @Override public Shape outputShape(Shape input) {
        ConvGeometry gg = geometry(input);
        return Shape.of(gg.n(), filters, gg.outH(), gg.outW());
    }

    @Override public Tensor forward(Tensor x, Mode mode) {
        g = geometry(x.shape());
        int n = g.n(), spatial = g.outH() * g.outW();
        col = Buffers.ensure(b, col, g.colShape());
        out2d = Buffers.ensure(b, out2d, Shape.of(n * spatial, filters));
        y = Buffers.ensure(b, y, Shape.of(n, filters, g.outH(), g.outW()));
        b.im2col(x, g, col);
        b.gemm(false, true, 1f, col, w.value(), 0f, out2d);
        b.addRowVector(out2d, bias.value(), out2d);
        b.batchedTranspose(out2d, n, spatial, filters, y);
        return y;
    }

    @Override public Tensor backward(Tensor dy) {
        int n = g.n(), spatial = g.outH() * g.outW();
        dout2d = Buffers.ensure(b, dout2d, Shape.of(n * spatial, filters));
        b.batchedTranspose(dy, n, filters, spatial, dout2d);
        b.sumRows(dout2d, bias.grad());
        b.gemm(true, false, 1f, dout2d, col, 0f, w.grad());
        if (skipDx) return null;
        dcol = Buffers.ensure(b, dcol, g.colShape());
        dx = Buffers.ensure(b, dx, g.inputShape());
        b.gemm(false, false, 1f, dout2d, w.value(), 0f, dcol);
        b.col2im(dcol, g, dx);
        return dx;
    }

    @Override public List<Parameter> parameters() { return List.of(w, bias); }

    @Override public void skipInputGradient() { skipDx = true; }

    /** (filters, channels, kh, kw): how the rows of the (filters, channels*kh*kw) weight matrix read as kernels. */
    public Shape kernelShape() { return Shape.of(filters, channels, kh, kw); }

    @Override public String describe() {
        return "Convolution " + filters + "x" + channels + "x" + kh + "x" + kw + " stride " + stride + " pad " + pad;
    }

    @Override public void close() { Buffers.close(col, out2d, y, dout2d, dcol, dx, w.value(), w.grad(), bias.value(), bias.grad()); }
}
