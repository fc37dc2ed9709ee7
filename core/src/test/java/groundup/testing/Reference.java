package groundup.testing;

import groundup.tensor.ConvGeometry;

/**
 * The plain scalar versions of the backend primitives: the oracle every backend is tested
 * against. Written for obviousness, in double where it matters, never for speed.
 */
public final class Reference {
    private Reference() {}

    /** c = alpha*op(a)*op(b) + beta*c; a stored (ta ? k x m : m x k), b stored (tb ? n x k : k x n). */
    public static float[] gemm(boolean ta, boolean tb, int m, int n, int k, float alpha, float[] a, float[] b, float beta, float[] c) {
        float[] out = new float[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int p = 0; p < k; p++) {
                    double av = ta ? a[p * m + i] : a[i * k + p];
                    double bv = tb ? b[j * k + p] : b[p * n + j];
                    s += av * bv;
                }
                out[i * n + j] = (float) (alpha * s + (beta == 0 ? 0 : beta * c[i * n + j]));
            }
        }
        return out;
    }

    public static float[] batchedTranspose(float[] x, int batch, int rows, int cols) {
        float[] y = new float[x.length];
        for (int b = 0; b < batch; b++)
            for (int r = 0; r < rows; r++)
                for (int c = 0; c < cols; c++) y[(b * cols + c) * rows + r] = x[(b * rows + r) * cols + c];
        return y;
    }

    /** The input value at (n, c, iy, ix), zero in the padding. */
    private static float at(float[] x, ConvGeometry g, int n, int c, int iy, int ix) {
        if (iy < 0 || iy >= g.h() || ix < 0 || ix >= g.w()) return 0f;
        return x[((n * g.c() + c) * g.h() + iy) * g.w() + ix];
    }

    public static float[] im2col(float[] x, ConvGeometry g) {
        int oh = g.outH(), ow = g.outW(), cols = g.c() * g.kh() * g.kw();
        float[] col = new float[g.n() * oh * ow * cols];
        for (int n = 0; n < g.n(); n++)
            for (int oy = 0; oy < oh; oy++)
                for (int ox = 0; ox < ow; ox++)
                    for (int c = 0; c < g.c(); c++)
                        for (int ky = 0; ky < g.kh(); ky++)
                            for (int kx = 0; kx < g.kw(); kx++) {
                                int row = (n * oh + oy) * ow + ox, column = (c * g.kh() + ky) * g.kw() + kx;
                                col[row * cols + column] = at(x, g, n, c, oy * g.stride() - g.pad() + ky, ox * g.stride() - g.pad() + kx);
                            }
        return col;
    }

    public static float[] col2im(float[] col, ConvGeometry g) {
        int oh = g.outH(), ow = g.outW(), cols = g.c() * g.kh() * g.kw();
        double[] dx = new double[g.n() * g.c() * g.h() * g.w()];
        for (int n = 0; n < g.n(); n++)
            for (int oy = 0; oy < oh; oy++)
                for (int ox = 0; ox < ow; ox++)
                    for (int c = 0; c < g.c(); c++)
                        for (int ky = 0; ky < g.kh(); ky++)
                            for (int kx = 0; kx < g.kw(); kx++) {
                                int iy = oy * g.stride() - g.pad() + ky, ix = ox * g.stride() - g.pad() + kx;
                                if (iy < 0 || iy >= g.h() || ix < 0 || ix >= g.w()) continue;
                                int row = (n * oh + oy) * ow + ox, column = (c * g.kh() + ky) * g.kw() + kx;
                                dx[((n * g.c() + c) * g.h() + iy) * g.w() + ix] += col[row * cols + column];
                            }
        return toFloat(dx);
    }

    /** Returns {y, argmax}. */
    public static float[][] maxPool(float[] x, ConvGeometry g) {
        int oh = g.outH(), ow = g.outW();
        float[] y = new float[g.n() * g.c() * oh * ow], arg = new float[y.length];
        for (int n = 0; n < g.n(); n++)
            for (int c = 0; c < g.c(); c++)
                for (int oy = 0; oy < oh; oy++)
                    for (int ox = 0; ox < ow; ox++) {
                        float best = Float.NEGATIVE_INFINITY;
                        int bestK = -1;
                        for (int ky = 0; ky < g.kh(); ky++)
                            for (int kx = 0; kx < g.kw(); kx++) {
                                int iy = oy * g.stride() - g.pad() + ky, ix = ox * g.stride() - g.pad() + kx;
                                if (iy < 0 || iy >= g.h() || ix < 0 || ix >= g.w()) continue;
                                float v = at(x, g, n, c, iy, ix);
                                if (bestK < 0 || v > best) { best = v; bestK = ky * g.kw() + kx; }
                            }
                        int o = ((n * g.c() + c) * oh + oy) * ow + ox;
                        y[o] = best;
                        arg[o] = bestK;
                    }
        return new float[][] {y, arg};
    }

    public static float[] maxPoolBackward(float[] dy, float[] arg, ConvGeometry g) {
        int oh = g.outH(), ow = g.outW();
        float[] dx = new float[g.n() * g.c() * g.h() * g.w()];
        for (int n = 0; n < g.n(); n++)
            for (int c = 0; c < g.c(); c++)
                for (int oy = 0; oy < oh; oy++)
                    for (int ox = 0; ox < ow; ox++) {
                        int o = ((n * g.c() + c) * oh + oy) * ow + ox, k = (int) arg[o];
                        int iy = oy * g.stride() - g.pad() + k / g.kw(), ix = ox * g.stride() - g.pad() + k % g.kw();
                        dx[((n * g.c() + c) * g.h() + iy) * g.w() + ix] += dy[o];
                    }
        return dx;
    }

    /** The row position a float holds, or -1: a non-negative integer. */
    private static long position(float f) { return f >= 0 && f == Math.floor(f) && f < 0x1p31f ? (long) f : -1; }

    /** m rows of per floats: row i = src row index[p + i], NaN where there is no such row. */
    public static float[] gatherRows(float[] src, int per, float[] index, float p, int m) {
        float[] out = new float[m * per];
        long at = position(p);
        for (int i = 0; i < m; i++) {
            long k = at < 0 ? -1 : at + i, row = k >= 0 && k < index.length ? position(index[(int) k]) : -1;
            for (int j = 0; j < per; j++) out[i * per + j] = row >= 0 && row < src.length / per ? src[(int) row * per + j] : Float.NaN;
        }
        return out;
    }

    /** Returns {probs, {meanLoss}}. */
    public static float[][] softmaxCrossEntropy(float[] z, float[] labels, int rows, int cols) {
        float[] p = new float[z.length];
        double loss = 0;
        for (int r = 0; r < rows; r++) {
            double max = Double.NEGATIVE_INFINITY, sum = 0;
            for (int c = 0; c < cols; c++) max = Math.max(max, z[r * cols + c]);
            for (int c = 0; c < cols; c++) sum += Math.exp(z[r * cols + c] - max);
            for (int c = 0; c < cols; c++) p[r * cols + c] = (float) (Math.exp(z[r * cols + c] - max) / sum);
            loss += max + Math.log(sum) - z[r * cols + (int) labels[r]];
        }
        return new float[][] {p, {(float) (loss / rows)}};
    }

    public static float[] softmaxCrossEntropyBackward(float[] p, float[] labels, int rows, int cols) {
        float[] dx = new float[p.length];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++) dx[r * cols + c] = (float) ((p[r * cols + c] - (c == (int) labels[r] ? 1.0 : 0.0)) / rows);
        return dx;
    }

    /** Returns {y, mean, invStd, newRunMean, newRunVar} for x (n, c, s). */
    public static float[][] batchNormTrain(float[] x, int n, int c, int s, float[] gamma, float[] beta, float momentum, float eps,
                                           float[] runMean, float[] runVar) {
        float[] y = new float[x.length], mean = new float[c], inv = new float[c], rm = new float[c], rv = new float[c];
        for (int ch = 0; ch < c; ch++) {
            double sum = 0, sq = 0;
            for (int i = 0; i < n; i++) for (int j = 0; j < s; j++) sum += x[(i * c + ch) * s + j];
            double mu = sum / (n * s);
            for (int i = 0; i < n; i++) for (int j = 0; j < s; j++) { double d = x[(i * c + ch) * s + j] - mu; sq += d * d; }
            double var = sq / (n * s), is = 1 / Math.sqrt(var + eps);
            for (int i = 0; i < n; i++) for (int j = 0; j < s; j++) {
                int k = (i * c + ch) * s + j;
                y[k] = (float) (gamma[ch] * (x[k] - mu) * is + beta[ch]);
            }
            mean[ch] = (float) mu;
            inv[ch] = (float) is;
            rm[ch] = (float) (momentum * runMean[ch] + (1 - momentum) * mu);
            rv[ch] = (float) (momentum * runVar[ch] + (1 - momentum) * var);
        }
        return new float[][] {y, mean, inv, rm, rv};
    }

    public static float[] batchNormInference(float[] x, int n, int c, int s, float[] gamma, float[] beta, float[] rm, float[] rv, float eps) {
        float[] y = new float[x.length];
        for (int i = 0; i < n; i++)
            for (int ch = 0; ch < c; ch++)
                for (int j = 0; j < s; j++) {
                    int k = (i * c + ch) * s + j;
                    y[k] = (float) (gamma[ch] * (x[k] - rm[ch]) / Math.sqrt(rv[ch] + eps) + beta[ch]);
                }
        return y;
    }

    /** Returns {dx, dgamma, dbeta}. */
    public static float[][] batchNormBackward(float[] dy, float[] x, int n, int c, int s, float[] gamma, float[] mean, float[] inv) {
        float[] dx = new float[x.length], dg = new float[c], db = new float[c];
        double m = (double) n * s;
        for (int ch = 0; ch < c; ch++) {
            double sdy = 0, sdyx = 0;
            for (int i = 0; i < n; i++) for (int j = 0; j < s; j++) {
                int k = (i * c + ch) * s + j;
                sdy += dy[k];
                sdyx += dy[k] * (x[k] - mean[ch]) * inv[ch];
            }
            for (int i = 0; i < n; i++) for (int j = 0; j < s; j++) {
                int k = (i * c + ch) * s + j;
                double xhat = (x[k] - mean[ch]) * inv[ch];
                dx[k] = (float) (gamma[ch] * inv[ch] / m * (m * dy[k] - sdy - xhat * sdyx));
            }
            dg[ch] = (float) sdyx;
            db[ch] = (float) sdy;
        }
        return new float[][] {dx, dg, db};
    }

    private static float[] toFloat(double[] d) {
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) f[i] = (float) d[i];
        return f;
    }

    /** The book's convolution written out plainly: y (n, f, oh, ow) = transpose(im2col(x) w^T + b). */
    public static float[] convolution(float[] x, float[] w, float[] bias, ConvGeometry g, int f) {
        int ckk = g.c() * g.kh() * g.kw(), s = g.outH() * g.outW(), n = g.n();
        float[] out = Reference.gemm(false, true, n * s, f, ckk, 1f, Reference.im2col(x, g), w, 0f, new float[n * s * f]);
        for (int i = 0; i < n * s; i++) for (int j = 0; j < f; j++) out[i * f + j] += bias[j];
        return Reference.batchedTranspose(out, n, s, f);
    }

    /** Its backward: {dw, db, dx}. */
    public static float[][] convolutionBackward(float[] x, float[] w, float[] dy, ConvGeometry g, int f) {
        int ckk = g.c() * g.kh() * g.kw(), s = g.outH() * g.outW(), n = g.n();
        float[] col = Reference.im2col(x, g), dout = Reference.batchedTranspose(dy, n, f, s);
        float[] dw = Reference.gemm(true, false, f, ckk, n * s, 1f, dout, col, 0f, new float[f * ckk]);
        float[] db = new float[f];
        for (int i = 0; i < n * s; i++) for (int j = 0; j < f; j++) db[j] += dout[i * f + j];
        float[] dx = Reference.col2im(Reference.gemm(false, false, n * s, ckk, f, 1f, dout, w, 0f, new float[n * s * ckk]), g);
        return new float[][] {dw, db, dx};
    }
}
