package groundup.testing;

import static groundup.testing.Tensors.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import groundup.backend.Backend;
import groundup.tensor.ConvGeometry;
import groundup.tensor.Tensor;
import java.util.Random;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * Property-based tests of the backend primitives (jqwik): random shapes, chosen and shrunk by
 * the machine, against {@link Reference}. Where {@link BackendContract} checks the corners we
 * thought of, these look for the ones we did not. A backend module runs them by subclassing.
 */
public abstract class BackendProperties {

    /** The backend under test, kept for the whole run (jqwik makes a new instance per property). */
    protected abstract Backend backend();

    private static float[] data(long seed, int n) { return Tensors.random(new Random(seed), n); }

    @Property(tries = 80)
    void gemmMatchesReference(@ForAll @IntRange(min = 1, max = 70) int m, @ForAll @IntRange(min = 1, max = 70) int n,
                              @ForAll @IntRange(min = 1, max = 70) int k, @ForAll boolean ta, @ForAll boolean tb, @ForAll long seed) {
        Backend b = backend();
        float[] a = data(seed, m * k), w = data(seed + 1, k * n);
        try (Tensor A = ta ? Tensors.upload(b, a, k, m) : Tensors.upload(b, a, m, k);
             Tensor B = tb ? Tensors.upload(b, w, n, k) : Tensors.upload(b, w, k, n);
             Tensor C = b.allocate(groundup.tensor.Shape.of(m, n))) {
            b.gemm(ta, tb, 1f, A, B, 0f, C);
            assertClose(Reference.gemm(ta, tb, m, n, k, 1f, a, w, 0f, null), C.toArray(), 1e-4, 1e-5 * k, "gemm");
        }
    }

    @Property(tries = 120)
    void im2colAndCol2imMatchReference(@ForAll @IntRange(min = 1, max = 3) int n, @ForAll @IntRange(min = 1, max = 4) int c,
                                       @ForAll @IntRange(min = 1, max = 10) int h, @ForAll @IntRange(min = 1, max = 10) int w,
                                       @ForAll @IntRange(min = 1, max = 7) int kh, @ForAll @IntRange(min = 1, max = 7) int kw,
                                       @ForAll @IntRange(min = 1, max = 3) int stride, @ForAll @IntRange(min = 0, max = 3) int pad,
                                       @ForAll long seed) {
        Assume.that(kh <= h + 2 * pad && kw <= w + 2 * pad);
        Backend b = backend();
        ConvGeometry g = new ConvGeometry(n, c, h, w, kh, kw, stride, pad);
        float[] x = data(seed, g.inputShape().size()), y = data(seed + 1, g.colShape().size());
        try (Tensor X = Tensors.upload(b, x, g.inputShape().dims()); Tensor col = b.allocate(g.colShape());
             Tensor Y = Tensors.upload(b, y, g.colShape().dims()); Tensor dx = b.allocate(g.inputShape())) {
            b.im2col(X, g, col);
            assertArrayEquals(Reference.im2col(x, g), col.toArray(), "im2col " + g);
            b.col2im(Y, g, dx);
            assertClose(Reference.col2im(y, g), dx.toArray(), 1e-5, 1e-5, "col2im " + g);
        }
    }

    @Property(tries = 100)
    void maxPoolMatchesReference(@ForAll @IntRange(min = 1, max = 3) int n, @ForAll @IntRange(min = 1, max = 3) int c,
                                 @ForAll @IntRange(min = 1, max = 9) int h, @ForAll @IntRange(min = 1, max = 9) int w,
                                 @ForAll @IntRange(min = 1, max = 4) int k, @ForAll @IntRange(min = 1, max = 3) int stride,
                                 @ForAll @IntRange(min = 0, max = 2) int pad, @ForAll long seed) {
        Assume.that(pad < k && k <= h + 2 * pad && k <= w + 2 * pad);
        Backend b = backend();
        ConvGeometry g = new ConvGeometry(n, c, h, w, k, k, stride, pad);
        float[] x = data(seed, g.inputShape().size()), dy = data(seed + 1, g.pooledShape().size());
        try (Tensor X = Tensors.upload(b, x, g.inputShape().dims()); Tensor Y = b.allocate(g.pooledShape());
             Tensor A = b.allocate(g.pooledShape()); Tensor DY = Tensors.upload(b, dy, g.pooledShape().dims());
             Tensor DX = b.allocate(g.inputShape())) {
            b.maxPool(X, g, Y, A);
            float[][] ref = Reference.maxPool(x, g);
            assertArrayEquals(ref[0], Y.toArray(), "maxPool " + g);
            b.maxPoolBackward(DY, A, g, DX);
            assertClose(Reference.maxPoolBackward(dy, ref[1], g), DX.toArray(), 1e-5, 1e-6, "maxPoolBackward " + g);
        }
    }

