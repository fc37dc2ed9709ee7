package groundup.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link BlockedPooling}'s book 2x2 pooling (stride 2, no padding) of a ReLU'd block, and its
 * backward, eight lanes of the block at a time with Java's Vector API
 * ({@code jdk.incubator.vector}, an incubator module on Java 17: the JVM must be started with
 * {@code --add-modules jdk.incubator.vector}; {@link BlockedPooling#vector()} says whether it
 * was). C2 on Java 17 auto-vectorizes none of the scalar loops; these ran 2.6x (forward) and
 * 1.8x (backward) faster than them on SimpleConvNet's blocks.
 *
 * <p>The results are the scalar loops' bit for bit (BlockedPoolingTest compares them): the same
 * int-bit max, the first tap equal to the max as the winner, +0 for the losers in the backward.
 *
 * <p>Why 256-bit vectors and not the CPU's widest: oneDNN's blocks are 8 or 16 channels, a
 * multiple of 8 lanes; two 256-bit halves of a 16-lane block ran as fast as one 512-bit vector
 * (the transposes to and from the NCHW planes, scalar, take most of the time); and a species
 * fixed at compile time is what C2 compiles to plain vector instructions.
 *
 * <pre>
 * block (H, W, B) lane-interleaved, as oneDNN wrote it; windows (PH, PW) = (H/2, W/2), P = PH*PW
 * forward:  bits (P, B) = max of the window's 4 taps' ReLU bits, winners (P, B) = first tap at it;
 *           then each real lane l out to its planes: yp[out + l*P + p], argmax[out + l*P + p]
 * backward: each real lane's dyp (masked where yp &gt; 0) and winner into (P, B), padding lanes 0;
 *           each window's 4 taps = dy where the tap won, else +0; an odd last row or column 0
 * </pre>
 */
final class VectorPooling {
    static final int LANES = 8;
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_256;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_256;

    private VectorPooling() {}

    /**
     * Runs both kernels on small made-up blocks until C2 has compiled them. Why: the Vector
     * API's first use costs about 0.6 s (its classes, and its operations interpreted, hundreds of
     * times slower than compiled, until C2 takes over), which a training run would otherwise
     * pay inside its first step; {@link BlockedPooling#warmUpInBackground} runs this on a thread
     * of its own while the data loads. Even and odd maps, with and without winners, blocks of 16
     * and 8, so that the compiled code covers the branches real layers take.
     */
    static void warmUp(int rounds) {
        float[] r = new float[16 * 8 * 8], scratch = new float[2 * 16 * 16], yp = new float[16 * 16], arg = new float[16 * 16];
        int[] bits = new int[2 * 16 * 16];
        for (int i = 0; i < r.length; i++) r[i] = i % 7 - 3;
        for (int k = 0; k < rounds; k++) {
            int block = (k & 2) == 0 ? 16 : 8, side = (k & 1) == 0 ? 8 : 7;
            pool2x2OfRelu(r, block, side, side / 2, side / 2, block, yp, (k & 4) == 0 ? arg : null, 0, bits);
            unpool2x2(yp, yp, arg, 0, block, block, side, side, r, scratch);
        }
    }

    /** Whether this CPU runs 256-bit vectors in hardware (the Vector API emulates them, slowly, where it does not). */
    static boolean fits() {
        return IntVector.SPECIES_PREFERRED.vectorBitSize() >= 256;
    }

    /**
     * One block: r (H, W, B) raw convolution output, of which lanes are real channels;
     * yp and argmax (null: winners not kept) take those channels' pooled planes from out;
     * scratch holds at least 2 * P * B ints.
     */
    static void pool2x2OfRelu(float[] r, int block, int w, int oh, int ow, int lanes, float[] yp, float[] argmax, int out,
                              int[] scratch) {
        int row = w * block, pooled = oh * ow, winners = pooled * block;
        IntVector three = IntVector.broadcast(I, 3);
        for (int oy = 0; oy < oh; oy++) {
            for (int ox = 0; ox < ow; ox++) {
                int i0 = 2 * oy * row + 2 * ox * block, t = (oy * ow + ox) * block;
                for (int l = 0; l < block; l += LANES) {
                    IntVector b0 = reluBits(r, i0 + l), b1 = reluBits(r, i0 + block + l);
                    IntVector b2 = reluBits(r, i0 + row + l), b3 = reluBits(r, i0 + row + block + l);
                    IntVector max = b0.max(b1).max(b2.max(b3));
                    max.intoArray(scratch, t + l);
                    if (argmax != null) {
                        three.blend(2, b2.eq(max)).blend(1, b1.eq(max)).blend(0, b0.eq(max)).intoArray(scratch, winners + t + l);
                    }
                }
            }
        }
        for (int l = 0; l < lanes; l++) {
            int o = out + l * pooled;
            for (int p = 0, at = l; p < pooled; p++, at += block) yp[o + p] = Float.intBitsToFloat(scratch[at]);
            if (argmax != null) for (int p = 0, at = winners + l; p < pooled; p++, at += block) argmax[o + p] = scratch[at];
        }
    }

    /** {@link BlockedPooling#reluBits} of eight floats of r from at. */
    private static IntVector reluBits(float[] r, int at) {
        IntVector b = FloatVector.fromArray(F, r, at).reinterpretAsInts(), abs = b.and(0x7fffffff);
        IntVector nan = abs.neg().add(0x7f800000).lanewise(VectorOperators.ASHR, 31);      // all ones where abs is a NaN's
        return b.max(0).or(abs.and(nan));
    }

    /**
     * The backward of {@link #pool2x2OfRelu} into one block r (H, W, B), every float of it
     * written; dyp, yp, argmax are the pooled planes from out; scratch holds at least
     * 2 * P * B floats.
     */
    static void unpool2x2(float[] dyp, float[] yp, float[] argmax, int out, int lanes, int block, int h, int w,
                          float[] r, float[] scratch) {
        int oh = h / 2, ow = w / 2, row = w * block, pooled = oh * ow, winners = pooled * block;
        for (int l = 0; l < block; l++) {
            int o = out + l * pooled;
            if (l < lanes) {
                for (int p = 0, at = l; p < pooled; p++, at += block) {
                    scratch[at] = ReluGradient.of(dyp[o + p], yp[o + p]);
                    scratch[winners + at] = argmax[o + p];
                }
            } else {
                for (int p = 0, at = l; p < pooled; p++, at += block) {
                    scratch[at] = 0f;
                    scratch[winners + at] = 0f;
                }
            }
        }
        for (int oy = 0; oy < oh; oy++) {
            for (int ox = 0; ox < ow; ox++) {
                int i0 = 2 * oy * row + 2 * ox * block, t = (oy * ow + ox) * block;
                for (int l = 0; l < block; l += LANES) {
                    // zero made here, not before the loops: a vector live across a loop's back edge may be
                    // boxed there by C2 (an array each call, 1.9 KB a SimpleConvNet step at batch 20)
                    FloatVector zero = FloatVector.zero(F);
                    FloatVector d = FloatVector.fromArray(F, scratch, t + l), k = FloatVector.fromArray(F, scratch, winners + t + l);
                    zero.blend(d, k.eq(0f)).intoArray(r, i0 + l);
                    zero.blend(d, k.eq(1f)).intoArray(r, i0 + block + l);
                    zero.blend(d, k.eq(2f)).intoArray(r, i0 + row + l);
                    zero.blend(d, k.eq(3f)).intoArray(r, i0 + row + block + l);
                }
            }
        }
        // the taps no window covers: the last column of each covered row where W is odd, the last row where H is odd
        if (w % 2 != 0) for (int y = 0; y < 2 * oh; y++) java.util.Arrays.fill(r, (y * w + w - 1) * block, (y * w + w) * block, 0f);
        if (h % 2 != 0) java.util.Arrays.fill(r, (h - 1) * row, h * row, 0f);
    }
}
