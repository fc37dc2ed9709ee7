package groundup.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import groundup.tensor.ConvGeometry;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The ReLU + pooling on oneDNN's channel-blocked layout against the backend's own pooling of
 * the same output in NCHW (PlanePooling.maxPool, unpool), whatever layout oneDNN
 * happens to pick on this machine: blocks of 16, 8 and 1, channel counts that leave padding
 * lanes, odd maps whose last row and column no window reads, the book's 2x2 windows and
 * others, ties (ReLU zeros), NaNs of both signs and infinities; the book's 2x2 windows both in
 * scalar loops and in the Vector API's lanes (VectorPooling), bit for bit the same.
 */
class BlockedPoolingTest {

    /** {images, filters, h, w, window, stride, pad} */
    private static final int[][] CASES = {
            {2, 16, 8, 8, 2, 2, 0}, {3, 20, 7, 9, 2, 2, 0}, {2, 5, 6, 6, 2, 2, 0}, {1, 33, 5, 4, 2, 2, 0},
            {2, 16, 7, 7, 3, 2, 1}, {2, 12, 6, 5, 2, 1, 0}, {2, 30, 12, 10, 2, 2, 0}, {1, 8, 3, 3, 2, 2, 0},
    };

    /** The Vector API's module is in the test JVM (surefire's argLine), so the vectorized pooling is tested, not skipped. */
    @Test void theTestsRunWithTheVectorModule() {
        assertTrue(ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent(), "surefire's argLine lost --add-modules jdk.incubator.vector");
    }

    /** The warm-up's eight variants (blocks 16 and 8, even and odd maps, with and without winners) run on arrays that fit them. */
    @Test void theWarmUpRunsEveryVariant() {
        assumeTrue(VectorPooling.fits(), "this CPU has no 256-bit vectors");
        VectorPooling.warmUp(8);
    }