    @Property(tries = 60)
    void rowOpsMatchReference(@ForAll @IntRange(min = 1, max = 300) int rows, @ForAll @IntRange(min = 1, max = 40) int cols,
                              @ForAll long seed) {
        Backend b = backend();
        float[] x = data(seed, rows * cols), lab = new float[rows];
        Random r = new Random(seed);
        for (int i = 0; i < rows; i++) lab[i] = r.nextInt(cols);
        try (Tensor X = Tensors.upload(b, x, rows, cols); Tensor S = b.allocate(groundup.tensor.Shape.of(cols));
             Tensor L = Tensors.upload(b, lab, rows); Tensor P = b.allocate(groundup.tensor.Shape.of(rows, cols));
             Tensor loss = b.allocate(groundup.tensor.Shape.of(1)); Tensor T = b.allocate(groundup.tensor.Shape.of(rows, cols, 1))) {
            b.sumRows(X, S);
            float[] sums = new float[cols];
            for (int c = 0; c < cols; c++) {
                double s = 0;
                for (int i = 0; i < rows; i++) s += x[i * cols + c];
                sums[c] = (float) s;
            }
            assertClose(sums, S.toArray(), 1e-5, 1e-5, "sumRows");
            b.softmaxCrossEntropy(X, L, P, loss);
            float[][] ref = Reference.softmaxCrossEntropy(x, lab, rows, cols);
            assertClose(ref[0], P.toArray(), 1e-5, 1e-7, "softmax");
            assertEquals(ref[1][0], loss.toArray()[0], 1e-5 * Math.max(1, ref[1][0]), "cross-entropy");
            b.batchedTranspose(X, 1, rows, cols, T);
            assertArrayEquals(Reference.batchedTranspose(x, 1, rows, cols), T.toArray(), "transpose");
        }
    }

    @Property(tries = 50)
    void batchNormMatchesReference(@ForAll @IntRange(min = 2, max = 12) int n, @ForAll @IntRange(min = 1, max = 6) int c,
                                   @ForAll @IntRange(min = 1, max = 30) int s, @ForAll long seed) {
        Backend b = backend();
        float[] x = data(seed, n * c * s), dy = data(seed + 1, n * c * s), gamma = data(seed + 2, c), beta = data(seed + 3, c);
        float[] rm = new float[c], rv = new float[c];
        try (Tensor X = Tensors.upload(b, x, n, c, s); Tensor G = Tensors.upload(b, gamma, c); Tensor B = Tensors.upload(b, beta, c);
             Tensor RM = Tensors.upload(b, rm, c); Tensor RV = Tensors.upload(b, rv, c); Tensor Y = b.allocate(X.shape());
             Tensor M = b.allocate(G.shape()); Tensor IS = b.allocate(G.shape()); Tensor DY = Tensors.upload(b, dy, n, c, s);
             Tensor DX = b.allocate(X.shape()); Tensor DG = b.allocate(G.shape()); Tensor DB = b.allocate(G.shape())) {
            b.batchNormTrain(X, G, B, 0.9f, 1e-6f, Y, M, IS, RM, RV);
            assertClose(Reference.batchNormTrain(x, n, c, s, gamma, beta, 0.9f, 1e-6f, rm, rv)[0], Y.toArray(), 1e-3, 1e-3, "batchNorm y");
            b.batchNormBackward(DY, X, G, M, IS, DX, DG, DB);
            float[][] g = Reference.batchNormBackward(dy, x, n, c, s, gamma, M.toArray(), IS.toArray());
            assertClose(g[0], DX.toArray(), 1e-3, 1e-3, "batchNorm dx");
            assertClose(g[1], DG.toArray(), 1e-3, 1e-3, "batchNorm dgamma");
        }
    }
}
