package groundup.nn;

import groundup.backend.Activation;
import groundup.tensor.ConvGeometry;
import groundup.tensor.Shape;
import java.util.List;

/**
 * Each layer's training-mode forward, and each loss, in double precision, written plainly from
 * its definition: the function {@link GradientCheck} differentiates numerically. In float64 a
 * central difference at a step of 1e-5 is exact to about 1e-9 of the gradient, where the
 * float32 forward of the backends leaves noise of about 1e-2 in it (see GradientCheck).
 * GradientCheck compares each function's output with the backend's before it trusts it.
 */
final class Float64Forward {
    private Float64Forward() {}

    /** One layer's forward: y from x (shape xs) and the layer's parameter values, in {@link Layer#parameters()} order. */
    interface Fn {
        double[] apply(double[] x, Shape xs, double[][] p);
    }

    /**
     * The forward of {@code layer} as its last training-mode forward on the backend ran it (a
     * dropout layer keeps that forward's mask: the same units dropped at every evaluation).
     */
    static Fn of(Layer layer) {
        List<Layer> parts = layer.parts();
        if (parts.size() > 1 || parts.get(0) != layer) return composed(parts);
        if (layer instanceof Affine) return Float64Forward::affine;
        if (layer instanceof Convolution c) return (x, xs, p) -> convolution(x, c.geometry(xs), p[0], p[1]);
        if (layer instanceof Pooling pool) return (x, xs, p) -> maxPool(x, pool.geometry(xs));
        if (layer instanceof ActivationLayer a) return (x, xs, p) -> activation(a.activation(), x);
        if (layer instanceof BatchNormalization bn) return (x, xs, p) -> batchNorm(x, xs, p[0], p[1], bn.eps());
        if (layer instanceof Dropout d) {
            float[] mask = d.mask() == null ? null : d.mask().toArray();      // null: the last forward passed x through
            return (x, xs, p) -> {
                double[] y = x.clone();
                if (mask != null) for (int i = 0; i < y.length; i++) y[i] *= mask[i];
                return y;
            };
        }
        throw new IllegalArgumentException("no float64 forward for " + layer.describe() + " (" + layer.getClass().getName() + ")");
    }

    /** Each part's forward on the last one's output, each with its own parameters of the whole's, in order. */
    private static Fn composed(List<Layer> parts) {
        List<Fn> fns = parts.stream().map(Float64Forward::of).toList();
        return (x, xs, p) -> {
            double[] h = x;
            Shape s = xs;
            int at = 0;
            for (int i = 0; i < parts.size(); i++) {
                int n = parts.get(i).parameters().size();
                h = fns.get(i).apply(h, s, java.util.Arrays.copyOfRange(p, at, at + n));
                at += n;
                s = parts.get(i).outputShape(s);
            }
            return h;
        };
    }

    /** The mean loss of {@code loss} over the rows of scores (shape s), in double. */
    static double loss(LossLayer loss, double[] scores, Shape s, float[] targets) {
        int rows = s.rows(), cols = s.cols();
        double total = 0;
        if (loss instanceof SoftmaxWithLoss) {
            // -log softmax(z)[t] = logsumexp(z) - z[t]: the loss whose gradient is (softmax - onehot) / N
            for (int r = 0; r < rows; r++) {
                double max = Double.NEGATIVE_INFINITY, sum = 0;
                for (int c = 0; c < cols; c++) max = Math.max(max, scores[r * cols + c]);
                for (int c = 0; c < cols; c++) sum += Math.exp(scores[r * cols + c] - max);
                total += max + Math.log(sum) - scores[r * cols + (int) targets[r]];
            }
        } else if (loss instanceof MeanSquaredError) {
            for (int i = 0; i < scores.length; i++) total += 0.5 * (scores[i] - targets[i]) * (scores[i] - targets[i]);
        } else {
            throw new IllegalArgumentException("no float64 forward for " + loss.describe() + " (" + loss.getClass().getName() + ")");
        }
        return total / rows;
    }

    /** y (N, out) = x (N, in) W (in, out) + b (out). */
    private static double[] affine(double[] x, Shape xs, double[][] p) {
        double[] w = p[0], b = p[1];
        int n = xs.rows(), in = xs.cols(), out = b.length;
        double[] y = new double[n * out];
        for (int r = 0; r < n; r++) {
            System.arraycopy(b, 0, y, r * out, out);
            for (int i = 0; i < in; i++) {
                double xv = x[r * in + i];
                if (xv == 0) continue;
                for (int o = 0; o < out; o++) y[r * out + o] += xv * w[i * out + o];
            }
        }
        return y;
    }

