package groundup.testing;

import static org.junit.jupiter.api.Assertions.fail;

import groundup.backend.Backend;
import groundup.tensor.Shape;
import groundup.tensor.Tensor;
import java.util.Random;

/** Test helpers: random data (never zeros), uploads, and tolerant comparisons that say where. */
public final class Tensors {
    private Tensors() {}

    /** Uniform in [-1, 1), with no exact zeros. */
    public static float[] random(Random rnd, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            float v;
            do { v = rnd.nextFloat() * 2 - 1; } while (v == 0f);
            a[i] = v;
        }
        return a;
    }

    public static Tensor upload(Backend b, float[] data, int... dims) {
        Tensor t = b.allocate(Shape.of(dims));
        b.upload(data, 0, t);
        return t;
    }

    public static float[] sentinel(int n) {
        float[] a = new float[n];
        java.util.Arrays.fill(a, 12345.5f);
        return a;
    }

    /**
     * |e - a| <= atol + rtol*|e| everywhere; an infinite or NaN expected value needs exactly the
     * same in actual (the tolerance of an infinity would accept anything). Else fails naming
     * the first bad index.
     */
    public static void assertClose(float[] expected, float[] actual, double rtol, double atol, String what) {
        if (expected.length != actual.length) fail(what + ": length " + actual.length + ", expected " + expected.length);
        for (int i = 0; i < expected.length; i++) {
            double e = expected[i], a = actual[i];
            boolean special = !Double.isFinite(e) || !Double.isFinite(a);
            if (special ? !(e == a || Double.isNaN(e) && Double.isNaN(a)) : Math.abs(e - a) > atol + rtol * Math.abs(e)) {
                fail(what + ": at index " + i + " expected " + e + " but got " + a + " (rtol " + rtol + ", atol " + atol + ")");
            }
        }
    }
}
