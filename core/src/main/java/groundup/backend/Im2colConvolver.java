package groundup.backend;

import groundup.tensor.ConvGeometry;
import groundup.tensor.Shape;
import groundup.tensor.Tensor;

/**
 * The book's convolution from a backend's primitives (chapter 7): col = im2col(x)
 * (N*OH*OW, C*kh*kw); out = col . w^T + b (N*OH*OW, F); y = out transposed per image to
 * (N, F, OH, OW). Backward: dout = dy transposed back; db = column sums; dw = dout^T . col;
 * dx = col2im(dout . w). The whole column matrix is kept from forward for backward.
 *
 * <p>A backend that can do the work after the GEMM in one pass (bias, ReLU and pooling read
 * straight from out, and their backward written straight into dout) extends it and overrides
 * {@link #forwardReluPool} and {@link #backwardReluPool}, with {@link #columns} and
 * {@link #backwardFromColumns} for the parts they share.
 */
public class Im2colConvolver implements Convolver {
    private final Backend b;
    private final ConvGeometry g;
    private final int filters, spatial;
    private final Precision precision;        // of the three GEMMs' inputs
    private final Tensor col, out2d, dout2d;
    private Tensor dcol, relu, dyMasked;      // relu and dyMasked: only where the ReLU is fused
    private final ComposedReluPool reluPool;

    public Im2colConvolver(Backend b, ConvGeometry g, int filters) { this(b, g, filters, Precision.FP32); }

    /** The GEMMs in {@code precision} ({@link Backend#gemm(Precision, boolean, boolean, float, Tensor, Tensor, float, Tensor)}). */
    public Im2colConvolver(Backend b, ConvGeometry g, int filters, Precision precision) {
        this.b = b;
        this.precision = precision;
        this.g = g;
        this.filters = filters;
        this.spatial = g.outH() * g.outW();
        this.col = b.allocate(g.colShape());
        this.out2d = b.allocate(Shape.of(g.n() * spatial, filters));
        this.dout2d = b.allocate(Shape.of(g.n() * spatial, filters));
        this.reluPool = new ComposedReluPool(b, this);
    }

    @Override public ConvGeometry geometry() { return g; }

    @Override public int filters() { return filters; }

    /** out (N*OH*OW, F) = im2col(x) . w^T, no bias: the GEMM's output, one row per output position, filters along it. */
    protected final Tensor columns(Tensor x, Tensor w) {
        b.im2col(x, g, col);
        b.gemm(precision, false, true, 1f, col, w, 0f, out2d);
        return out2d;
    }

    /** dout (N*OH*OW, F), laid out as {@link #columns}' out, for a subclass to fill before {@link #backwardFromColumns}. */
    protected final Tensor columnsGradient() { return dout2d; }

    /** From dout ({@link #columnsGradient}, filled) and the last forward's columns: db, dw, and dx unless it is null. */
    protected final void backwardFromColumns(Tensor w, Tensor dw, Tensor db, Tensor dx) {
        b.sumRows(dout2d, db);
        b.gemm(precision, true, false, 1f, dout2d, col, 0f, dw);
        if (dx == null) return;
        if (dcol == null) dcol = b.allocate(g.colShape());     // only where dx is wanted: not for a first layer
        b.gemm(precision, false, false, 1f, dout2d, w, 0f, dcol);
        b.col2im(dcol, g, dx);
    }

    @Override public void forward(Tensor x, Tensor w, Tensor bias, Tensor y) {
        Checks.convolution(b, g, filters, x, w, bias, y);
        columns(x, w);
        b.addRowVector(out2d, bias, out2d);
        b.batchedTranspose(out2d, g.n(), spatial, filters, y);
    }

    @Override public void backward(Tensor x, Tensor w, Tensor dy, Tensor dw, Tensor db, Tensor dx) {
        Checks.convolutionBackward(b, g, filters, x, w, dy, dw, db, dx);
        b.batchedTranspose(dy, g.n(), filters, spatial, dout2d);
        backwardFromColumns(w, dw, db, dx);
    }

    /** forward with the ReLU on out2d, before the transpose: the backend's own ReLU kernel. */
    @Override public void forwardRelu(Tensor x, Tensor w, Tensor bias, Tensor y) {
        Checks.convolution(b, g, filters, x, w, bias, y);
        columns(x, w);
        b.addRowVector(out2d, bias, out2d);
        if (relu == null) relu = b.allocate(out2d.shape());
        b.activation(Activation.RELU, out2d, relu);
        b.batchedTranspose(relu, g.n(), spatial, filters, y);
    }

    /** dy masked by the backend's own ReLU backward (from y: positive exactly where its input is), then backward. */
    @Override public void backwardRelu(Tensor x, Tensor w, Tensor y, Tensor dy, Tensor dw, Tensor db, Tensor dx) {
        Checks.convolutionBackward(b, g, filters, x, w, dy, dw, db, dx);
        Checks.elementwise(b, "convolution backwardRelu (y, dy)", y, dy);
        if (dyMasked == null) dyMasked = b.allocate(dy.shape());
        b.activationBackward(Activation.RELU, y, dy, dyMasked);
        backward(x, w, dyMasked, dw, db, dx);
    }

    @Override public void forwardReluPool(Tensor x, Tensor w, Tensor bias, ConvGeometry pool, Tensor yp, Tensor argmax) {
        reluPool.forward(x, w, bias, pool, yp, argmax);
    }

    @Override public void backwardReluPool(Tensor x, Tensor w, ConvGeometry pool, Tensor yp, Tensor argmax, Tensor dyp,
                                           Tensor dw, Tensor db, Tensor dx) {
        reluPool.backward(x, w, pool, yp, argmax, dyp, dw, db, dx);
    }

    @Override public void close() {
        reluPool.close();
        if (relu != null) relu.close();
        if (dyMasked != null) dyMasked.close();
        col.close();
        out2d.close();
        dout2d.close();
        if (dcol != null) dcol.close();
    }
}
