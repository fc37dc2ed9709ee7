package groundup.nn;

import groundup.tensor.Shape;
import groundup.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.DoubleSupplier;
import java.util.function.DoubleUnaryOperator;

/**
 * Backpropagation against numerical gradients. The analytic side is the backend's backward in
 * float32, as training runs it. The numerical side differentiates the same function computed in
 * float64 ({@link Float64Forward}, from the same float32 parameters and, for dropout, the same
 * mask), by central differences at a step h and at h/2:
 * <pre>
 * D(s) = (L(v + s) - L(v - s)) / 2s          numerical = D(h/2)
 * </pre>
 * <b>Tolerance, per entry.</b> An entry's error is |numerical - analytic| / scale, scale =
 * max(|numerical|, |analytic|, floor), floor = 1% of the tensor's largest analytic entry: float32
 * rounding of a gradient entry is relative to the terms summed into it, which are those of the
 * tensor's large entries, not to the entry itself. (A tensor whose numerical gradient is zero,
 * see {@link #ZERO_GRADIENT}, is measured against {@link #ZERO_FLOOR} instead.) It passes when
 * the error is at most {@link #FLOAT32_TOLERANCE} + u, where u bounds the numerical side's own
 * error, relative to the same scale:
 * <ul>
 * <li>truncation: Richardson's estimate, |D(h) - D(h/2)| is three times D(h/2)'s h^2 error;
 * <li>a kink (ReLU at 0, a max pooling's tie) within the step: then |D(h) - D(h/2)|, or the
 *     change of the one-sided slopes' gap when the step halves, |gap(h/2) - gap(h)/2| with
 *     gap(s) = (L(v+s) - 2L(v) + L(v-s)) / s, is at least an eighth of the error the kink puts in
 *     D(h/2) (worked out for one kink at any distance within the step; both are O(h^2) without);
 * <li>float64 rounding: about 1e-16 of the loss over h, far below both.
 * </ul>
 * u = 4 max(|D(h) - D(h/2)|, |gap(h/2) - gap(h)/2|) / scale. An entry with u above
 * {@link #MAX_UNCERTAINTY} cannot tell a 1% error from none and is skipped (counted in
 * {@link Result#skipped}: "at a kink"). A tensor passes when at least half its sampled entries
 * are compared and every compared entry passes. The first row of each check compares the
 * float64 forward's output with the backend's: if they differ beyond float32 rounding, the
 * numerical gradients are of another function, and the check fails there.
 * Slow by design: four float64 forwards per entry (a network's from the perturbed layer on).
 */
public final class GradientCheck {
    private GradientCheck() {}

    /**
     * The float32 analytic side's allowance, relative to an entry's scale. A backend's gradient
     * entry is a chain of at most D sums of at most K float32 products (u = 2^-24 = 6e-8 each)
     * at float32 activations, so it is off by about D sqrt(K) u: 1e-5 for the book's networks
     * (K up to 4,320, D up to 9), as measured (docs/experiments.md). Batch norm over a tiny batch
     * amplifies it: its backward subtracts terms of the size of the gradient it receives to leave
     * a much smaller one (measured up to 5.5e-4 over 3 images). 2e-3 is well above both and, with
     * the numerical side's allowance (at most {@link #MAX_UNCERTAINTY}), still below the 1% error
     * every check must catch (a gradient 1.01 times the right one is off by 9.9e-3).
     */
    public static final double FLOAT32_TOLERANCE = 2e-3;

    /** An entry whose numerical side is less certain than this (relative, see above) is not compared: a kink lies within the step. */
    public static final double MAX_UNCERTAINTY = 2e-3;

    /**
     * A tensor whose numerical gradient is below this, relative to the check's largest analytic
     * entry, has a zero gradient (a bias before batch norm: the normalization removes it exactly).
     * Float64 rounding leaves about 1e-11 in a numerical gradient.
     */
    public static final double ZERO_GRADIENT = 1e-7;

    /**
     * The scale of a zero gradient's entries, relative to the check's largest analytic entry: its
     * analytic side must be below {@link #FLOAT32_TOLERANCE} times this, 2e-5. What is left there
     * is float32 rounding of the terms that cancel, measured up to 1e-6 (a batch-normalized net
     * on 3 images). A 1% error in a zero gradient is zero: nothing else to catch.
     */
    public static final double ZERO_FLOOR = 1e-2;

