package groundup.testing;

import static groundup.testing.Tensors.assertClose;
import static groundup.testing.Tensors.random;
import static groundup.testing.Tensors.upload;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import groundup.backend.Activation;
import groundup.backend.Backend;
import groundup.backend.DropoutHash;
import groundup.backend.StepGraph;
import groundup.backend.UpdateRule;
import groundup.tensor.ConvGeometry;
import groundup.tensor.Shape;
import groundup.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * The contract every {@link Backend} passes: each primitive against {@link Reference} on
 * random data over random shapes, odd and degenerate sizes included, plus the rejection of
 * bad arguments. A backend module runs it by subclassing and supplying {@link #createBackend};
 * a backend that cannot run here (CUDA without a GPU) skips itself there with the reason.
 */
public abstract class BackendContract extends BackendTestBase {
    /** float32 tolerances: sums of up to a few thousand products. */
    protected static final double RTOL = 1e-4, ATOL = 1e-5;

    private final List<Tensor> live = new ArrayList<>();

    @Override protected void closeResources() { live.forEach(Tensor::close); }

    private Tensor t(float[] data, int... dims) {
        Tensor x = upload(b, data, dims);
        live.add(x);
        return x;
    }

    private Tensor zeros(int... dims) {
        Tensor x = b.allocate(Shape.of(dims));
        live.add(x);
        return x;
    }

    private static int[] sizes(Random r, int max) {
        return new int[] {1, 2, 3, 7, 16, 31, 1 + r.nextInt(max)};
    }

    // ---- memory -------------------------------------------------------------------

    @Test void allocateIsZeroAndUploadDownloadRoundTrip() {
        Random r = new Random(1);
        for (int n : new int[] {1, 5, 1000, 65537}) {
            Tensor x = zeros(n);
            assertArrayEquals(new float[n], x.toArray(), "fresh tensor of " + n + " must be zero");
            float[] data = random(r, n + 3);
            b.upload(data, 3, x);
            float[] back = new float[n + 2];
            b.download(x, back, 2);
            for (int i = 0; i < n; i++) assertEquals(data[i + 3], back[i + 2]);
        }
    }

    @Test void holdGivesATensorOfTheData() {
        float[] data = random(new Random(3), 12);
        try (Tensor h = b.hold(data, Shape.of(3, 4))) {
            assertArrayEquals(data, h.toArray());
            assertEquals(Shape.of(3, 4), h.shape());
        }
        assertThrows(IllegalArgumentException.class, () -> b.hold(data, Shape.of(5)));
    }

    @Test void fillCopyAndViewsShareMemory() {
        Random r = new Random(2);
        Tensor x = t(random(r, 24), 2, 3, 4), y = zeros(6, 4);
        b.copy(x, y);
        assertArrayEquals(x.toArray(), y.toArray());
        b.fill(y, 2.5f);
        for (float v : y.toArray()) assertEquals(2.5f, v);
        Tensor v = x.view(4, 6);
        b.fill(v, -1f);
        for (float f : x.toArray()) assertEquals(-1f, f);
        assertThrows(IllegalArgumentException.class, () -> x.view(5, 5));
    }

    // ---- GEMM ----------------------------------------------------------------------

    @Test void gemmMatchesReferenceOverShapesAndFlags() {
        Random r = new Random(3);
        // the last two are large enough for the CPU backend to split C by rows, then by columns
        int[][] shapes = {{1, 1, 1}, {1, 7, 3}, {5, 1, 9}, {3, 4, 1}, {17, 13, 11}, {64, 33, 65}, {2, 100, 257}, {301, 97, 229}, {13, 817, 401}};
        List<int[]> all = new ArrayList<>(List.of(shapes));
        for (int i = 0; i < 6; i++) all.add(new int[] {1 + r.nextInt(90), 1 + r.nextInt(90), 1 + r.nextInt(90)});
        for (int[] s : all) {
            int m = s[0], n = s[1], k = s[2];
            for (int flags = 0; flags < 4; flags++) {
                boolean ta = (flags & 1) != 0, tb = (flags & 2) != 0;
                float[] a = random(r, m * k), bb = random(r, k * n), c = random(r, m * n);
                float alpha = 0.5f + r.nextFloat(), beta = flags == 3 ? 0.75f : 0f;
                Tensor A = ta ? t(a, k, m) : t(a, m, k), B = tb ? t(bb, n, k) : t(bb, k, n);
                float[] cInit = beta == 0 ? nanArray(m * n) : c;   // beta = 0 must ignore c, NaN included
                Tensor C = t(cInit, m, n);
                b.gemm(ta, tb, alpha, A, B, beta, C);
                assertClose(Reference.gemm(ta, tb, m, n, k, alpha, a, bb, beta, c), C.toArray(), RTOL, ATOL * k,
                        "gemm m=" + m + " n=" + n + " k=" + k + " ta=" + ta + " tb=" + tb);
            }
        }
    }

    @Test void gemmSeesHigherRankTensorsAsMatrices() {
        Random r = new Random(4);
        float[] x = random(r, 2 * 3 * 4 * 5), w = random(r, 60 * 7);
        Tensor X = t(x, 2, 3, 4, 5), W = t(w, 60, 7), Y = zeros(2, 7);
        b.gemm(false, false, 1f, X, W, 0f, Y);
        assertClose(Reference.gemm(false, false, 2, 7, 60, 1f, x, w, 0f, null), Y.toArray(), RTOL, ATOL * 60, "gemm (2,3,4,5) as (2,60)");
    }

    @Test void batchedTransposeMatchesReference() {
        Random r = new Random(5);
        for (int[] s : new int[][] {{1, 1, 1}, {1, 5, 3}, {3, 1, 7}, {2, 33, 35}, {4, 100, 30}}) {
            float[] x = random(r, s[0] * s[1] * s[2]);
            Tensor X = t(x, s[0], s[1], s[2]), Y = zeros(s[0], s[2], s[1]);
            b.batchedTranspose(X, s[0], s[1], s[2], Y);
            assertArrayEquals(Reference.batchedTranspose(x, s[0], s[1], s[2]), Y.toArray(), "transpose " + java.util.Arrays.toString(s));
        }
    }

    // ---- convolution ---------------------------------------------------------------

    /** Fixed corner cases plus random ones: 1x1, non-square, stride > 1, padding, kernel = input. */
    protected List<ConvGeometry> geometries(long seed) {
        List<ConvGeometry> gs = new ArrayList<>(List.of(
                new ConvGeometry(1, 1, 1, 1, 1, 1, 1, 0),
                new ConvGeometry(2, 3, 5, 7, 3, 2, 1, 0),
                new ConvGeometry(2, 1, 6, 6, 6, 6, 1, 0),       // kernel = input
                new ConvGeometry(1, 2, 4, 4, 6, 6, 1, 1),       // kernel = padded input
                new ConvGeometry(3, 2, 9, 8, 3, 3, 2, 1),
                new ConvGeometry(2, 4, 7, 5, 2, 3, 3, 2),
                new ConvGeometry(4, 1, 28, 28, 5, 5, 1, 0),     // SimpleConvNet's conv, small batch
                new ConvGeometry(2, 3, 10, 9, 3, 3, 1, 1),      // DeepConvNet's 3x3 pad 1: interior and border pixels
                new ConvGeometry(2, 3, 7, 6, 3, 3, 1, 2)));     // its conv4's pad 2: rows and columns wholly outside
        Random r = new Random(seed);
        for (int i = 0; i < 8; i++) {
            int h = 1 + r.nextInt(12), w = 1 + r.nextInt(12), pad = r.nextInt(3);
            int kh = 1 + r.nextInt(h + 2 * pad), kw = 1 + r.nextInt(w + 2 * pad);
            gs.add(new ConvGeometry(1 + r.nextInt(3), 1 + r.nextInt(4), h, w, kh, kw, 1 + r.nextInt(3), pad));
        }
        return gs;
    }

    @Test void im2colMatchesReference() {
        Random r = new Random(6);
        for (ConvGeometry g : geometries(60)) {
            float[] x = random(r, g.inputShape().size());
            Tensor X = t(x, g.inputShape().dims()), col = t(Tensors.sentinel(g.colShape().size()), g.colShape().dims());
            b.im2col(X, g, col);
            assertArrayEquals(Reference.im2col(x, g), col.toArray(), "im2col " + g);
        }
    }

    /**
     * The backend's convolver against the book's way written out plainly (im2col, GEMM, bias,
     * transpose; backward through col2im), on every geometry with 1 to 5 filters and on a few
     * wide layers, twice in a row (a convolver is reused every step), and for a first layer (no dx).
     */
    @Test void convolverMatchesTheIm2colReference() {
        Random r = new Random(8);
        List<int[]> cases = new ArrayList<>();          // {geometry index, filters}
        List<ConvGeometry> gs = new ArrayList<>(geometries(80));
        for (int k = 0; k < gs.size(); k++) cases.add(new int[] {k, 1 + (k % 5)});
        // wide layers, as a backend's blocked layouts see them: 8 and 16 channels to a block, and counts that pad a block
        gs.add(new ConvGeometry(2, 16, 9, 9, 3, 3, 1, 1));
        cases.add(new int[] {gs.size() - 1, 16});
        gs.add(new ConvGeometry(3, 20, 7, 6, 3, 3, 1, 2));
        cases.add(new int[] {gs.size() - 1, 24});
        gs.add(new ConvGeometry(2, 8, 6, 5, 3, 3, 2, 1));
        cases.add(new int[] {gs.size() - 1, 40});
        gs.add(new ConvGeometry(2, 33, 4, 4, 1, 1, 1, 0));
        cases.add(new int[] {gs.size() - 1, 7});
        gs.add(new ConvGeometry(2, 32, 14, 14, 3, 3, 1, 2));      // DeepConvNet's conv4 (pad 2), batch 2
        cases.add(new int[] {gs.size() - 1, 32});
        for (int[] cs : cases) {
            ConvGeometry g = gs.get(cs[0]);
            int f = cs[1], ckk = g.c() * g.kh() * g.kw(), s = g.outH() * g.outW(), n = g.n();
            try (groundup.backend.Convolver conv = b.convolver(g, f)) {
                for (int round = 0; round < 2; round++) {
                    float[] x = random(r, g.inputShape().size()), w = random(r, f * ckk), bias = random(r, f), dy = random(r, n * f * s);
                    float[] col = Reference.im2col(x, g);
                    float[] out = Reference.gemm(false, true, n * s, f, ckk, 1f, col, w, 0f, new float[n * s * f]);
                    for (int i = 0; i < n * s; i++) for (int j = 0; j < f; j++) out[i * f + j] += bias[j];
                    float[] y = Reference.batchedTranspose(out, n, s, f);
                    float[] dout = Reference.batchedTranspose(dy, n, f, s);
                    float[] dw = Reference.gemm(true, false, f, ckk, n * s, 1f, dout, col, 0f, new float[f * ckk]);
                    float[] db = new float[f];
                    for (int i = 0; i < n * s; i++) for (int j = 0; j < f; j++) db[j] += dout[i * f + j];
                    float[] dx = Reference.col2im(Reference.gemm(false, false, n * s, ckk, f, 1f, dout, w, 0f, new float[n * s * ckk]), g);
                    Tensor X = t(x, g.inputShape().dims()), W = t(w, f, ckk), B = t(bias, f), DY = t(dy, n, f, g.outH(), g.outW());
                    Tensor Y = t(Tensors.sentinel(y.length), n, f, g.outH(), g.outW()), DW = t(Tensors.sentinel(w.length), f, ckk);
                    Tensor DB = t(Tensors.sentinel(f), f), DX = t(Tensors.sentinel(x.length), g.inputShape().dims());
                    conv.forward(X, W, B, Y);
                    assertClose(y, Y.toArray(), RTOL, ATOL, "convolver forward " + g + " filters " + f);
                    conv.backward(X, W, DY, DW, DB, round == 0 ? DX : null);
                    assertClose(dw, DW.toArray(), 1e-3, 1e-4, "convolver dw " + g);
                    assertClose(db, DB.toArray(), 1e-3, 1e-4, "convolver db " + g);
                    if (round == 0) assertClose(dx, DX.toArray(), RTOL, ATOL, "convolver dx " + g);
                    else assertArrayEquals(Tensors.sentinel(x.length), DX.toArray(), "no dx asked: dx untouched");
                    assertArrayEquals(x, X.toArray(), "x unchanged");
                }
            }
        }
    }

    /**
     * The convolver's fused paths (a ReLU after it; a ReLU and a max pooling) against the
     * plain reference one op at a time: forward, ReLU, pooling, and back through the pooling's
     * scatter, the ReLU's mask and the convolution. Odd sizes, pooling windows that drop the
     * last row, overlap (stride 1) or pad, wide layers as blocked layouts see them; twice in a
     * row, the second time for a first layer (no dx). The pooled winners are checked exactly,
     * on the backend's own ReLU output (near-ties would otherwise turn on float rounding).
     */
    @Test void fusedConvolverPathsMatchTheLayersOneByOne() {
        Random r = new Random(12);
        // {n, c, h, w, k, stride, pad, filters, pool k, pool stride, pool pad}
        int[][] cases = {
                {3, 1, 12, 12, 5, 1, 0, 4, 2, 2, 0},      // SimpleConvNet's shape, small
                {2, 3, 7, 7, 3, 1, 0, 5, 2, 2, 0},        // 5x5 output: the pooling drops its last row and column
                {2, 2, 6, 5, 3, 1, 1, 3, 3, 2, 1},        // 3x3 windows, stride 2, padded
                {2, 8, 6, 5, 3, 2, 1, 40, 2, 1, 0},       // overlapping windows: one element wins in several
                {2, 16, 9, 9, 3, 1, 1, 16, 2, 2, 0},      // wide: blocked layouts
                {2, 32, 14, 14, 3, 1, 2, 32, 2, 2, 0},    // DeepConvNet's conv4 (pad 2) and its pooling
        };
        for (int[] cs : cases) {
            ConvGeometry g = new ConvGeometry(cs[0], cs[1], cs[2], cs[3], cs[4], cs[4], cs[5], cs[6]);
            int f = cs[7], ckk = g.c() * g.kh() * g.kw(), oh = g.outH(), ow = g.outW(), n = g.n();
            ConvGeometry pool = new ConvGeometry(n, f, oh, ow, cs[8], cs[8], cs[9], cs[10]);
            int pooled = pool.pooledShape().size();
            try (groundup.backend.Convolver conv = b.convolver(g, f)) {
                for (int round = 0; round < 2; round++) {
                    String what = g + " filters " + f + " pool " + pool + " round " + round;
                    float[] x = random(r, g.inputShape().size()), w = random(r, f * ckk), bias = random(r, f);
                    float[] dy = random(r, n * f * oh * ow), dyp = random(r, pooled);
                    float[] relu = Reference.convolution(x, w, bias, g, f);
                    for (int i = 0; i < relu.length; i++) relu[i] = Math.max(relu[i], 0f);
                    Tensor X = t(x, g.inputShape().dims()), W = t(w, f, ckk), B = t(bias, f);
                    Tensor Y = t(Tensors.sentinel(relu.length), n, f, oh, ow), DY = t(dy, n, f, oh, ow);
                    Tensor DW = t(Tensors.sentinel(w.length), f, ckk), DB = t(Tensors.sentinel(f), f);
                    Tensor DX = t(Tensors.sentinel(x.length), g.inputShape().dims());

                    // convolution + ReLU
                    conv.forwardRelu(X, W, B, Y);
                    float[] y = Y.toArray();
                    assertClose(relu, y, RTOL, ATOL, "forwardRelu " + what);
                    for (int i = 0; i < y.length; i++) {
                        if (!(y[i] >= 0f)) throw new AssertionError("forwardRelu " + what + ": y[" + i + "] = " + y[i] + " is not >= 0");
                    }
                    float[] masked = new float[dy.length];
                    for (int i = 0; i < dy.length; i++) masked[i] = y[i] > 0f ? dy[i] : 0f;
                    float[][] want = Reference.convolutionBackward(x, w, masked, g, f);
                    conv.backwardRelu(X, W, Y, DY, DW, DB, round == 0 ? DX : null);
                    assertGradients(want, DW, DB, round == 0 ? DX : null, x.length, "backwardRelu " + what);
                    assertArrayEquals(dy, DY.toArray(), "backwardRelu " + what + ": dy unchanged");
                    assertArrayEquals(y, Y.toArray(), "backwardRelu " + what + ": y unchanged");

                    // convolution + ReLU + max pooling
                    Tensor P = t(Tensors.sentinel(pooled), pool.pooledShape().dims()), A = t(Tensors.sentinel(pooled), pool.pooledShape().dims());
                    Tensor DYP = t(dyp, pool.pooledShape().dims());
                    DX = t(Tensors.sentinel(x.length), g.inputShape().dims());
                    Tensor unkept = t(Tensors.sentinel(pooled), pool.pooledShape().dims());
                    conv.forwardReluPool(X, W, B, pool, unkept, null);     // an inference forward: no argmax kept
                    conv.forwardReluPool(X, W, B, pool, P, A);
                    float[][] pw = Reference.maxPool(y, pool);         // on this backend's own ReLU output
                    assertArrayEquals(pw[0], unkept.toArray(), "forwardReluPool without argmax, pooled values " + what);
                    assertArrayEquals(pw[0], P.toArray(), "forwardReluPool pooled values " + what);
                    assertArrayEquals(pw[1], A.toArray(), "forwardReluPool argmax " + what);
                    float[] scattered = Reference.maxPoolBackward(dyp, pw[1], pool);
                    for (int i = 0; i < scattered.length; i++) scattered[i] = y[i] > 0f ? scattered[i] : 0f;
                    want = Reference.convolutionBackward(x, w, scattered, g, f);
                    IllegalArgumentException noWinners = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                            () -> conv.backwardReluPool(X, W, pool, P, null, DYP, DW, DB, null), "backwardReluPool without argmax " + what);
                    assertTrue(noWinners.getMessage().startsWith("convolution with pooling: "), noWinners.getMessage());
                    conv.backwardReluPool(X, W, pool, P, A, DYP, DW, DB, round == 0 ? DX : null);
                    assertGradients(want, DW, DB, round == 0 ? DX : null, x.length, "backwardReluPool " + what);
                    assertArrayEquals(dyp, DYP.toArray(), "backwardReluPool " + what + ": dyp unchanged");
                    assertArrayEquals(x, X.toArray(), "x unchanged " + what);
                }
            }
        }
    }

    /** A NaN out of the convolution stays NaN through the fused ReLU (and wins its pooling window), as through the layers one by one. */
    @Test void fusedReluKeepsNaN() {
        for (int c : new int[] {1, 16}) {            // narrow and wide: both of the CPU's convolvers under auto
            ConvGeometry g = new ConvGeometry(2, c, 6, 6, 3, 3, 1, 1);
            int f = 16, ckk = c * 9;
            float[] x = new float[g.inputShape().size()];
            java.util.Arrays.fill(x, 0.5f);
            x[7] = Float.NaN;
            float[] w = new float[f * ckk];
            java.util.Arrays.fill(w, -0.1f);                          // every finite output negative: ReLU'd to 0
            try (groundup.backend.Convolver conv = b.convolver(g, f)) {
                Tensor X = t(x, 2, c, 6, 6), W = t(w, f, ckk), B = zeros(f), Y = zeros(2, f, 6, 6), R = zeros(2, f, 6, 6);
                conv.forward(X, W, B, Y);
                conv.forwardRelu(X, W, B, R);
                float[] y = Y.toArray(), relu = R.toArray();
                int nans = 0;
                for (int i = 0; i < y.length; i++) {
                    if (Float.isNaN(y[i])) nans++;
                    if (Float.isNaN(y[i]) != Float.isNaN(relu[i]) || (!Float.isNaN(y[i]) && relu[i] != 0f)) {
                        throw new AssertionError("forwardRelu, " + c + " channels: y[" + i + "] = " + y[i] + " but relu " + relu[i]);
                    }
                }
                assertTrue(nans > 0, "the NaN reached the output");
                ConvGeometry pool = new ConvGeometry(2, f, 6, 6, 2, 2, 2, 0);
                Tensor P = zeros(2, f, 3, 3), A = zeros(2, f, 3, 3);
                conv.forwardReluPool(X, W, B, pool, P, A);
                float[][] want = Reference.maxPool(relu, pool);
                assertArrayEquals(want[0], P.toArray(), "forwardReluPool with a NaN, " + c + " channels");
                Tensor unkept = zeros(2, f, 3, 3);
                conv.forwardReluPool(X, W, B, pool, unkept, null);
                assertArrayEquals(want[0], unkept.toArray(), "forwardReluPool without argmax, with a NaN, " + c + " channels");
            }
        }
    }

    private static void assertGradients(float[][] want, Tensor dw, Tensor db, Tensor dx, int xSize, String what) {
        assertClose(want[0], dw.toArray(), 1e-3, 1e-4, what + " dw");
        assertClose(want[1], db.toArray(), 1e-3, 1e-4, what + " db");
        if (dx != null) assertClose(want[2], dx.toArray(), RTOL, ATOL, what + " dx");
    }

    @Test void fusedConvolverPathsRejectAPoolingThatDoesNotFit() {
        ConvGeometry g = new ConvGeometry(2, 3, 5, 5, 3, 3, 1, 1);
        try (groundup.backend.Convolver conv = b.convolver(g, 4)) {
            Tensor x = zeros(2, 3, 5, 5), w = zeros(4, 27), bias = zeros(4);
            ConvGeometry wrong = new ConvGeometry(2, 4, 6, 5, 2, 2, 2, 0);        // the convolution gives (2, 4, 5, 5)
            IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> conv.forwardReluPool(x, w, bias, wrong, zeros(2, 4, 3, 2), zeros(2, 4, 3, 2)));
            org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("(2, 4, 5, 5)") && e.getMessage().contains("(2, 4, 6, 5)"), e.getMessage());
            ConvGeometry pool = new ConvGeometry(2, 4, 5, 5, 2, 2, 2, 0);
            e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> conv.forwardReluPool(x, w, bias, pool, zeros(2, 4, 3, 3), zeros(2, 4, 2, 2)));
            org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("(2, 4, 3, 3)"), e.getMessage());
        }
    }

    @Test void convolverRejectsTensorsOfTheWrongShape() {
        ConvGeometry g = new ConvGeometry(2, 3, 5, 5, 3, 3, 1, 1);
        try (groundup.backend.Convolver conv = b.convolver(g, 4)) {
            Tensor x = zeros(2, 3, 5, 5), w = zeros(4, 27), bias = zeros(4), y = zeros(2, 4, 5, 5);
            IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> conv.forward(x, zeros(4, 26), bias, y));
            org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("(4, 26)") && e.getMessage().contains("(4, 27)"), e.getMessage());
            org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> conv.forward(zeros(3, 3, 5, 5), w, bias, y));
            org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> conv.backward(x, w, y, w, zeros(5), null));
        }
    }

    @Test void col2imIsTheAdjointOfIm2colAndMatchesReference() {
        Random r = new Random(7);
        for (ConvGeometry g : geometries(70)) {
            float[] x = random(r, g.inputShape().size()), y = random(r, g.colShape().size());
            Tensor X = t(x, g.inputShape().dims()), Y = t(y, g.colShape().dims());
            Tensor col = zeros(g.colShape().dims()), dx = t(Tensors.sentinel(x.length), g.inputShape().dims());
            b.im2col(X, g, col);
            b.col2im(Y, g, dx);
            double lhs = b.dot(col, Y), rhs = b.dot(X, dx);
            assertEquals(lhs, rhs, 1e-4 * (1 + Math.abs(lhs)), "<im2col(x), y> vs <x, col2im(y)> for " + g);
            assertClose(Reference.col2im(y, g), dx.toArray(), RTOL, ATOL, "col2im " + g);
        }
    }

    /**
     * Ties are common (ReLU outputs many zeros): the first element in row-major order wins, on
     * every backend, so that CPU and CUDA route gradients alike. A NaN wins wherever it sits in
     * the window, so that it propagates instead of hiding.
     */
    @Test void maxPoolTiesGoToTheFirstAndNaNWins() {
        ConvGeometry g = new ConvGeometry(1, 1, 4, 6, 2, 2, 2, 0);      // six 2x2 windows, outputs (2, 3)
        float nan = Float.NaN;
        float[] x = {
            0, 0,    5, 5,    -0f, 0,
            0, 0,    5, 2,    -1, -2,
            1, nan,  3, 3,    1, 2,
            9, 9,    1, nan,  3, 4};
        Tensor X = t(x, 1, 1, 4, 6), Y = zeros(g.pooledShape().dims()), A = zeros(g.pooledShape().dims());
        b.maxPool(X, g, Y, A);
        float[] y = Y.toArray(), arg = A.toArray();
        assertEquals(0f, y[0], "all ties");
        assertEquals(0f, arg[0], "all ties: the first element");
        assertEquals(5f, y[1], "three 5s");
        assertEquals(0f, arg[1], "the first 5");
        assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(y[2]), "-0 and +0 tie: the first, -0, is the output");
        assertEquals(0f, arg[2], "-0 and +0 tie: the first");
        assertTrue(Float.isNaN(y[3]), "NaN in the second column of the first row wins over the 9s below it");
        assertEquals(1f, arg[3], "the NaN's index");
        assertTrue(Float.isNaN(y[4]), "NaN as the last element of the window");
        assertEquals(3f, arg[4], "the NaN's index");
        assertEquals(4f, y[5], "the max as the last element");
        assertEquals(3f, arg[5], "its index");
    }

    @Test void maxPoolForwardAndBackwardMatchReference() {
        Random r = new Random(8);
        List<ConvGeometry> gs = new ArrayList<>(List.of(
                new ConvGeometry(1, 1, 1, 1, 1, 1, 1, 0),
                new ConvGeometry(2, 3, 24, 24, 2, 2, 2, 0),     // SimpleConvNet's pool
                new ConvGeometry(2, 2, 7, 7, 2, 2, 2, 0),       // odd size: last row/col dropped
                new ConvGeometry(1, 2, 6, 5, 3, 3, 1, 0),       // overlapping windows
                new ConvGeometry(2, 1, 5, 6, 3, 2, 2, 1)));     // padding
        for (ConvGeometry g : geometries(80)) {
            if (g.pad() < g.kh() && g.pad() < g.kw()) gs.add(g);
        }
        for (ConvGeometry g : gs) {
            float[] x = random(r, g.inputShape().size()), dy = random(r, g.pooledShape().size());
            Tensor X = t(x, g.inputShape().dims()), Y = zeros(g.pooledShape().dims()), A = zeros(g.pooledShape().dims());
            b.maxPool(X, g, Y, A);
            float[][] ref = Reference.maxPool(x, g);
            assertArrayEquals(ref[0], Y.toArray(), "maxPool " + g);
            assertArrayEquals(ref[1], A.toArray(), "maxPool argmax " + g);
            Tensor DY = t(dy, g.pooledShape().dims()), DX = t(Tensors.sentinel(x.length), g.inputShape().dims());
            b.maxPoolBackward(DY, A, g, DX);
            assertClose(Reference.maxPoolBackward(dy, ref[1], g), DX.toArray(), RTOL, ATOL, "maxPoolBackward " + g);
        }
    }

    // ---- elementwise -------------------------------------------------------------

    @Test void activationsAndTheirGradients() {
        Random r = new Random(9);
        for (int n : new int[] {1, 3, 1000, 100_003}) {
            float[] x = random(r, n), dy = random(r, n);
            Tensor X = t(x, n), Y = zeros(n), DY = t(dy, n), DX = zeros(n);
            float[] relu = new float[n], drelu = new float[n], sig = new float[n], dsig = new float[n], th = new float[n], dth = new float[n];
            for (int i = 0; i < n; i++) {
                relu[i] = Math.max(x[i], 0f);
                drelu[i] = x[i] > 0 ? dy[i] : 0f;
                sig[i] = (float) (1 / (1 + Math.exp(-x[i])));
                dsig[i] = dy[i] * sig[i] * (1 - sig[i]);
                th[i] = (float) Math.tanh(x[i]);
                dth[i] = dy[i] * (1 - th[i] * th[i]);
            }
            b.activation(Activation.RELU, X, Y);
            assertArrayEquals(relu, Y.toArray(), "relu n=" + n);
            b.activationBackward(Activation.RELU, X, DY, DX);
            assertArrayEquals(drelu, DX.toArray(), "relu backward n=" + n);
            b.activation(Activation.SIGMOID, X, Y);
            assertClose(sig, Y.toArray(), 1e-6, 1e-7, "sigmoid n=" + n);
            b.activationBackward(Activation.SIGMOID, Y, DY, DX);
            assertClose(dsig, DX.toArray(), 1e-5, 1e-7, "sigmoid backward n=" + n);
            b.activation(Activation.TANH, X, Y);
            assertClose(th, Y.toArray(), 1e-6, 1e-7, "tanh n=" + n);
            b.activationBackward(Activation.TANH, Y, DY, DX);
            assertClose(dth, DX.toArray(), 1e-5, 1e-7, "tanh backward n=" + n);
        }
    }

    @Test void arithmeticOps() {
        Random r = new Random(10);
        for (int n : new int[] {1, 7, 50_001}) {
            float[] x = random(r, n), y = random(r, n);
            Tensor X = t(x, n), Y = t(y, n), O = zeros(n);
            float[] prod = new float[n], sc = new float[n], ax = new float[n];
            for (int i = 0; i < n; i++) {
                prod[i] = x[i] * y[i];
                sc[i] = -1.5f * x[i];
                ax[i] = y[i] + 0.25f * x[i];
            }
            b.mul(X, Y, O);
            assertArrayEquals(prod, O.toArray(), "mul");
            b.scale(-1.5f, X, O);
            assertArrayEquals(sc, O.toArray(), "scale");
            b.axpy(0.25f, X, Y);
            assertArrayEquals(ax, Y.toArray(), "axpy");
        }
    }

    @Test void addRowVectorAndSumRowsAndArgmax() {
        Random r = new Random(11);
        for (int[] s : new int[][] {{1, 1}, {1, 9}, {9, 1}, {37, 30}, {5000, 30}, {3, 1001}}) {
            int rows = s[0], cols = s[1];
            float[] x = random(r, rows * cols), v = random(r, cols);
            Tensor X = t(x, rows, cols), V = t(v, cols), O = zeros(rows, cols), S = zeros(cols), A = zeros(rows);
            float[] exp = new float[x.length], sums = new float[cols], arg = new float[rows];
            double[] acc = new double[cols];
            for (int i = 0; i < rows; i++) {
                int best = 0;
                for (int j = 0; j < cols; j++) {
                    exp[i * cols + j] = x[i * cols + j] + v[j];
                    acc[j] += x[i * cols + j];
                    if (x[i * cols + j] > x[i * cols + best]) best = j;
                }
                arg[i] = best;
            }
            for (int j = 0; j < cols; j++) sums[j] = (float) acc[j];
            b.addRowVector(X, V, O);
            assertArrayEquals(exp, O.toArray(), "addRowVector " + rows + "x" + cols);
            b.sumRows(X, S);
            assertClose(sums, S.toArray(), 1e-5, 1e-5, "sumRows " + rows + "x" + cols);
            b.argmaxRows(X, A);
            assertArrayEquals(arg, A.toArray(), "argmaxRows " + rows + "x" + cols);
            double d = 0;
            for (int i = 0; i < x.length; i++) d += (double) x[i] * x[i];
            assertEquals(d, b.dot(X, X), 1e-9 * d, "dot");
        }
    }

    // ---- rows at a position held on the device ---------------------------------------

    /** Positions that are rows, past the end, negative, fractional and NaN: the last four must give NaN rows. */
    private static final float[] POSITIONS = {0, 3, 38, 45, 49, -1, 1.5f, Float.NaN};

    @Test void gatherRowsPicksTheIndexedRowsAtTheDevicePositionAndNaNWhereThereIsNone() {
        Random r = new Random(30);
        int rows = 37, m = 12;
        float[] index = new float[50];
        for (int i = 0; i < index.length; i++) index[i] = r.nextInt(rows);
        index[7] = rows;          // not a row of src
        index[8] = 2.5f;          // not a row number
        index[9] = -1;
        Tensor I = t(index, index.length), at = zeros(1);
        for (int[] sample : new int[][] {{}, {1, 2, 3}}) {       // labels (R) and images (R, 1, 2, 3)
            int per = 1;
            for (int d : sample) per *= d;
            float[] src = random(r, rows * per);
            int[] srcDims = new int[sample.length + 1], dstDims = new int[sample.length + 1];
            srcDims[0] = rows;
            dstDims[0] = m;
            System.arraycopy(sample, 0, srcDims, 1, sample.length);
            System.arraycopy(sample, 0, dstDims, 1, sample.length);
            Tensor S = t(src, srcDims), dst = zeros(dstDims);
            for (float p : POSITIONS) {
                b.fill(at, p);
                b.gatherRows(S, I, at, dst);
                assertArrayEquals(Reference.gatherRows(src, per, index, p, m), dst.toArray(), "rows of " + per + " at " + p);
            }
        }
    }

    @Test void putRowsWritesAtTheDevicePositionAndNothingWhereTheRowsDoNotFit() {
        Random r = new Random(31);
        float[] log = random(r, 50 * 3);
        Tensor L = t(log, 50, 3), src = t(random(r, 6), 2, 3), at = zeros(1);
        float[] expected = log.clone();
        for (float p : POSITIONS) {
            b.fill(at, p);
            b.putRows(src, at, L);
            if (p == 0 || p == 3 || p == 38 || p == 45) System.arraycopy(src.toArray(), 0, expected, (int) p * 3, 6);
            assertArrayEquals(expected, L.toArray(), "at " + p + " (49 leaves one row for two)");
        }
    }

    @Test void countEqualCountsMatchesExactly() {
        Random r = new Random(32);
        for (int n : new int[] {1, 7, 100, 1000, 70_000}) {
            float[] a = new float[n], c = new float[n];
            int same = 0;
            for (int i = 0; i < n; i++) {
                a[i] = r.nextInt(10);
                c[i] = r.nextInt(4) == 0 ? Float.NaN : r.nextInt(10);   // NaN equals nothing
                if (a[i] == c[i]) same++;
            }
            Tensor out = zeros(1);
            b.countEqual(t(a, n), t(c, n), out);
            assertEquals(same, out.toArray()[0], "n " + n);
        }
    }

    // ---- losses --------------------------------------------------------------------

    @Test void softmaxCrossEntropyForwardAndBackward() {
        Random r = new Random(12);
        for (int[] s : new int[][] {{1, 1}, {1, 10}, {7, 3}, {100, 10}, {3, 1000}}) {
            int rows = s[0], cols = s[1];
            float[] z = random(r, rows * cols), lab = new float[rows];
            for (int i = 0; i < z.length; i++) z[i] *= 20;   // large logits: the row max must be subtracted
            for (int i = 0; i < rows; i++) lab[i] = r.nextInt(cols);
            Tensor Z = t(z, rows, cols), L = t(lab, rows), P = zeros(rows, cols), loss = zeros(1), DX = zeros(rows, cols);
            b.softmaxCrossEntropy(Z, L, P, loss);
            float[][] ref = Reference.softmaxCrossEntropy(z, lab, rows, cols);
            assertClose(ref[0], P.toArray(), 1e-5, 1e-7, "softmax " + rows + "x" + cols);
            assertClose(ref[1], loss.toArray(), 1e-5, 1e-6, "cross-entropy " + rows + "x" + cols);
            b.softmaxCrossEntropyBackward(P, L, DX);
            assertClose(Reference.softmaxCrossEntropyBackward(ref[0], lab, rows, cols), DX.toArray(), 1e-5, 1e-7, "softmax backward");
        }
    }

    /** The loss a run reports is the true one: a confidently wrong row counts in full (the book's 1e-7 would cap it at 16.1). */
    @Test void crossEntropyIsNotClampedAndIsNaNForLogitsThatAreNotFinite() {
        Tensor Z = t(new float[] {100, 0, 0, 0}, 2, 2), L = t(new float[] {1, 0}, 2), P = zeros(2, 2), loss = zeros(1);
        b.softmaxCrossEntropy(Z, L, P, loss);
        assertEquals((100 + Math.log(2)) / 2, loss.toArray()[0], 1e-4, "row 0: -log softmax = 100, row 1: log 2");
        for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
            Tensor W = t(new float[] {0, bad, 0, 0}, 2, 2);
            b.softmaxCrossEntropy(W, t(new float[] {1, 0}, 2), P, loss);      // the bad logit is row 0's label's
            assertTrue(!Float.isFinite(loss.toArray()[0]), "a logit " + bad + ": loss " + loss.toArray()[0]);
        }
    }

    @Test void uploadLabelsRejectsWhatIsNotAClassIndexAndWritesNothing() {
        Tensor L = t(new float[] {1, 1, 1}, 3);
        for (float bad : new float[] {3, -1, 1.5f, Float.NaN}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> b.uploadLabels(new float[] {0, bad, 2}, 0, 3, L));
            assertTrue(e.getMessage().contains("label " + bad + " at row 1"), e.getMessage());
            assertArrayEquals(new float[] {1, 1, 1}, L.toArray(), "a rejected upload writes nothing");
        }
        b.uploadLabels(new float[] {9, 2, 0, 1}, 1, 3, L);
        assertArrayEquals(new float[] {2, 0, 1}, L.toArray());
    }

    // ---- normalization and regularization -------------------------------------------

    @Test void batchNormTrainInferenceAndBackward() {
        Random r = new Random(13);
        for (int[] s : new int[][] {{2, 1, 1}, {5, 3, 1}, {4, 3, 25}, {100, 16, 1}, {3, 2, 49}}) {
            int n = s[0], c = s[1], sp = s[2];
            int[] dims = sp == 1 ? new int[] {n, c} : new int[] {n, c, 1, sp};
            float[] x = random(r, n * c * sp), dy = random(r, x.length), gamma = random(r, c), beta = random(r, c);
            float[] rm = random(r, c), rv = new float[c];
            for (int i = 0; i < c; i++) rv[i] = 0.5f + r.nextFloat();
            for (int i = 0; i < x.length; i++) x[i] = 3 * x[i] + 2;  // a mean and variance far from (0, 1)
            Tensor X = t(x, dims), G = t(gamma, c), B = t(beta, c), RM = t(rm, c), RV = t(rv, c);
            Tensor Y = zeros(dims), M = zeros(c), IS = zeros(c);
            b.batchNormTrain(X, G, B, 0.9f, 1e-6f, Y, M, IS, RM, RV);
            float[][] ref = Reference.batchNormTrain(x, n, c, sp, gamma, beta, 0.9f, 1e-6f, rm, rv);
            String what = "batchNorm " + java.util.Arrays.toString(dims);
            assertClose(ref[0], Y.toArray(), 1e-4, 1e-4, what + " y");
            assertClose(ref[1], M.toArray(), 1e-5, 1e-5, what + " mean");
            assertClose(ref[2], IS.toArray(), 1e-4, 1e-5, what + " invStd");
            assertClose(ref[3], RM.toArray(), 1e-5, 1e-5, what + " running mean");
            assertClose(ref[4], RV.toArray(), 1e-4, 1e-5, what + " running var");
            b.batchNormInference(X, G, B, RM, RV, 1e-6f, Y);
            assertClose(Reference.batchNormInference(x, n, c, sp, gamma, beta, ref[3], ref[4], 1e-6f), Y.toArray(), 1e-4, 1e-4, what + " inference");
            Tensor DY = t(dy, dims), DX = zeros(dims), DG = zeros(c), DB = zeros(c);
            b.batchNormBackward(DY, X, G, M, IS, DX, DG, DB);
            float[][] g = Reference.batchNormBackward(dy, x, n, c, sp, gamma, M.toArray(), IS.toArray());
            assertClose(g[0], DX.toArray(), 1e-3, 1e-4, what + " dx");
            assertClose(g[1], DG.toArray(), 1e-4, 1e-4, what + " dgamma");
            assertClose(g[2], DB.toArray(), 1e-4, 1e-4, what + " dbeta");
        }
    }

    @Test void dropoutDrawsTheSharedMaskAndScalesTheKeptUnits() {
        Random r = new Random(14);
        int n = 200_001;
        float[] x = random(r, n);
        Tensor X = t(x, n), M = zeros(n), Y = zeros(n), step = zeros(1);
        for (float ratio : new float[] {0f, 0.5f, 0.9f}) {
            b.dropout(X, ratio, 42L, step, M, Y);
            float[] m = M.toArray(), y = Y.toArray();
            int kept = 0;
            for (int i = 0; i < n; i++) {
                float expect = DropoutHash.uniform(42L, i) >= ratio ? 1f / (1f - ratio) : 0f;
                assertEquals(expect, m[i], "mask at " + i + " ratio " + ratio);
                assertEquals(x[i] * expect, y[i], 1e-6f, "y at " + i);
                if (m[i] != 0) kept++;
            }
            assertEquals(1 - ratio, kept / (double) n, 0.01, "kept fraction at ratio " + ratio);
        }
        b.dropout(X, 0.5f, 43L, step, M, Y);
        float[] other = M.toArray();
        b.dropout(X, 0.5f, 42L, step, M, Y);
        assertTrue(!java.util.Arrays.equals(other, M.toArray()), "another seed must give another mask");
    }

    /** The count of steps, read on the device, moves the seed as DropoutHash.seed says; a count that is not one gives NaN. */
    @Test void dropoutTakesTheCountOfStepsFromTheDevice() {
        int n = 1001;
        Tensor X = t(random(new Random(19), n), n), M = zeros(n), Y = zeros(n), step = zeros(1);
        for (long count : new long[] {1, 7, 600_000}) {
            b.fill(step, count);
            b.dropout(X, 0.5f, 42L, step, M, Y);
            float[] m = M.toArray();
            for (int i = 0; i < n; i++) {
                assertEquals(DropoutHash.uniform(DropoutHash.seed(42L, count), i) >= 0.5f ? 2f : 0f, m[i], "count " + count + ", mask at " + i);
            }
        }
        for (float bad : new float[] {-1f, 2.5f, Float.NaN}) {
            b.fill(step, bad);
            b.dropout(X, 0.5f, 42L, step, M, Y);
            for (float v : Y.toArray()) assertTrue(Float.isNaN(v), "count " + bad + ": y " + v);
        }
    }

    // ---- optimizers ----------------------------------------------------------------

    /** Two steps from p = 1 with g = 0.5, lr = 0.1, worked by hand (see UpdateRule's formulas). */
    @Test void optimizerStepsMatchHandComputedValues() {
        check(t -> UpdateRule.sgd(0.1f), 0.95f, 0.9f);
        check(t -> UpdateRule.momentum(0.1f, 0.9f), 0.95f, 0.855f);
        check(t -> UpdateRule.nesterov(0.1f, 0.9f), 0.8645f, 0.69255f);
        check(t -> UpdateRule.adagrad(0.1f, 1e-7f), 0.9f, 0.8292893f);
        check(t -> UpdateRule.rmsprop(0.1f, 0.99f, 1e-7f), 2.0e-6f, -0.7088782f);
        check(t -> UpdateRule.adam(0.1f, 0.9f, 0.999f, 1e-7f, t), 0.9f, 0.8f);
    }

    private void check(java.util.function.IntFunction<UpdateRule> rule, float afterOne, float afterTwo) {
        Tensor p = t(new float[] {1f, 1f, 1f}, 3), g = t(new float[] {0.5f, 0.5f, 0.5f}, 3), s1 = zeros(3), s2 = zeros(3);
        UpdateRule r1 = rule.apply(1);
        b.optimizerStep(r1, p, g, s1, s2);
        assertClose(new float[] {afterOne, afterOne, afterOne}, p.toArray(), 1e-5, 1e-6, r1.kind() + " step 1");
        b.optimizerStep(rule.apply(2), p, g, s1, s2);
        assertClose(new float[] {afterTwo, afterTwo, afterTwo}, p.toArray(), 1e-5, 1e-6, r1.kind() + " step 2");
    }

    @Test void optimizerStepsOnLargeRandomTensorsMatchScalarFormulas() {
        Random r = new Random(15);
        int n = 70_001;
        for (UpdateRule.Kind kind : UpdateRule.Kind.values()) {
            float[] p = random(r, n), g = random(r, n), s1 = random(r, n), s2 = random(r, n);
            for (int i = 0; i < n; i++) { s1[i] = kind == UpdateRule.Kind.MOMENTUM || kind == UpdateRule.Kind.NESTEROV ? s1[i] : Math.abs(s1[i]); s2[i] = Math.abs(s2[i]); }
            UpdateRule rule = switch (kind) {
                case SGD -> UpdateRule.sgd(0.01f);
                case MOMENTUM -> UpdateRule.momentum(0.01f, 0.9f);
                case NESTEROV -> UpdateRule.nesterov(0.01f, 0.9f);
                case ADAGRAD -> UpdateRule.adagrad(0.01f, 1e-7f);
                case RMSPROP -> UpdateRule.rmsprop(0.01f, 0.99f, 1e-7f);
                case ADAM -> UpdateRule.adam(0.001f, 0.9f, 0.999f, 1e-7f, 3);
            };
            float[] ep = p.clone(), e1 = s1.clone(), e2 = s2.clone();
            for (int i = 0; i < n; i++) scalarStep(rule, ep, g, e1, e2, i);
            Tensor P = t(p, n), G = t(g, n), S1 = t(s1, n), S2 = t(s2, n);
            b.optimizerStep(rule, P, G, S1, S2);
            assertClose(ep, P.toArray(), 1e-5, 1e-6, kind + " param");
            if (rule.stateCount() >= 1) assertClose(e1, S1.toArray(), 1e-5, 1e-6, kind + " state 1");
            if (rule.stateCount() >= 2) assertClose(e2, S2.toArray(), 1e-5, 1e-6, kind + " state 2");
        }
    }

    /** With weight decay the step sees g + decay*p, and g stays as it was. */
    @Test void weightDecayIsPartOfTheStepAndLeavesTheGradient() {
        Random r = new Random(17);
        int n = 10_007;
        for (UpdateRule rule : new UpdateRule[] {UpdateRule.sgd(0.01f).withDecay(0.1f), UpdateRule.adam(0.001f, 0.9f, 0.999f, 1e-7f, 2).withDecay(0.01f)}) {
            float[] p = random(r, n), g = random(r, n), s1 = new float[n], s2 = new float[n];
            float[] ep = p.clone(), e1 = s1.clone(), e2 = s2.clone(), gd = new float[n];
            for (int i = 0; i < n; i++) gd[i] = g[i] + rule.decay() * p[i];
            for (int i = 0; i < n; i++) scalarStep(rule, ep, gd, e1, e2, i);
            Tensor P = t(p, n), G = t(g, n), S1 = zeros(n), S2 = zeros(n);
            b.optimizerStep(rule, P, G, S1, S2);
            assertClose(ep, P.toArray(), 1e-5, 1e-6, rule.kind() + " with decay");
            assertArrayEquals(g, G.toArray(), rule.kind() + ": the gradient is an input, left as it was");
        }
    }

    private static void scalarStep(UpdateRule u, float[] p, float[] g, float[] s1, float[] s2, int i) {
        double lr = u.lr(), a = u.a(), bb = u.b(), eps = u.eps();
        switch (u.kind()) {
            case SGD -> p[i] -= (float) (lr * g[i]);
            case MOMENTUM -> { s1[i] = (float) (a * s1[i] - lr * g[i]); p[i] += s1[i]; }
            case NESTEROV -> { s1[i] = (float) (a * s1[i] - lr * g[i]); p[i] += (float) (a * a * s1[i] - (1 + a) * lr * g[i]); }
            case ADAGRAD -> { s1[i] += g[i] * g[i]; p[i] -= (float) (lr * g[i] / (Math.sqrt(s1[i]) + eps)); }
            case RMSPROP -> { s1[i] = (float) (a * s1[i] + (1 - a) * g[i] * g[i]); p[i] -= (float) (lr * g[i] / (Math.sqrt(s1[i]) + eps)); }
            case ADAM -> {
                s1[i] += (float) ((1 - a) * (g[i] - s1[i]));
                s2[i] += (float) ((1 - bb) * (g[i] * g[i] - s2[i]));
                p[i] -= (float) (lr * s1[i] / (Math.sqrt(s2[i]) + eps));
            }
        }
    }

    /**
     * The fused step over many parameters is the per-parameter step at the rate rates[at], each
     * with its own decay flag, bit for bit; a position outside the rates gives NaN.
     */
    @Test void optimizerStepsOverManyParametersAreEachParametersStepAtTheRateAtTheDevicePosition() {
        Random r = new Random(17);
        int[] sizes = {1, 300, 7, 70_001, 33};
        float[] rates = {0.5f, 0.01f, 0.002f, 0.03f};
        for (UpdateRule.Kind kind : UpdateRule.Kind.values()) {
            UpdateRule rule = switch (kind) {
                case SGD -> UpdateRule.sgd(99f);
                case MOMENTUM -> UpdateRule.momentum(99f, 0.9f);
                case NESTEROV -> UpdateRule.nesterov(99f, 0.9f);
                case ADAGRAD -> UpdateRule.adagrad(99f, 1e-7f);
                case RMSPROP -> UpdateRule.rmsprop(99f, 0.99f, 1e-7f);
                case ADAM -> UpdateRule.adam(99f, 0.9f, 0.999f, 1e-7f, 3);
            };
            rule = rule.withDecay(0.05f);
            int n = sizes.length;
            Tensor[] p = new Tensor[n], g = new Tensor[n], s1 = new Tensor[n], s2 = new Tensor[n];
            Tensor[] rp = new Tensor[n], rs1 = new Tensor[n], rs2 = new Tensor[n];
            boolean[] decays = new boolean[n];
            for (int i = 0; i < n; i++) {
                float[] v = random(r, sizes[i]), a = random(r, sizes[i]), c = random(r, sizes[i]);
                for (int j = 0; j < c.length; j++) c[j] = Math.abs(c[j]);
                p[i] = t(v, sizes[i]);
                rp[i] = t(v, sizes[i]);
                g[i] = t(random(r, sizes[i]), sizes[i]);
                s1[i] = t(kind == UpdateRule.Kind.MOMENTUM || kind == UpdateRule.Kind.NESTEROV ? a : c, sizes[i]);
                rs1[i] = t(s1[i].toArray(), sizes[i]);
                s2[i] = t(c, sizes[i]);
                rs2[i] = t(c, sizes[i]);
                decays[i] = i % 2 == 0;
            }
            Tensor R = t(rates, rates.length), at = zeros(1);
            b.fill(at, 2f);
            b.optimizerSteps(rule, R, at, p, g, rule.stateCount() >= 1 ? s1 : null, rule.stateCount() >= 2 ? s2 : null, decays);
            for (int i = 0; i < n; i++) {
                UpdateRule ri = new UpdateRule(rule.kind(), rates[2], rule.a(), rule.b(), rule.eps(), decays[i] ? rule.decay() : 0f);
                b.optimizerStep(ri, rp[i], g[i], rs1[i], rs2[i]);
                assertArrayEquals(rp[i].toArray(), p[i].toArray(), kind + " parameter " + i + " of " + sizes[i]);
                if (rule.stateCount() >= 1) assertArrayEquals(rs1[i].toArray(), s1[i].toArray(), kind + " state 1 of parameter " + i);
                if (rule.stateCount() >= 2) assertArrayEquals(rs2[i].toArray(), s2[i].toArray(), kind + " state 2 of parameter " + i);
            }
            b.fill(at, rates.length);
            b.optimizerSteps(rule, R, at, p, g, s1, s2, decays);
            for (int i = 0; i < n; i++) for (float v : p[i].toArray()) assertTrue(Float.isNaN(v), kind + ": no rate at position 4 must give NaN, not " + v);
        }
    }

    /**
     * A recorded optimizerSteps still updates its parameters after ten other parameter sets, all
     * alive, have been stepped: whatever a backend keeps per set (CUDA: a device table of
     * pointers that the recorded graph reads) lives as long as the set does.
     */
    @Test void aRecordedOptimizerStepOutlivesTenOtherParameterSets() {
        Random r = new Random(19);
        UpdateRule rule = UpdateRule.sgd(99f);
        float[] v = random(r, 5), gv = random(r, 5);
        Tensor[] p = {t(v, 5)}, g = {t(gv, 5)};
        Tensor rates = t(new float[] {0.5f}, 1), at = zeros(1);
        boolean[] decays = {false};
        b.optimizerSteps(rule, rates, at, p, g, null, null, decays);          // what it keeps per set is made before recording
        try (StepGraph step = b.record(() -> b.optimizerSteps(rule, rates, at, p, g, null, null, decays))) {
            for (int k = 0; k < 10; k++) {
                b.optimizerSteps(rule, rates, at, new Tensor[] {t(random(r, 3), 3)}, new Tensor[] {t(random(r, 3), 3)}, null, null, decays);
            }
            step.launch();
        }
        float[] expected = v.clone();
        for (int k = 0; k < 2; k++) for (int i = 0; i < 5; i++) expected[i] -= 0.5f * gv[i];
        assertClose(expected, p[0].toArray(), 1e-6, 1e-7, "two steps, the second a recorded one launched after ten other sets were stepped");
    }

    // ---- bad input -----------------------------------------------------------------

    /** The call throws IllegalArgumentException naming op and shapes, and out is untouched. */
    private void rejects(String op, String shapeText, Tensor out, Consumer<Backend> call) {
        float[] before = out.toArray();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> call.accept(b), op);
        assertTrue(e.getMessage().startsWith(op), "message names the op: " + e.getMessage());
        assertTrue(e.getMessage().contains(shapeText), "message names the shapes (" + shapeText + "): " + e.getMessage());
        assertArrayEquals(before, out.toArray(), op + " wrote to its output before rejecting");
    }

    @Test void badShapesAreRejectedBeforeAnythingIsWritten() {
        Random r = new Random(16);
        Tensor a = t(random(r, 6), 2, 3), bb = t(random(r, 8), 4, 2), c = t(random(r, 8), 2, 4);
        rejects("gemm", "(4, 2)", c, x -> x.gemm(false, false, 1f, a, bb, 0f, c));
        rejects("mul", "(2, 3)", c, x -> x.mul(a, c, c));
        rejects("sumRows", "(2, 3)", c, x -> x.sumRows(a, c));
        ConvGeometry g = new ConvGeometry(1, 1, 4, 4, 3, 3, 1, 0);
        Tensor x4 = t(random(r, 16), 1, 1, 4, 4), wrongCol = t(random(r, 8), 2, 4);
        rejects("im2col", "(2, 4)", wrongCol, x -> x.im2col(x4, g, wrongCol));
        rejects("col2im", "(2, 4)", x4, x -> x.col2im(wrongCol, g, x4));
        Tensor y = t(random(r, 6), 6);
        rejects("softmaxCrossEntropy", "(2, 3)", y, x -> x.softmaxCrossEntropy(a, y, a, y));
        rejects("batchNormTrain", "(2, 3)", c, x -> x.batchNormTrain(a, y, y, 0.9f, 1e-6f, c, y, y, y, y));
        rejects("optimizerStep", "(2, 3)", c, x -> x.optimizerStep(UpdateRule.sgd(0.1f), c, a, null, null));
        Tensor count = zeros(1);
        rejects("dropout", "ratio", a, x -> x.dropout(a, 1f, 1L, count, a.view(6), a));
        Tensor one = t(new float[] {0}, 1);
        rejects("gatherRows", "(4, 2)", c, x -> x.gatherRows(bb, y, one, c));
        rejects("putRows", "(2, 3)", c, x -> x.putRows(a, one, c));
        rejects("countEqual", "(2, 4)", one, x -> x.countEqual(a, c, one));
        rejects("optimizerSteps", "2 gradients", c, x -> x.optimizerSteps(UpdateRule.sgd(0.1f), one, one, new Tensor[] {c}, new Tensor[] {c, c}, null,
                null, new boolean[1]));
    }

    @Test void impossibleGeometriesAndSizesAreRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new ConvGeometry(1, 1, 4, 4, 7, 3, 1, 1));
        assertTrue(e.getMessage().contains("larger than the padded input 6x6"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new ConvGeometry(1, 1, 4, 4, 3, 3, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new ConvGeometry(1, 1, 4, 4, 3, 3, 1, -1));
        e = assertThrows(IllegalArgumentException.class, () -> Shape.of(3, -2));
        assertTrue(e.getMessage().contains("[3, -2]"), e.getMessage());
    }

    @Test void aTensorOfAnotherBackendIsRejected() {
        Backend other = new groundup.testing.ForeignBackend();
        Tensor foreign = other.allocate(Shape.of(2, 2)), mine = zeros(2, 2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.mul(foreign, mine, mine));
        assertTrue(e.getMessage().contains("belongs to backend 'foreign'"), e.getMessage());
    }

    private static float[] nanArray(int n) {
        float[] a = new float[n];
        java.util.Arrays.fill(a, Float.NaN);
        return a;
    }
}
