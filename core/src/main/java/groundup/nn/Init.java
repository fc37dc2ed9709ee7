package groundup.nn;

import java.util.Random;

/**
 * Weight initializers of the book (chapter 6): N(0, std^2) with a fixed std, Xavier
 * (std = sqrt(1/fanIn)) or He (std = sqrt(2/fanIn)). Biases start at zero.
 */
public record Init(Kind kind, double fixedStd) {
    public enum Kind { STD, XAVIER, HE }

    public static Init std(double std) { return new Init(Kind.STD, std); }

    public static Init xavier() { return new Init(Kind.XAVIER, 0); }

    public static Init he() { return new Init(Kind.HE, 0); }

    public double std(int fanIn) {
        return switch (kind) {
            case STD -> fixedStd;
            case XAVIER -> Math.sqrt(1.0 / fanIn);
            case HE -> Math.sqrt(2.0 / fanIn);
        };
    }

    /** n draws of N(0, std(fanIn)^2). */
    public float[] sample(Random rnd, int n, int fanIn) {
        double s = std(fanIn);
        float[] w = new float[n];
        for (int i = 0; i < n; i++) w[i] = (float) (rnd.nextGaussian() * s);
        return w;
    }

    @Override public String toString() {
        return kind == Kind.STD ? "std " + fixedStd : kind.name().toLowerCase();
    }
}
