package groundup.nn;

import groundup.backend.Backend;
import groundup.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.DoubleSupplier;

/**
 * Compares backpropagated gradients with central differences, (L(v+h) - L(v-h)) / 2h, at a
 * random sample of the entries of each parameter (and of the input, for a single layer).
 * The error of an entry is |numerical - analytic| / (atol + max(|numerical|, |analytic|, 1% of
 * the tensor's largest analytic entry)): float32 losses carry noise of about 1e-7 / h, which
 * would swamp entries far smaller than their neighbours, while a wrong gradient is wrong in
 * its large entries too.
 * ReLU and max pooling have kinks: a step that crosses one makes the two one-sided
 * differences disagree, and such an entry is skipped (counted in {@link Result#skipped}).
 * Slow by design: two forward passes per checked entry. Tensors are perturbed in place and
 * restored.
 */
public final class GradientCheck {
    private GradientCheck() {}

    /**
     * The worst entry of one tensor, and the book's figure: the mean of |numerical - analytic|
     * over the entries compared (those not skipped at a kink).
     */
    public record Result(String name, int checked, int skipped, double maxError, int worstIndex, double numerical, double analytic,
                         double largestAnalytic, double meanAbsDifference) {
        @Override public String toString() {
            return String.format("%s: %d entries (%d skipped at a kink), max error %.2e at %d (numerical %.6g, analytic %.6g; largest |analytic| %.3g)",
                    name, checked, skipped, maxError, worstIndex, numerical, analytic, largestAnalytic);
        }
    }

    /**
     * Checks every parameter tensor of a network's layers (TRAIN mode, a fixed dropout step)
     * under L = &lt;scores(x), r&gt; for a fixed random r, at the {@code samples} entries of each
     * tensor with the largest analytic gradient.
     * Why not the network's own loss: it is one float32 number whose rounding (2.4e-7 at 2.3)
     * swamps the differences; the projection is summed in double. The loss layer has its own
     * check, {@link #lossLayer}. Why the largest entries: float32 rounding in a deep forward
     * pass leaves about 1e-2 of noise in a difference quotient at h = 1e-3, so only entries
     * well above it say anything; a wrong gradient is wrong in its large entries too.
     */
    public static List<Result> network(Sequential net, Tensor x, int samples, double h, double atol, Random rnd) {
        return network(net, x, samples, h, atol, rnd, (done, total) -> { });
    }

    /** Where a long check reports: parameters checked so far of all. */
    public interface Progress {
        void checked(int done, int total);
    }

    /** {@link #network(Sequential, Tensor, int, double, double, Random)}, telling {@code progress} after each parameter. */
    public static List<Result> network(Sequential net, Tensor x, int samples, double h, double atol, Random rnd, Progress progress) {
        Backend b = net.backend();
        Tensor s0 = net.predict(x, Mode.TRAIN);
        float[] rv = new float[s0.size()];
        for (int i = 0; i < rv.length; i++) rv[i] = (float) rnd.nextGaussian();
        try (Tensor r = b.allocate(s0.shape())) {
            b.upload(rv, 0, r);
            DoubleSupplier loss = () -> {
                net.reseed(0);
                return b.dot(net.predict(x, Mode.TRAIN), r);
            };
            loss.getAsDouble();
            net.backwardFrom(r);
            List<Result> out = new ArrayList<>();
            List<Parameter> ps = net.parameters();
            List<float[]> grads = new ArrayList<>();
            for (Parameter p : ps) grads.add(p.grad().toArray());
            for (int i = 0; i < ps.size(); i++) {
                float[] g = grads.get(i);
                int[] top = java.util.stream.IntStream.range(0, g.length).boxed()
                        .sorted((u, v) -> Float.compare(Math.abs(g[v]), Math.abs(g[u])))
                        .limit(samples).mapToInt(Integer::intValue).toArray();
                out.add(compare(ps.get(i).name(), ps.get(i).value(), g, loss, top, h, atol, true));
                progress.checked(i + 1, ps.size());
            }
            return out;
        }
    }

    /** Checks a loss layer's gradient with respect to its scores, entry by entry. */
    public static Result lossLayer(LossLayer layer, Tensor scores, Tensor targets, int samples, double h, double atol, Random rnd) {
        float[] one = new float[1];
        DoubleSupplier loss = () -> {
            backendOf(scores).download(layer.forward(scores, targets), one, 0);
            return one[0];
        };
        loss.getAsDouble();
        float[] g = layer.backward().toArray();
        return compare(layer.describe() + " scores", scores, g, loss, samples, h, atol, rnd);
    }

