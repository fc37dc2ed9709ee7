package groundup.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Rounding float32 to a narrower significand (bf16: drop 16 bits), nearest, ties to even, NaN
 * kept: {@link groundup.backend.Precision#round}, eight floats at a time with Java's Vector API.
 * C2 on Java 17 vectorizes no loop through Float.floatToRawIntBits: scalar, it took 1-2 ns a
 * float (SimpleConvNet's affine layer rounds 1.7 million a step). The same bits as the scalar
 * loop in {@link CpuBackend} (PrecisionContract checks both paths against the reference).
 * Only loaded where the JVM has the module ({@link BlockedPooling#vector()}).
 */
final class VectorRounding {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_256;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_256;

    private VectorRounding() {}

    /** dst[lo, hi) = src[lo, hi) with the low {@code drop} significand bits rounded off; returns where the vectors stopped. */
    static int round(float[] src, float[] dst, int lo, int hi, int drop) {
        int half = (1 << (drop - 1)) - 1, keep = -1 << drop;
        int i = lo;
        for (int end = lo + F.loopBound(hi - lo); i < end; i += F.length()) {
            IntVector bits = FloatVector.fromArray(F, src, i).reinterpretAsInts();
            IntVector abs = bits.and(0x7fffffff);
            IntVector r = bits.add(half).add(bits.lanewise(VectorOperators.LSHR, drop).and(1)).and(keep);
            r.blend(bits, abs.compare(VectorOperators.GT, 0x7f800000)).reinterpretAsFloats().intoArray(dst, i);
        }
        return i;
    }
}
