package groundup.backend;

import groundup.tensor.ConvGeometry;
import groundup.tensor.Shape;
import groundup.tensor.Tensor;

/**
 * The book's convolution from a backend's primitives (chapter 7): col = im2col(x)
 * (N*OH*OW, C*kh*kw); out = col . w^T + b (N*OH*OW, F); y = out transposed per image to
 * (N, F, OH, OW). Backward: dout = dy transposed back; db = column sums; dw = dout^T . col;
 * dx = col2im(dout . w). The whole column matrix is kept from forward for backward.
 */
public final class Im2colConvolver implements Convolver {
    private final Backend b;
    private final ConvGeometry g;
    private final int filters, spatial;
    private final Tensor col, out2d, dout2d;
    private Tensor dcol;

    public Im2colConvolver(Backend b, ConvGeometry g, int filters) {
        this.b = b;
        this.g = g;
        this.filters = filters;
        this.spatial = g.outH() * g.outW();
        this.col = b.allocate(g.colShape());
        this.out2d = b.allocate(Shape.of(g.n() * spatial, filters));
        this.dout2d = b.allocate(Shape.of(g.n() * spatial, filters));
    }

    @Override public ConvGeometry geometry() { return g; }

    @Override public int filters() { return filters; }

    @Override public void forward(Tensor x, Tensor w, Tensor bias, Tensor y) {
        Checks.convolution(b, g, filters, x, w, bias, y);
        b.im2col(x, g, col);
        b.gemm(false, true, 1f, col, w, 0f, out2d);
        b.addRowVector(out2d, bias, out2d);
        b.batchedTranspose(out2d, g.n(), spatial, filters, y);
    }

    @Override public void backward(Tensor x, Tensor w, Tensor dy, Tensor dw, Tensor db, Tensor dx) {
        Checks.convolutionBackward(b, g, filters, x, w, dy, dw, db, dx);
        b.batchedTranspose(dy, g.n(), filters, spatial, dout2d);
        b.sumRows(dout2d, db);
        b.gemm(true, false, 1f, dout2d, col, 0f, dw);
        if (dx == null) return;
        if (dcol == null) dcol = b.allocate(g.colShape());     // only where dx is wanted: not for a first layer
        b.gemm(false, false, 1f, dout2d, w, 0f, dcol);
        b.col2im(dcol, g, dx);
    }

    @Override public void close() {
        col.close();
        out2d.close();
        dout2d.close();
        if (dcol != null) dcol.close();
    }
}
