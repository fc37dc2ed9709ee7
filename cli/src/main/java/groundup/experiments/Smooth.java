package groundup.experiments;

/**
 * The book's {@code smooth_curve} (common/util.py), used on its loss plots: a moving average
 * with an 11-point Kaiser window (beta 2) over the series mirrored at both ends, so the result
 * is as long as the input. A NaN in the window gives NaN.
 */
public final class Smooth {
    private static final int WINDOW = 11;
    private static final double[] WEIGHTS = kaiser(WINDOW, 2);

    private Smooth() {}

    public static double[] curve(double[] x) {
        int n = x.length, pad = WINDOW - 1;
        if (n < WINDOW) return x.clone();
        // s = np.r_[x[10:0:-1], x, x[-1:-11:-1]], length n + 20
        double[] s = new double[n + 2 * pad];
        for (int j = 0; j < pad; j++) s[j] = x[pad - j];
        System.arraycopy(x, 0, s, pad, n);
        for (int j = 0; j < pad; j++) s[pad + n + j] = x[n - 1 - j];
        // np.convolve(w, s, 'valid')[5 : -5]: the window is symmetric, so convolution is correlation
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            double sum = 0;
            for (int k = 0; k < WINDOW; k++) sum += WEIGHTS[k] * s[i + WINDOW / 2 + k];
            out[i] = sum;
        }
        return out;
    }

    /** numpy.kaiser(n, beta), normalized to sum 1. */
    static double[] kaiser(int n, double beta) {
        double[] w = new double[n];
        double sum = 0;
        for (int i = 0; i < n; i++) {
            double r = 2.0 * i / (n - 1) - 1;
            w[i] = besselI0(beta * Math.sqrt(1 - r * r)) / besselI0(beta);
            sum += w[i];
        }
        for (int i = 0; i < n; i++) w[i] /= sum;
        return w;
    }

    /** The modified Bessel function of the first kind, order 0, by its power series. */
    private static double besselI0(double x) {
        double term = 1, sum = 1, q = x * x / 4;
        for (int k = 1; k < 50; k++) {
            term *= q / ((double) k * k);
            sum += term;
        }
        return sum;
    }
}