    /**
     * The default step. A smaller one crosses fewer kinks (a conv weight moves thousands of ReLU
     * and pooling inputs: at 1e-5 a few of them cross); float64 rounding leaves about 1e-16 of the
     * loss over h in D(h), 1e-10 here, far below the gradients checked.
     */
    public static final double DEFAULT_STEP = 1e-6;

    /**
     * One tensor's check: the entry closest to failing (largest error / tolerance) and the book's
     * figure, the mean |numerical - analytic| over the entries compared. For the forward row,
     * "numerical" is the float64 forward's value and "analytic" the backend's.
     */
    public record Result(String name, int checked, int skipped, double error, double tolerance, int worstIndex, double numerical,
                         double analytic, double largestAnalytic, double meanAbsDifference) {
        public int compared() { return checked - skipped; }

        public boolean passed() { return compared() > 0 && 2 * compared() >= checked && error <= tolerance; }

        @Override public String toString() {
            return String.format("%s: %s, %d entries (%d at a kink), error %.2e against tolerance %.2e at %d (numerical %.6g, analytic %.6g;"
                    + " largest |analytic| %.3g)", name, passed() ? "passed" : "FAILED", checked, skipped, error, tolerance, worstIndex, numerical,
                    analytic, largestAnalytic);
        }
    }

    /** Where a long check reports: parameters checked so far of all. */
    public interface Progress {
        void checked(int done, int total);
    }

    /**
     * Checks every parameter of a network under its own loss (training mode, dropout's mask of
     * step 0) on a batch x with its targets, at the {@code samples} entries of each parameter with
     * the largest analytic gradient. Returns the forward row, then one row per parameter.
     */
    public static List<Result> network(Sequential net, Tensor x, Tensor targets, int samples, double h) {
        return network(net, x, targets, samples, h, (done, total) -> { });
    }

    /** {@link #network(Sequential, Tensor, Tensor, int, double)}, telling {@code progress} after each parameter. */
    public static List<Result> network(Sequential net, Tensor x, Tensor targets, int samples, double h, Progress progress) {
        net.reseed(0);
        net.loss(x, targets, Mode.TRAIN);
        float[] scores32 = net.lastScores().toArray();
        net.backward();
        List<Layer> layers = net.layers();
        List<Parameter> ps = net.parameters();
        List<float[]> grads = new ArrayList<>();
        for (Parameter p : ps) grads.add(p.grad().toArray());
        float[] t = targets.toArray();

        int n = layers.size();
        List<Float64Forward.Fn> fns = new ArrayList<>();
        double[][][] params = new double[n][][];
        double[][] acts = new double[n + 1][];
        Shape[] shapes = new Shape[n + 1];
        acts[0] = doubles(x.toArray());
        shapes[0] = x.shape();
        for (int k = 0; k < n; k++) {
            Layer l = layers.get(k);
            fns.add(Float64Forward.of(l));
            params[k] = l.parameters().stream().map(p -> doubles(p.value().toArray())).toArray(double[][]::new);
            acts[k + 1] = fns.get(k).apply(acts[k], shapes[k], params[k]);
            shapes[k + 1] = l.outputShape(shapes[k]);
        }
        List<Result> out = new ArrayList<>();
        out.add(forward("scores (forward)", acts[n], scores32));
        double largest = largest(grads);
        int done = 0;
        for (int k = 0; k < n; k++) {
            final int from = k;
            List<Parameter> lps = layers.get(k).parameters();
            for (int j = 0; j < lps.size(); j++) {
                double[] p = params[k][j];
                float[] g = grads.get(done);
                out.add(compare(lps.get(j).name(), g, largestEntries(g, samples), largest, perturbing(p, () -> {
                    double[] a = acts[from];
                    for (int m = from; m < n; m++) a = fns.get(m).apply(a, shapes[m], params[m]);
                    return Float64Forward.loss(net.lossLayer(), a, shapes[n], t);
                }), h));
                progress.checked(++done, ps.size());
            }
        }
        return out;
    }

