package groundup.testing;

import static groundup.testing.Tensors.assertClose;
import static groundup.testing.Tensors.random;
import static groundup.testing.Tensors.upload;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import groundup.backend.Convolver;
import groundup.backend.Precision;
import groundup.backend.UpdateRule;
import groundup.nn.Mode;
import groundup.nn.NetworkSpec;
import groundup.nn.Networks;
import groundup.nn.Parameter;
import groundup.nn.Sequential;
import groundup.tensor.ConvGeometry;
import groundup.tensor.Shape;
import groundup.tensor.Tensor;
import groundup.optim.Optimizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * What every backend's reduced precisions ({@link Precision}) must do: a product's two inputs
 * rounded to the format (nearest, ties to even), the products summed in float32, every tensor
 * float32. Checked against {@link Reference} run on inputs rounded by {@link Precision#round},
 * and against the unrounded reference to see that rounding did happen (a backend that ignores
 * the precision fails). A network's training step in bf16 stays within a bound of fp32's.
 */
public abstract class PrecisionContract extends BackendTestBase {
    /** float32 sums of exact products, in another order than the reference's. */
    private static final double RTOL = 1e-4, ATOL = 1e-5;

    private final List<Tensor> live = new ArrayList<>();

    @Override protected void closeResources() { live.forEach(Tensor::close); }

    /** The reduced precisions this backend runs; each must pass every test here. */
    protected abstract List<Precision> precisions();

    private Tensor t(float[] data, int... dims) {
        Tensor x = upload(b, data, dims);
        live.add(x);
        return x;
    }

    private static float[] rounded(Precision p, float[] x) {
        float[] r = new float[x.length];
        for (int i = 0; i < x.length; i++) r[i] = p.round(x[i]);
        return r;
    }

    private static double maxAbsDiff(float[] a, float[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
        return m;
    }

    @Test void roundingIsToNearestEvenAndKeepsWhatIsNotFinite() {
        // bf16 keeps 8 significant bits: 1 + 2^-7 is one step above 1, 1 + 2^-8 the tie between them
        assertEquals(1f, Precision.BF16.round(1f + 0x1p-8f), "tie to even (down)");
        assertEquals(1f + 0x1p-6f, Precision.BF16.round(1f + 0x1p-7f + 0x1p-8f), "tie to even (up)");
        assertEquals(1f + 0x1p-7f, Precision.BF16.round(1f + 0x1p-8f + 0x1p-20f), "above the tie: up");
        assertEquals(-1f, Precision.BF16.round(-1f - 0x1p-9f), "negative, below the tie: down in magnitude");
        assertEquals(Float.POSITIVE_INFINITY, Precision.BF16.round(Float.MAX_VALUE), "too large for bf16: infinity");
        assertEquals(1f + 0x1p-10f, Precision.TF32.round(1f + 0x1p-10f + 0x1p-12f), "tf32 keeps 11 bits");
        assertTrue(Float.isNaN(Precision.BF16.round(Float.NaN)));
        assertEquals(Float.NEGATIVE_INFINITY, Precision.BF16.round(Float.NEGATIVE_INFINITY));
        assertEquals(0x1p-130f, Precision.BF16.round(0x1p-130f), "a subnormal that fits stays");
        assertEquals(1.1f, Precision.FP32.round(1.1f));
    }

    /**
     * A product with one term and a factor 1 is the other factor rounded, exactly: so each side's
     * rounding is checked bit for bit on the cases that matter (ties either way, a carry into
     * the exponent, too large for the format, subnormals, infinities, NaN), in vectors and tails
     * (not -0: a sum that starts at +0 gives +0).
     */
    @Test void gemmRoundsEachInputBitForBit() {
        float[] special = {1f + 0x1p-8f, 1f + 0x1p-7f + 0x1p-8f, 1f + 0x1p-8f + 0x1p-20f, -1f - 0x1p-9f, 1.99999f, Float.MAX_VALUE,
                -Float.MAX_VALUE, 0x1p-130f, 0x1.234p-140f, Float.MIN_VALUE, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN,
                1f + 0x1p-11f + 0x1p-12f, 1f + 0x1p-12f, 3.1415927f, 0f, 65504.7f, 1e-30f, -2.7182817f};
        Random r = new Random(30);
        float[] values = new float[37];          // more than a vector's worth, and a tail
        for (int i = 0; i < values.length; i++) values[i] = i < special.length ? special[i] : random(r, 1)[0] * 1000;
        int m = values.length;
        for (Precision p : precisions()) {
            float[] want = rounded(p, values);
            Tensor one = t(new float[] {1f}, 1, 1);
            Tensor col = t(values.clone(), m, 1), row = t(values.clone(), 1, m), c = t(new float[m], m, 1), cRow = t(new float[m], 1, m);
            b.gemm(p, false, false, 1f, col, one, 0f, c);              // (m, 1) . (1, 1): a rounded
            b.gemm(p, false, false, 1f, one, row, 0f, cRow);           // (1, 1) . (1, m): b rounded
            float[] got = c.toArray(), gotRow = cRow.toArray();
            for (int i = 0; i < m; i++) {
                assertEquals(Float.floatToIntBits(want[i]), Float.floatToIntBits(got[i]), p + ": a = " + values[i] + " rounds to " + want[i] + ", got " + got[i]);
                assertEquals(Float.floatToIntBits(want[i]), Float.floatToIntBits(gotRow[i]), p + ": b = " + values[i] + " rounds to " + want[i] + ", got " + gotRow[i]);
            }
        }
    }

    @Test void gemmRoundsBothInputsAndSumsInFloat32() {
        Random r = new Random(31);
        int[][] shapes = {{1, 1, 1}, {3, 5, 7}, {17, 13, 11}, {64, 33, 65}, {2, 100, 257}, {101, 50, 1024}, {301, 97, 229}};
        for (Precision p : precisions()) {
            for (int[] s : shapes) {
                int m = s[0], n = s[1], k = s[2];
                for (int flags = 0; flags < 4; flags++) {
                    boolean ta = (flags & 1) != 0, tb = (flags & 2) != 0;
                    float[] a = random(r, m * k), bb = random(r, k * n), c = random(r, m * n);
                    float alpha = 0.5f + r.nextFloat(), beta = flags == 3 ? 0.75f : 0f;
                    Tensor A = ta ? t(a, k, m) : t(a, m, k), B = tb ? t(bb, n, k) : t(bb, k, n), C = t(c.clone(), m, n);
                    b.gemm(p, ta, tb, alpha, A, B, beta, C);
                    float[] got = C.toArray();
                    String what = p + " gemm m=" + m + " n=" + n + " k=" + k + " ta=" + ta + " tb=" + tb;
                    assertClose(Reference.gemm(ta, tb, m, n, k, alpha, rounded(p, a), rounded(p, bb), beta, c), got, RTOL, ATOL * k, what);
                    if (k >= 11) {
                        float[] unrounded = Reference.gemm(ta, tb, m, n, k, alpha, a, bb, beta, c);
                        // fp32's own rounding moves these sums by about 1e-7 * sqrt(k), bf16's and tf32's by 1e-4 * sqrt(k) or more
                        assertTrue(maxAbsDiff(unrounded, got) > 1e-5 * Math.sqrt(k), what + ": no different from fp32, so the inputs were not rounded");
                    }
                    assertArrayEquals(a, A.toArray(), what + ": a unchanged");
                    assertArrayEquals(bb, B.toArray(), what + ": b unchanged");
                }
            }
        }
    }

    @Test void convolverRoundsTheInputsOfEachProduct() {
        Random r = new Random(32);
        // odd sizes; wide layers as blocked layouts see them (16 channels, counts that pad a block); DeepConvNet's conv4 (pad 2) and conv6
        ConvGeometry[] gs = {new ConvGeometry(2, 3, 7, 6, 3, 3, 1, 1), new ConvGeometry(3, 1, 9, 9, 5, 5, 1, 0),
                new ConvGeometry(2, 16, 9, 9, 3, 3, 1, 1), new ConvGeometry(3, 20, 7, 6, 3, 3, 1, 2), new ConvGeometry(2, 8, 6, 5, 3, 3, 2, 1),
                new ConvGeometry(2, 32, 14, 14, 3, 3, 1, 2), new ConvGeometry(2, 64, 8, 8, 3, 3, 1, 1)};
        int[] filters = {5, 30, 16, 24, 40, 32, 64};
        for (Precision p : precisions()) {
            for (int i = 0; i < gs.length; i++) {
                ConvGeometry g = gs[i];
                int f = filters[i], ckk = g.c() * g.kh() * g.kw(), n = g.n();
                try (Convolver conv = b.convolver(g, f, p)) {
                    for (int round = 0; round < 2; round++) {       // twice: state kept from one step to the next must not leak
                        float[] x = random(r, g.inputShape().size()), w = random(r, f * ckk), bias = random(r, f);
                        float[] dy = random(r, n * f * g.outH() * g.outW());
                        float[] y = Reference.convolution(rounded(p, x), rounded(p, w), bias, g, f);
                        float[][] grads = Reference.convolutionBackward(rounded(p, x), rounded(p, w), rounded(p, dy), g, f);
                        Tensor X = t(x, g.inputShape().dims()), W = t(w, f, ckk), B = t(bias, f), DY = t(dy, n, f, g.outH(), g.outW());
                        Tensor Y = t(Tensors.sentinel(y.length), n, f, g.outH(), g.outW()), DW = t(Tensors.sentinel(w.length), f, ckk);
                        Tensor DB = t(Tensors.sentinel(f), f), DX = t(Tensors.sentinel(x.length), g.inputShape().dims());
                        String what = p + " convolver " + g + " filters " + f;
                        conv.forward(X, W, B, Y);
                        float[] got = Y.toArray();
                        assertClose(y, got, RTOL, ATOL * ckk, what + " forward");
                        assertTrue(maxAbsDiff(Reference.convolution(x, w, bias, g, f), got) > 0, what + ": forward as in fp32");
                        conv.backward(X, W, DY, DW, DB, DX);
                        assertClose(grads[0], DW.toArray(), RTOL, ATOL * n * g.outH() * g.outW(), what + " dw");
                        // db sums dy itself, no product: oneDNN's bf16 kernels sum the rounded dy, the emulation the float32 one
                        float[] db = DB.toArray(), dbOfRounded = grads[1], dbOfFp32 = Reference.convolutionBackward(x, w, dy, g, f)[1];
                        double dbTol = ATOL * n * g.outH() * g.outW();
                        boolean nearRounded = true, nearFp32 = true;
                        for (int j = 0; j < f; j++) {
                            nearRounded &= Math.abs(db[j] - dbOfRounded[j]) <= dbTol + RTOL * Math.abs(dbOfRounded[j]);
                            nearFp32 &= Math.abs(db[j] - dbOfFp32[j]) <= dbTol + RTOL * Math.abs(dbOfFp32[j]);
                        }
                        assertTrue(nearRounded || nearFp32, what + " db: " + java.util.Arrays.toString(db) + ", neither the sums of dy rounded "
                                + java.util.Arrays.toString(dbOfRounded) + " nor of dy " + java.util.Arrays.toString(dbOfFp32));
                        assertClose(grads[2], DX.toArray(), RTOL, ATOL * f * g.kh() * g.kw(), what + " dx");
                        assertArrayEquals(x, X.toArray(), what + ": x unchanged");
                        assertArrayEquals(w, W.toArray(), what + ": w unchanged");
                    }
                }
            }
        }
    }

    /**
     * Three Adam steps of each convolutional network from the same weights on the same batch, in
     * fp32 and in each reduced precision: the losses agree within 2% and the weights within a
     * bound (bf16 keeps 8 significant bits, so a product is off by up to 2^-8 of each input,
     * and Adam's steps are lr-sized whatever the gradient's error), yet differ, so the network
     * did run in the precision.
     */
    @Test void aTrainingStepStaysNearFp32() {
        Random r = new Random(33);
        int batch = 20;
        float[] images = new float[batch * 784], labels = new float[batch];
        for (int i = 0; i < images.length; i++) images[i] = r.nextFloat();
        for (int i = 0; i < batch; i++) labels[i] = r.nextInt(10);
        for (String net : List.of("simple-cnn", "deep-cnn")) {
            float[][] fp32 = steps(net, Precision.FP32, images, labels, batch);
            for (Precision p : precisions()) {
                float[][] low = steps(net, p, images, labels, batch);
                String what = net + " " + p;
                for (int s = 0; s < 3; s++) {
                    assertEquals(fp32[0][s], low[0][s], 0.02 * Math.abs(fp32[0][s]), what + " loss at step " + (s + 1));
                }
                double worst = 0, moved = 0;
                for (int i = 1; i < fp32.length; i++) worst = Math.max(worst, maxAbsDiff(fp32[i], low[i]));
                for (int i = 1; i < fp32.length; i++) moved = Math.max(moved, maxAbsDiff(fp32[i], low[i]) > 0 ? 1 : 0);
                // Adam moves a weight by at most about lr = 0.001 a step: three steps, 0.003; bf16 may flip a step's sign
                assertTrue(worst <= 0.006, what + ": a weight is " + worst + " from fp32's after 3 steps");
                assertEquals(1.0, moved, what + ": the weights are fp32's bit for bit, so the products were not in " + p);
            }
        }
    }

    /** {losses of 3 steps, then each parameter's values after them}. */
    private float[][] steps(String net, Precision p, float[] images, float[] labels, int batch) {
        try (Sequential model = Networks.create(NetworkSpec.of(net), b, 7, p);
             Optimizer opt = new Optimizer(b, UpdateRule.Kind.ADAM, 0.001f, 0f);
             Tensor x = upload(b, images, batch, 1, 28, 28); Tensor y = b.allocate(Shape.of(batch))) {
            b.uploadLabels(labels, 0, 10, y);
            List<Parameter> params = model.parameters();
            float[][] out = new float[1 + params.size()][];
            out[0] = new float[3];
            for (int s = 0; s < 3; s++) {
                model.reseed(s);
                out[0][s] = model.loss(x, y, Mode.TRAIN).toArray()[0];
                model.backward();
                opt.step(params);
            }
            for (int i = 0; i < params.size(); i++) out[1 + i] = params.get(i).value().toArray();
            return out;
        }
    }

    @Test void aPrecisionTheBackendLacksIsRefusedByTheNetworkBuilder() {
        for (Precision p : Precision.values()) {
            if (p == Precision.FP32 || precisions().contains(p)) continue;
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.precisionDetail(p));
            assertTrue(e.getMessage().contains(p.id), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> Networks.create(NetworkSpec.of("simple-cnn"), b, 1, p));
        }
        for (Precision p : precisions()) assertTrue(b.precisionDetail(p).contains(p.id), b.precisionDetail(p));
    }
}