    /** y (N, F, OH, OW) = sum over (c, ky, kx) of W[f, (c, ky, kx)] x[n, c, oy*s - pad + ky, ox*s - pad + kx] + b[f]; padding reads 0. */
    private static double[] convolution(double[] x, ConvGeometry g, double[] w, double[] b) {
        int f = b.length, oh = g.outH(), ow = g.outW(), k = g.c() * g.kh() * g.kw();
        double[] y = new double[g.n() * f * oh * ow];
        for (int n = 0; n < g.n(); n++)
            for (int fi = 0; fi < f; fi++) {
                int out = (n * f + fi) * oh * ow;
                java.util.Arrays.fill(y, out, out + oh * ow, b[fi]);
                for (int c = 0; c < g.c(); c++)
                    for (int ky = 0; ky < g.kh(); ky++)
                        for (int kx = 0; kx < g.kw(); kx++) {
                            double wv = w[fi * k + (c * g.kh() + ky) * g.kw() + kx];
                            int s = g.stride(), dx = kx - g.pad();
                            // the outputs whose column ox * s + dx lies inside the image
                            int ox0 = Math.max(0, (-dx + s - 1) / s), ox1 = Math.min(ow, (g.w() - dx + s - 1) / s);
                            for (int oy = 0; oy < oh; oy++) {
                                int iy = oy * s - g.pad() + ky;
                                if (iy < 0 || iy >= g.h()) continue;
                                int row = ((n * g.c() + c) * g.h() + iy) * g.w() + dx, o = out + oy * ow;
                                if (s == 1) for (int ox = ox0; ox < ox1; ox++) y[o + ox] += wv * x[row + ox];     // vectorizes
                                else for (int ox = ox0; ox < ox1; ox++) y[o + ox] += wv * x[row + ox * s];
                            }
                        }
            }
        return y;
    }

    /** The largest value of each window; padding never wins (a window wholly in the padding gives -inf, as the backends). */
    private static double[] maxPool(double[] x, ConvGeometry g) {
        int oh = g.outH(), ow = g.outW();
        double[] y = new double[g.n() * g.c() * oh * ow];
        for (int p = 0; p < g.n() * g.c(); p++)
            for (int oy = 0; oy < oh; oy++)
                for (int ox = 0; ox < ow; ox++) {
                    double best = Double.NEGATIVE_INFINITY;
                    for (int ky = 0; ky < g.kh(); ky++)
                        for (int kx = 0; kx < g.kw(); kx++) {
                            int iy = oy * g.stride() - g.pad() + ky, ix = ox * g.stride() - g.pad() + kx;
                            if (iy >= 0 && iy < g.h() && ix >= 0 && ix < g.w()) best = Math.max(best, x[(p * g.h() + iy) * g.w() + ix]);
                        }
                    y[(p * oh + oy) * ow + ox] = best;
                }
        return y;
    }

    private static double[] activation(Activation f, double[] x) {
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = switch (f) {
                case RELU -> x[i] > 0 ? x[i] : 0;
                case SIGMOID -> 1 / (1 + Math.exp(-x[i]));
                case TANH -> Math.tanh(x[i]);
            };
        }
        return y;
    }

    /** Per channel (dimension 1) over N and the trailing positions: gamma (x - mean) / sqrt(biased var + eps) + beta. */
    private static double[] batchNorm(double[] x, Shape xs, double[] gamma, double[] beta, float eps) {
        int n = xs.rows(), c = xs.dim(1), s = x.length / (n * c);
        double m = (double) n * s;
        double[] y = new double[x.length];
        for (int ch = 0; ch < c; ch++) {
            double sum = 0, sq = 0;
            for (int i = 0; i < n; i++) for (int j = 0, b = (i * c + ch) * s; j < s; j++) sum += x[b + j];
            double mu = sum / m;
            for (int i = 0; i < n; i++) for (int j = 0, b = (i * c + ch) * s; j < s; j++) sq += (x[b + j] - mu) * (x[b + j] - mu);
            double inv = 1 / Math.sqrt(sq / m + eps);
            for (int i = 0; i < n; i++) for (int j = 0, b = (i * c + ch) * s; j < s; j++) y[b + j] = gamma[ch] * (x[b + j] - mu) * inv + beta[ch];
        }
        return y;
    }
}