    /**
     * Checks one layer under the loss L = &lt;layer(x), r&gt; for a fixed random r, so that
     * dL/dy = r: the input gradient (unless the layer skips it) and every parameter's.
     */
    public static List<Result> layer(Layer layer, Tensor x, Mode mode, int samples, double h, double atol, Random rnd) {
        Backend b = backendOf(x);
        Tensor y0 = layer.forward(x, mode);
        float[] rv = new float[y0.size()];
        for (int i = 0; i < rv.length; i++) rv[i] = (float) rnd.nextGaussian();
        try (Tensor r = b.allocate(y0.shape())) {
            b.upload(rv, 0, r);
            DoubleSupplier loss = () -> {
                layer.reseed(0);
                return b.dot(layer.forward(x, mode), r);
            };
            loss.getAsDouble();
            Tensor dx = layer.backward(r);
            List<Result> out = new ArrayList<>();
            float[] dxa = dx == null ? null : dx.toArray();
            List<float[]> grads = new ArrayList<>();
            for (Parameter p : layer.parameters()) grads.add(p.grad().toArray());
            if (dxa != null) out.add(compare("input", x, dxa, loss, samples, h, atol, rnd));
            for (int i = 0; i < grads.size(); i++) {
                Parameter p = layer.parameters().get(i);
                out.add(compare(p.name(), p.value(), grads.get(i), loss, samples, h, atol, rnd));
            }
            return out;
        }
    }

    /** Every tensor's owner is the backend that allocated it (Backend is the only TensorOwner). */
    private static Backend backendOf(Tensor t) { return (Backend) t.owner(); }

    private static Result compare(String name, Tensor t, float[] analytic, DoubleSupplier loss, int samples, double h,
                                  double atol, Random rnd) {
        int n = analytic.length, count = Math.min(samples, n);
        int[] idx = new int[count];
        for (int s = 0; s < count; s++) idx[s] = count == n ? s : rnd.nextInt(n);
        return compare(name, t, analytic, loss, idx, h, atol, false);
    }

    /**
     * @param halfStep also difference at h/2 and skip the entry where the two disagree: in a
     *                 whole network one parameter (a conv bias) moves hundreds of ReLU and max-pool
     *                 inputs, and kinks on both sides of it can leave the one-sided slopes agreeing
     *                 while both are off; a smooth loss gives the same quotient at both steps
     */
    private static Result compare(String name, Tensor t, float[] analytic, DoubleSupplier loss, int[] idx, double h, double atol,
                                  boolean halfStep) {
        Backend b = backendOf(t);
        float[] v = t.toArray();
        int count = idx.length;
        double floor = 0;
        for (float a : analytic) floor = Math.max(floor, 0.01 * Math.abs(a));
        double worst = -1, wn = 0, wa = 0, absSum = 0;
        int wi = -1, skipped = 0;
        double center = loss.getAsDouble();
        for (int s = 0; s < count; s++) {
            int i = idx[s];
            float orig = v[i], up = (float) (orig + h), down = (float) (orig - h);
            v[i] = up;
            b.upload(v, 0, t);
            double lp = loss.getAsDouble();
            v[i] = down;
            b.upload(v, 0, t);
            double lm = loss.getAsDouble();
            double num = (lp - lm) / ((double) up - down), ana = analytic[i];
            double right = (lp - center) / ((double) up - orig), left = (center - lm) / ((double) orig - down);
            double half = num;
            if (halfStep) {
                float up2 = (float) (orig + h / 2), down2 = (float) (orig - h / 2);
                v[i] = up2;
                b.upload(v, 0, t);
                double lp2 = loss.getAsDouble();
                v[i] = down2;
                b.upload(v, 0, t);
                half = (lp2 - loss.getAsDouble()) / ((double) up2 - down2);
            }
            v[i] = orig;
            b.upload(v, 0, t);
            if (Math.abs(right - left) / (atol + Math.max(floor, Math.max(Math.abs(right), Math.abs(left)))) > 0.05
                    || Math.abs(num - half) / (atol + Math.max(floor, Math.max(Math.abs(num), Math.abs(half)))) > 0.05) {
                skipped++;      // a kink lies within h: the central difference means nothing here
                continue;
            }
            absSum += Math.abs(num - ana);
            double err = Math.abs(num - ana) / (atol + Math.max(floor, Math.max(Math.abs(num), Math.abs(ana))));
            if (err > worst) {
                worst = err;
                wi = i;
                wn = num;
                wa = ana;
            }
        }
        return new Result(name, count, skipped, worst, wi, wn, wa, floor * 100, count > skipped ? absSum / (count - skipped) : Double.NaN);
    }
}