    @Test void theVectorChoiceIsExplicit() {
        assertFalse(BlockedPooling.vectorChosen("off", true));
        assertFalse(BlockedPooling.vectorChosen("auto", false));
        assertEquals(VectorPooling.fits(), BlockedPooling.vectorChosen("auto", true));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> BlockedPooling.vectorChosen("on", false));
        assertTrue(e.getMessage().contains("--add-modules jdk.incubator.vector"), e.getMessage());
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> BlockedPooling.vectorChosen("yes", true));
        assertTrue(bad.getMessage().contains("auto, on or off"), bad.getMessage());
    }

    @Test void poolsAndUnpoolsAsTheBackendDoesOnNchw() {
        Random r = new Random(3);
        try (Parallel parallel = new Parallel(2)) {
            for (int block : new int[] {16, 8, 1}) {
                for (int[] c : CASES) {
                    for (boolean vector : new boolean[] {false, true}) {
                    ConvGeometry pool = new ConvGeometry(c[0], c[1], c[2], c[3], c[4], c[4], c[5], c[6]);
                    String what = "block " + block + " " + pool + (vector ? " vector" : " scalar");
                    int n = pool.n(), f = pool.c(), hw = pool.h() * pool.w(), blocks = (f + block - 1) / block;
                    int pooledPlane = pool.outH() * pool.outW(), pooled = n * f * pooledPlane;
                    float[] y = new float[n * f * hw];
                    for (int i = 0; i < y.length; i++) y[i] = r.nextInt(4) == 0 ? 0f : r.nextFloat() * 2 - 1;   // ties
                    y[1] = Float.NaN;
                    y[hw + 2] = Float.intBitsToFloat(0xffc00000);                                         // x86's default NaN: sign set
                    y[y.length - 1] = Float.POSITIVE_INFINITY;
                    y[y.length / 2] = Float.NEGATIVE_INFINITY;
                    y[y.length / 3] = -0f;

                    // the blocked copy, with garbage in the padding lanes (a layout's padding is not ours to read)
                    FloatBuffer blocked = ByteBuffer.allocateDirect(n * blocks * block * hw * Float.BYTES)
                            .order(ByteOrder.nativeOrder()).asFloatBuffer();
                    for (int i = 0; i < blocked.capacity(); i++) blocked.put(i, Float.NaN);
                    for (int img = 0; img < n; img++) {
                        for (int ch = 0; ch < f; ch++) {
                            for (int p = 0; p < hw; p++) blocked.put(((img * blocks + ch / block) * hw + p) * block + ch % block, y[(img * f + ch) * hw + p]);
                        }
                    }

                    // the oracle: the backend's ReLU, then its pooling, on NCHW
                    float[] relu = new float[y.length];
                    for (int i = 0; i < y.length; i++) relu[i] = Math.max(y[i], 0f);
                    float[] wantP = new float[pooled], wantA = new float[pooled];
                    for (int plane = 0; plane < n * f; plane++) PlanePooling.maxPool(relu, plane * hw, wantP, wantA, plane * pooledPlane, pool);

                    if (vector) assumeTrue(VectorPooling.fits(), "this CPU has no 256-bit vectors");
                    BlockedPooling bp = new BlockedPooling(parallel, block, pool, vector);
                    assertEquals(vector && block % 8 == 0 && PlanePooling.isBook2x2(pool), bp.vectorized(), what);
                    float[] yp = new float[pooled], arg = new float[pooled];
                    FloatBuffer blockedYp = ByteBuffer.allocateDirect(n * blocks * block * pooledPlane * Float.BYTES)
                            .order(ByteOrder.nativeOrder()).asFloatBuffer();
                    for (int i = 0; i < blockedYp.capacity(); i++) blockedYp.put(i, Float.NaN);
                    bp.forward(blocked, yp, arg, blockedYp);
                    for (int img = 0; img < n; img++) {                    // yp again, blocked as y was; padding lanes +0
                        for (int ch = 0; ch < blocks * block; ch++) {
                            for (int p = 0; p < pooledPlane; p++) {
                                float got = blockedYp.get(((img * blocks + ch / block) * pooledPlane + p) * block + ch % block);
                                float want = ch < f ? yp[(img * f + ch) * pooledPlane + p] : 0f;
                                assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(got),
                                        "blocked yp of image " + img + " channel " + ch + " at " + p + ", " + what);
                            }
                        }
                    }
                    float[] ypOnly = new float[pooled];
                    bp.forward(blocked, ypOnly, null, null);                // inference: no winners kept
                    assertArrayEquals(bits(yp), bits(ypOnly), "pooled values without winners, " + what);
                    if (vector) {                                           // the same bits as the scalar loops, NaNs included
                        float[] sp = new float[pooled], sa = new float[pooled];
                        new BlockedPooling(parallel, block, pool, false).forward(blocked, sp, sa, null);
                        assertArrayEquals(bits(sp), bits(yp), "vector against scalar pooled bits, " + what);
                        assertArrayEquals(sa, arg, "vector against scalar winners, " + what);
                    }
                    assertArrayEquals(wantA, arg, "argmax, " + what);
                    assertArrayEquals(wantP, yp, "pooled values, " + what);     // NaNs compare equal whatever their bits

                    float[] dyp = new float[pooled];
                    for (int i = 0; i < pooled; i++) dyp[i] = r.nextFloat() * 2 - 1;
                    float[] wantDy = new float[y.length];
                    for (int plane = 0; plane < n * f; plane++) {
                        PlanePooling.unpool(dyp, wantP, wantA, plane * pooledPlane, pool, wantDy, plane * hw);
                    }
                    for (int i = 0; i < blocked.capacity(); i++) blocked.put(i, Float.NaN);    // stale values must all be overwritten
                    bp.backward(dyp, yp, arg, blocked);
                    for (int img = 0; img < n; img++) {
                        for (int ch = 0; ch < blocks * block; ch++) {
                            for (int p = 0; p < hw; p++) {
                                float got = blocked.get(((img * blocks + ch / block) * hw + p) * block + ch % block);
                                float want = ch < f ? wantDy[(img * f + ch) * hw + p] : 0f;
                                assertEquals(want, got, 0f, "dy of image " + img + " channel " + ch + " at " + p + ", " + what);
                                assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(got), "dy's bits (+0, not -0), " + what);
                            }
                        }
                    }
                    }
                }
            }
        }
    }

    private static int[] bits(float[] v) {
        int[] b = new int[v.length];
        for (int i = 0; i < v.length; i++) b[i] = Float.floatToRawIntBits(v[i]);
        return b;
    }

    /** reluBits orders as Float.compare orders max(v, 0) (NaN above all), over special values and random bits. */
    @Test void reluBitsOrderAsTheReluOutputDoes() {
        float[] special = {0f, -0f, Float.MIN_VALUE, -Float.MIN_VALUE, 1f, -1f, Float.MAX_VALUE, -Float.MAX_VALUE,
                Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, Float.intBitsToFloat(0xffc00000), Float.intBitsToFloat(0x7f800001)};
        Random r = new Random(5);
        float[] v = new float[special.length + 2000];
        System.arraycopy(special, 0, v, 0, special.length);
        for (int i = special.length; i < v.length; i++) v[i] = Float.intBitsToFloat(r.nextInt());
        for (float a : v) {
            float ra = Math.max(a, 0f);
            assertEquals(Float.isNaN(ra), Float.isNaN(Float.intBitsToFloat(BlockedPooling.reluBits(a))), "NaN kept: " + a);
            if (!Float.isNaN(ra)) assertEquals(Float.floatToRawIntBits(ra), BlockedPooling.reluBits(a), "bits of max(" + a + ", 0)");
            assertTrue(BlockedPooling.reluBits(a) >= 0, "a ReLU output's bits are a non-negative int: " + a);
            for (int j = 0; j < 40; j++) {
                float b = v[r.nextInt(v.length)], rb = Math.max(b, 0f);
                int want = Integer.signum(Float.compare(ra, rb)), got = Integer.signum(Integer.compare(BlockedPooling.reluBits(a), BlockedPooling.reluBits(b)));
                if (Float.isNaN(ra) && Float.isNaN(rb)) continue;        // two NaNs: either may win
                assertEquals(want, got, "order of max(" + a + ", 0) and max(" + b + ", 0)");
            }
        }
    }
}