    /**
     * Checks one layer in training mode under L = &lt;layer(x), r&gt; for a fixed random r, so that
     * dL/dy = r: the forward row, the input gradient (unless the layer skips it), then every
     * parameter's, at {@code samples} random entries of each.
     */
    public static List<Result> layer(Layer layer, Tensor x, int samples, double h, Random rnd) {
        layer.reseed(0);
        Tensor y = layer.forward(x, Mode.TRAIN);
        float[] y32 = y.toArray(), rv = new float[y32.length];
        for (int i = 0; i < rv.length; i++) rv[i] = (float) rnd.nextGaussian();
        float[] dxa;
        List<Parameter> ps = layer.parameters();
        List<float[]> grads = new ArrayList<>();
        try (Tensor r = backendOf(x).allocate(y.shape())) {
            backendOf(x).upload(rv, 0, r);
            Tensor dx = layer.backward(r);
            dxa = dx == null ? null : dx.toArray();
            for (Parameter p : ps) grads.add(p.grad().toArray());
        }

        Float64Forward.Fn f = Float64Forward.of(layer);
        double[] xv = doubles(x.toArray());
        double[][] params = ps.stream().map(p -> doubles(p.value().toArray())).toArray(double[][]::new);
        List<Result> out = new ArrayList<>();
        out.add(forward("output (forward)", f.apply(xv, x.shape(), params), y32));
        List<float[]> all = new ArrayList<>(grads);
        if (dxa != null) all.add(dxa);
        double largest = largest(all);
        DoubleSupplier loss = () -> dot(f.apply(xv, x.shape(), params), rv);
        if (dxa != null) out.add(compare("input", dxa, sample(dxa.length, samples, rnd), largest, perturbing(xv, loss), h));
        for (int j = 0; j < ps.size(); j++) {
            out.add(compare(ps.get(j).name(), grads.get(j), sample(params[j].length, samples, rnd), largest, perturbing(params[j], loss), h));
        }
        return out;
    }

    /** Checks a loss layer's gradient with respect to its scores: the forward row (the loss), then the scores' row. */
    public static List<Result> lossLayer(LossLayer layer, Tensor scores, Tensor targets, int samples, double h, Random rnd) {
        float loss32 = layer.forward(scores, targets).toArray()[0];
        float[] g = layer.backward().toArray(), t = targets.toArray();
        double[] s = doubles(scores.toArray());
        double loss64 = Float64Forward.loss(layer, s, scores.shape(), t);
        // -log of a float32 probability is off by about 2^-24 absolutely, not relatively: hence a scale of at least 1
        double lossError = Math.abs(loss64 - loss32) / Math.max(1, Math.abs(loss64));
        List<Result> out = new ArrayList<>();
        out.add(new Result("loss (forward)", 1, 0, lossError, FLOAT32_TOLERANCE, 0, loss64, loss32, Math.abs(loss32), Math.abs(loss64 - loss32)));
        out.add(compare(layer.describe() + " scores", g, sample(g.length, samples, rnd), largest(List.of(g)),
                perturbing(s, () -> Float64Forward.loss(layer, s, scores.shape(), t)), h));
        return out;
    }

    /** The float64 forward's output against the backend's, relative to the largest output. */
    private static Result forward(String name, double[] y64, float[] y32) {
        double max = 0, worst = -1, sum = 0;
        int wi = 0;
        for (int i = 0; i < y64.length; i++) {
            max = Math.max(max, Math.abs(y64[i]));
            double d = Math.abs(y64[i] - y32[i]);
            sum += d;
            if (!(d <= worst)) { worst = d; wi = i; }
        }
        double error = max > 0 ? worst / max : worst;
        if (Double.isNaN(worst)) error = Double.NaN;
        return new Result(name, y64.length, 0, error, FLOAT32_TOLERANCE, wi, y64[wi], y32[wi], max, sum / y64.length);
    }

    /** The loss with entry i moved by delta (and put back): what the check differentiates. */
    private interface Perturbed {
        DoubleUnaryOperator at(int i);
    }

    /** {@code loss}, which reads {@code values}, with values[i] moved by delta for the call. */
    private static Perturbed perturbing(double[] values, DoubleSupplier loss) {
        return i -> delta -> {
            double v = values[i];
            values[i] = v + delta;
            double l = loss.getAsDouble();
            values[i] = v;
            return l;
        };
    }

