package groundup.backend;

/**
 * The counter-based random numbers behind {@link Backend#dropout}: a pure function of
 * (seed, index), so the CPU and a GPU draw the same mask without sharing a generator
 * state, and a step can be replayed exactly. SplitMix64's finalizer over seed + index.
 */
public final class DropoutHash {
    private DropoutHash() {}

    /**
     * The seed of step {@code step} of a run seeded {@code seed}: seed + step * 0x9E3779B97F4A7C15
     * (mod 2^64), what {@link Backend#dropout} draws its mask from.
     */
    public static long seed(long seed, long step) { return seed + step * 0x9E3779B97F4A7C15L; }

    /** A uniform float in [0, 1) with 24 random bits. */
    public static float uniform(long seed, long index) {
        long z = seed + (index + 1) * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z = z ^ (z >>> 31);
        return (z >>> 40) * 0x1.0p-24f;
    }
}
