package groundup.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.bytedeco.dnnl.engine;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.reorder;
import org.bytedeco.dnnl.stream;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.api.Test;

/**
 * The Java packing of activations into oneDNN's channel-blocked layouts (nChw16c, nChw8c) and
 * back, against oneDNN's own reorder of the same array (what the operand did before, and what
 * weights and other layouts still take): bit for bit, padding channels +0 whatever the memory
 * held, odd channel counts and maps, one and two threads; and the ReLU mask on load and the
 * ReLU on store, NaN, -0 and infinities included.
 */
class DnnlOperandTest {

    /** {images, channels, h, w} */
    private static final int[][] SHAPES = {{2, 16, 4, 3}, {3, 20, 5, 7}, {1, 5, 3, 3}, {2, 33, 2, 5}, {4, 8, 1, 1}};

    @Test void packsAndUnpacksAsOneDnnReorders() {
        Random r = new Random(11);
        for (memory.format_tag tag : new memory.format_tag[] {memory.format_tag.nChw16c, memory.format_tag.nChw8c}) {
            for (int threads : new int[] {1, 2}) {
                for (int[] s : SHAPES) {
                    String what = tag + " " + java.util.Arrays.toString(s) + ", " + threads + " threads";
                    List<Pointer> owned = new ArrayList<>();
                    try (Parallel parallel = new Parallel(threads)) {
                        engine eng = Dnnl.engine();
                        stream st = keep(owned, new stream(eng));
                        long[] dims = {s[0], s[1], s[2], s[3]};
                        memory.desc blocked = keep(owned, new memory.desc(dims, memory.data_type.f32, tag));
                        DnnlOperand op = new DnnlOperand.Factory(eng, st, parallel, new LayoutCounter(), owned).operand(dims, memory.format_tag.nchw, blocked);
                        assertEquals(tag == memory.format_tag.nChw16c ? 16 : 8, op.channelBlock(), what);
                        int len = s[0] * s[1] * s[2] * s[3];
                        float[] x = values(r, len), y = values(r, len);
                        FloatBuffer inner = op.innerFloats();

                        // load: as oneDNN reorders x; padding lanes +0 though the memory held NaNs
                        for (int i = 0; i < inner.capacity(); i++) inner.put(i, Float.NaN);
                        op.load(x);
                        assertBits(oneDnnPacked(owned, eng, st, dims, blocked, x), inner, what + ": load");

                        // loadReluMasked: x where y > 0, else +0 (NaN in y masks, as in CpuBackend)
                        float[] masked = new float[len];
                        for (int i = 0; i < len; i++) masked[i] = y[i] > 0f ? x[i] : 0f;
                        for (int i = 0; i < inner.capacity(); i++) inner.put(i, Float.NaN);
                        op.loadReluMasked(x, y);
                        assertBits(oneDnnPacked(owned, eng, st, dims, blocked, masked), inner, what + ": loadReluMasked");

                        // store and storeRelu: the array back, and its ReLU (NaN kept, -0 to +0)
                        op.load(x);
                        float[] back = new float[len], relu = new float[len], expected = new float[len];
                        op.store(back);
                        assertBits(x, FloatBuffer.wrap(back), what + ": store");
                        op.storeRelu(relu);
                        for (int i = 0; i < len; i++) expected[i] = Math.max(x[i], 0f);
                        assertBits(expected, FloatBuffer.wrap(relu), what + ": storeRelu");
                    } finally {
                        for (int i = owned.size() - 1; i >= 0; i--) owned.get(i).close();
                    }
                }
            }
        }
    }

    /** Random values, with NaNs of both signs, infinities, -0 and +0 among them. */
    private static float[] values(Random r, int len) {
        float[] v = new float[len];
        float[] special = {Float.NaN, Float.intBitsToFloat(0xffc00001), Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, -0f, 0f};
        for (int i = 0; i < len; i++) v[i] = r.nextInt(8) == 0 ? special[r.nextInt(special.length)] : (float) r.nextGaussian();
        return v;
    }

    /** x (N, C, H, W) reordered into the blocked layout by oneDNN itself, as floats. */
    private static float[] oneDnnPacked(List<Pointer> owned, engine eng, stream st, long[] dims, memory.desc blocked, float[] x) {
        memory.desc plainDesc = keep(owned, new memory.desc(dims, memory.data_type.f32, memory.format_tag.nchw));
        FloatPointer plainData = keep(owned, new FloatPointer(x));
        memory plain = keep(owned, new memory(plainDesc, eng, plainData)), out = keep(owned, new memory(blocked, eng));
        keep(owned, new reorder(plain, out)).execute(st, plain, out);
        st._wait();
        int n = (int) (blocked.get_size() / Float.BYTES);
        float[] packed = new float[n];
        new FloatPointer(out.get_data_handle()).capacity(n).get(packed);
        return packed;
    }

    private static void assertBits(float[] expected, FloatBuffer actual, String what) {
        assertEquals(expected.length, actual.capacity(), what + ": size");
        for (int i = 0; i < expected.length; i++) {
            assertEquals(Float.floatToRawIntBits(expected[i]), Float.floatToRawIntBits(actual.get(i)),
                    what + ": float " + i + " is " + actual.get(i) + ", expected " + expected[i]);
        }
    }

    private static <P extends Pointer> P keep(List<Pointer> owned, P p) {
        owned.add(p);
        return p;
    }
}