    private static Result compare(String name, float[] analytic, int[] idx, double checkLargest, Perturbed loss, double h) {
        double l0 = idx.length > 0 ? loss.at(idx[0]).applyAsDouble(0) : 0;      // the same for every entry
        double[] num = new double[idx.length], spread = new double[idx.length];
        double numLargest = 0;
        for (int s = 0; s < idx.length; s++) {
            DoubleUnaryOperator l = loss.at(idx[s]);
            double lp = l.applyAsDouble(h), lm = l.applyAsDouble(-h);
            double lp2 = l.applyAsDouble(h / 2), lm2 = l.applyAsDouble(-h / 2);
            double d1 = (lp - lm) / (2 * h), d2 = (lp2 - lm2) / h;
            double gap1 = (lp - 2 * l0 + lm) / h, gap2 = (lp2 - 2 * l0 + lm2) / (h / 2);
            num[s] = d2;
            spread[s] = 4 * Math.max(Math.abs(d1 - d2), Math.abs(gap2 - gap1 / 2));
            numLargest = Math.max(numLargest, Math.abs(d2));
        }
        double largest = largest(List.of(analytic));
        // a gradient that is zero (to float64 rounding) keeps on the float32 side only the rounding of the terms that cancel in it
        boolean zero = numLargest <= ZERO_GRADIENT * checkLargest;
        double floor = zero ? ZERO_FLOOR * checkLargest : 0.01 * largest;
        double worstRatio = -1, we = 0, wt = 0, wn = 0, wa = 0, absSum = 0;
        int wi = -1, skipped = 0;
        for (int s = 0; s < idx.length; s++) {
            double ana = analytic[idx[s]];
            double scale = Math.max(floor, Math.max(Math.abs(num[s]), Math.abs(ana)));
            double u = spread[s] / scale;
            if (!(u <= MAX_UNCERTAINTY) && Double.isFinite(num[s]) && Double.isFinite(ana)) {
                skipped++;       // a kink lies within the step: the difference quotient says nothing here
                continue;
            }
            double e = Math.abs(num[s] - ana) / scale, tol = FLOAT32_TOLERANCE + (Double.isFinite(u) ? u : 0);
            absSum += Math.abs(num[s] - ana);
            double ratio = Double.isNaN(e) ? Double.POSITIVE_INFINITY : e / tol;
            if (ratio > worstRatio) {
                worstRatio = ratio;
                we = e;
                wt = tol;
                wi = idx[s];
                wn = num[s];
                wa = ana;
            }
        }
        int compared = idx.length - skipped;
        return new Result(name, idx.length, skipped, we, wt == 0 ? FLOAT32_TOLERANCE : wt, wi, wn, wa, largest,
                compared > 0 ? absSum / compared : Double.NaN);
    }

    /** {@code count} distinct indices below n (all of them if count &gt;= n), in random order. */
    private static int[] sample(int n, int count, Random rnd) {
        int[] all = new int[n];
        for (int i = 0; i < n; i++) all[i] = i;
        int k = Math.min(count, n);
        for (int i = 0; i < k; i++) {
            int j = i + rnd.nextInt(n - i);
            int t = all[i];
            all[i] = all[j];
            all[j] = t;
        }
        return java.util.Arrays.copyOf(all, k);
    }

    /** The indices of the {@code count} entries of g largest in magnitude (all if count &gt;= its length), in index order. */
    private static int[] largestEntries(float[] g, int count) {
        if (count >= g.length) return java.util.stream.IntStream.range(0, g.length).toArray();
        float[] mags = new float[g.length];
        for (int i = 0; i < g.length; i++) mags[i] = Math.abs(g[i]);
        float[] sorted = mags.clone();
        java.util.Arrays.sort(sorted);
        float least = sorted[g.length - count];
        int[] idx = new int[count];
        int k = 0;
        for (int i = 0; i < g.length && k < count; i++) if (mags[i] > least) idx[k++] = i;
        for (int i = 0; i < g.length && k < count; i++) if (mags[i] == least) idx[k++] = i;      // ties at the threshold fill up
        java.util.Arrays.sort(idx, 0, k);
        return java.util.Arrays.copyOf(idx, k);
    }

    private static double largest(List<float[]> arrays) {
        double m = 0;
        for (float[] a : arrays) for (float v : a) m = Math.max(m, Math.abs(v));
        return m;
    }

    private static double dot(double[] y, float[] r) {
        double s = 0;
        for (int i = 0; i < y.length; i++) s += y[i] * r[i];
        return s;
    }

    private static double[] doubles(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) d[i] = a[i];
        return d;
    }

    /** Every tensor's owner is the backend that allocated it (Backend is the only TensorOwner). */
    private static groundup.backend.Backend backendOf(Tensor t) { return (groundup.backend.Backend) t.owner(); }
}
