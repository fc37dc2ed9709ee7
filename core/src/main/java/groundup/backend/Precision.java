package groundup.backend;

import java.util.Locale;

/**
 * The number format a network's matrix products (convolutions and affine layers) take their
 * inputs in. Every tensor stays float32: weights, optimizer state, activations, the loss, the
 * softmax and batch norm's statistics. Only the two inputs of a product are rounded, and the
 * products are summed in float32, as bf16 hardware does (AVX512-BF16 and AMX on the CPU, tensor
 * cores on a GPU) and as PyTorch's {@code autocast(dtype=torch.bfloat16)} asks of it.
 *
 * <ul>
 * <li>{@link #FP32}: float32 throughout (the default).
 * <li>{@link #BF16}: inputs rounded to bfloat16 (8 significant bits, float32's exponent range).
 * <li>{@link #TF32}: inputs rounded to TensorFloat-32 (11 significant bits), CUDA's tensor-core
 *     format for float32 GEMMs; the CPU has no TF32 and refuses it.
 * </ul>
 * A product of two bf16 (or tf32) values is exact in float32 (16 or 22 significant bits), so a
 * backend that rounds the inputs and multiplies in float32 computes what bf16 hardware computes,
 * up to the order of the sums: that is the reference ({@link #round}) the backends are tested
 * against, and what a backend without bf16 instructions runs.
 */
public enum Precision {
    FP32("fp32", 0),
    TF32("tf32", 13),
    BF16("bf16", 16);

    /** The system property that sets a run's precision where no option does: {@code -Dgroundup.precision=bf16}. */
    public static final String PROPERTY = "groundup.precision";

    /** What files and options spell it: fp32, tf32, bf16. */
    public final String id;
    private final int droppedBits;          // of float32's 23 stored significand bits

    Precision(String id, int droppedBits) {
        this.id = id;
        this.droppedBits = droppedBits;
    }

    /** fp32, tf32 or bf16, any case; anything else an IllegalArgumentException naming the choices. */
    public static Precision parse(String s) {
        String v = s == null ? "" : s.trim().toLowerCase(Locale.ROOT);
        for (Precision p : values()) if (p.id.equals(v)) return p;
        throw new IllegalArgumentException("precision '" + s + "': expected fp32, bf16 or tf32");
    }

    /** {@link #PROPERTY}'s value, FP32 where it is unset. */
    public static Precision requested() {
        String v = System.getProperty(PROPERTY);
        return v == null || v.isBlank() ? FP32 : parse(v);
    }

    /**
     * x rounded to this precision's significand, to nearest, ties to even (the hardware's
     * conversion), as a float: a value too large for the format becomes an infinity, as it does
     * there; NaN and infinities are kept. FP32 returns x.
     */
    public float round(float x) {
        if (droppedBits == 0 || Float.isNaN(x)) return x;
        int bits = Float.floatToRawIntBits(x);
        int half = (1 << (droppedBits - 1)) - 1, lsb = (bits >>> droppedBits) & 1;
        return Float.intBitsToFloat((bits + half + lsb) & (-1 << droppedBits));
    }

    /** The low bits of float32's significand this format drops: 0 (fp32), 13 (tf32), 16 (bf16). */
    public int droppedBits() { return droppedBits; }

    @Override public String toString() { return id; }
}
