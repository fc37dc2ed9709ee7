package groundup.backend;

import groundup.tensor.ConvGeometry;
import groundup.tensor.Shape;
import groundup.tensor.Tensor;

/**
 * The argument checks of every {@link Backend} op, shared so that all backends reject the
 * same calls with the same message (the op and the shapes) before writing anything.
 */
public final class Checks {
    private Checks() {}

    static IllegalArgumentException fail(String op, String what) {
        return new IllegalArgumentException(op + ": " + what);
    }

    public static void owned(Backend b, String op, Tensor... ts) {
        for (Tensor t : ts) owned(b, op, t);
    }

    // fixed arities: a step's checks make no varargs arrays
    public static void owned(Backend b, String op, Tensor t) {
        if (t == null) throw fail(op, "a tensor argument is null");
        t.handle(b, op);
    }

    public static void owned(Backend b, String op, Tensor t1, Tensor t2) {
        owned(b, op, t1);
        owned(b, op, t2);
    }

    public static void owned(Backend b, String op, Tensor t1, Tensor t2, Tensor t3) {
        owned(b, op, t1, t2);
        owned(b, op, t3);
    }

    public static void owned(Backend b, String op, Tensor t1, Tensor t2, Tensor t3, Tensor t4) {
        owned(b, op, t1, t2);
        owned(b, op, t3, t4);
    }

    public static void sameSize(String op, Tensor a, Tensor b) {
        if (a.size() != b.size()) {
            throw fail(op, "sizes differ: " + a.shape() + " has " + a.size() + " elements, " + b.shape() + " has " + b.size());
        }
    }

    public static void upload(Backend b, float[] src, int offset, Tensor dst) {
        owned(b, "upload", dst);
        if (src == null || offset < 0 || (long) offset + dst.size() > src.length) {
            throw fail("upload", "array of " + (src == null ? "null" : src.length) + " floats from offset " + offset
                    + " cannot fill " + dst.shape());
        }
    }

    public static void download(Backend b, Tensor src, float[] dst, int offset) {
        owned(b, "download", src);
        if (dst == null || offset < 0 || (long) offset + src.size() > dst.length) {
            throw fail("download", src.shape() + " does not fit an array of " + (dst == null ? "null" : dst.length)
                    + " floats from offset " + offset);
        }
    }

    public static void gemm(Backend b, boolean ta, boolean tb, Tensor a, Tensor bm, Tensor c) {
        owned(b, "gemm", a, bm, c);
        int m = ta ? a.shape().cols() : a.shape().rows();
        int ka = ta ? a.shape().rows() : a.shape().cols();
        int kb = tb ? bm.shape().cols() : bm.shape().rows();
        int n = tb ? bm.shape().rows() : bm.shape().cols();
        if (ka != kb || c.shape().rows() != m || c.shape().cols() != n) {
            throw fail("gemm", "op(a) " + dims(m, ka) + " x op(b) " + dims(kb, n) + " -> c " + dims(c.shape().rows(), c.shape().cols())
                    + " does not fit (a " + a.shape() + (ta ? "^T" : "") + ", b " + bm.shape() + (tb ? "^T" : "") + ", c " + c.shape() + ")");
        }
        noAlias("gemm", c, a, bm);
    }

    public static void batchedTranspose(Backend b, Tensor x, int batch, int rows, int cols, Tensor y) {
        owned(b, "batchedTranspose", x, y);
        if (batch <= 0 || rows <= 0 || cols <= 0 || (long) batch * rows * cols != x.size() || x.size() != y.size()) {
            throw fail("batchedTranspose", "x " + x.shape() + " and y " + y.shape() + " are not " + batch + " matrices of "
                    + rows + "x" + cols);
        }
        noAlias("batchedTranspose", y, x);
    }

    public static void im2col(Backend b, Tensor x, ConvGeometry g, Tensor col) {
        owned(b, "im2col", x, col);
        shape("im2col", "x", x, g.inputShape(), g);
        shape("im2col", "col", col, g.colShape(), g);
    }

    /** A convolver's forward: x (N, C, H, W), w (F, C*kh*kw), bias (F), y (N, F, OH, OW). */
    /** A convolver's forward; y null where the output goes elsewhere (pooled: {@link #convolutionPool}). */
    public static void convolution(Backend b, ConvGeometry g, int filters, Tensor x, Tensor w, Tensor bias, Tensor y) {
        String op = "convolution forward";
        owned(b, op, x, w, bias);
        if (!g.takes(x.shape())) shape(op, "x", x, g.inputShape(), g);
        if (!w.shape().is(filters, g.c() * g.kh() * g.kw())) shape(op, "w", w, Shape.of(filters, g.c() * g.kh() * g.kw()), g);
        if (!bias.shape().is(filters)) shape(op, "b", bias, Shape.of(filters), g);
        if (y == null) return;
        owned(b, op, y);
        if (!y.shape().is(g.n(), filters, g.outH(), g.outW())) shape(op, "y", y, Shape.of(g.n(), filters, g.outH(), g.outW()), g);
        noAlias(op, y, x);
    }

    /** A convolver's backward: as forward, with dy like y (null where it comes pooled), dw like w, db like b, dx (if any) like x. */
    public static void convolutionBackward(Backend b, ConvGeometry g, int filters, Tensor x, Tensor w, Tensor dy, Tensor dw, Tensor db,
                                           Tensor dx) {
        String op = "convolution backward";
        convolution(b, g, filters, x, w, db, dy);
        owned(b, op, dw);
        shape(op, "dw", dw, w.shape(), g);
        if (dx != null) {
            owned(b, op, dx);
            if (!g.takes(dx.shape())) shape(op, "dx", dx, g.inputShape(), g);
            if (dy != null) noAlias(op, dx, dy);
        }
    }

    public static void col2im(Backend b, Tensor col, ConvGeometry g, Tensor dx) {
        owned(b, "col2im", col, dx);
        shape("col2im", "col", col, g.colShape(), g);
        shape("col2im", "dx", dx, g.inputShape(), g);
    }

    public static void maxPool(Backend b, Tensor x, ConvGeometry g, Tensor y, Tensor argmax) {
        owned(b, "maxPool", x, y, argmax);
        if (g.pad() >= g.kh() || g.pad() >= g.kw()) {
            throw fail("maxPool", "padding " + g.pad() + " must be smaller than the window " + g.kh() + "x" + g.kw());
        }
        shape("maxPool", "x", x, g.inputShape(), g);
        shape("maxPool", "y", y, g.pooledShape(), g);
        shape("maxPool", "argmax", argmax, g.pooledShape(), g);
    }

    /**
     * A convolution's pooled outputs ({@link Convolver#forwardReluPool}): pool must take the
     * convolution's output. pooled: yp, argmax (null where a forward keeps no winners), and dyp
     * for a backward.
     */
    public static void convolutionPool(Backend b, ConvGeometry g, int filters, ConvGeometry pool, Tensor yp, Tensor argmax) {
        convolutionPool(b, g, filters, pool, yp, argmax, null);
    }

    /** The same for a backward, with the pooled gradient dyp (null: a forward). */
    public static void convolutionPool(Backend b, ConvGeometry g, int filters, ConvGeometry pool, Tensor yp, Tensor argmax, Tensor dyp) {
        String op = "convolution with pooling";
        owned(b, op, yp);
        if (argmax == null && dyp != null) throw fail(op, "a tensor argument is null");   // a backward needs the winners
        if (argmax != null) owned(b, op, argmax);
        if (dyp != null) owned(b, op, dyp);
        if (pool.n() != g.n() || pool.c() != filters || pool.h() != g.outH() || pool.w() != g.outW()) {
            throw fail(op, "the convolution gives " + Shape.of(g.n(), filters, g.outH(), g.outW()) + " but the pooling geometry takes " + pool.inputShape());
        }
        if (pool.pad() >= pool.kh() || pool.pad() >= pool.kw()) {
            throw fail(op, "padding " + pool.pad() + " must be smaller than the window " + pool.kh() + "x" + pool.kw());
        }
        pooledTensor(pool, yp);
        if (argmax != null) pooledTensor(pool, argmax);
        if (dyp != null) pooledTensor(pool, dyp);
    }

    private static void pooledTensor(ConvGeometry pool, Tensor t) {
        if (!pool.pools(t.shape())) shape("convolution with pooling", "pooled tensor", t, pool.pooledShape(), pool);
    }

    public static void maxPoolBackward(Backend b, Tensor dy, Tensor argmax, ConvGeometry g, Tensor dx) {
        owned(b, "maxPoolBackward", dy, argmax, dx);
        shape("maxPoolBackward", "dy", dy, g.pooledShape(), g);
        shape("maxPoolBackward", "argmax", argmax, g.pooledShape(), g);
        shape("maxPoolBackward", "dx", dx, g.inputShape(), g);
    }

    public static void elementwise(Backend b, String op, Tensor... ts) {
        owned(b, op, ts);
        for (int i = 1; i < ts.length; i++) sameSize(op, ts[0], ts[i]);
    }

    public static void elementwise(Backend b, String op, Tensor t1, Tensor t2) {
        owned(b, op, t1, t2);
        sameSize(op, t1, t2);
    }

    public static void elementwise(Backend b, String op, Tensor t1, Tensor t2, Tensor t3) {
        owned(b, op, t1, t2, t3);
        sameSize(op, t1, t2);
        sameSize(op, t1, t3);
    }

    public static void rowVector(Backend b, String op, Tensor x, Tensor v, Tensor out) {
        owned(b, op, x, v, out);
        if (v.size() != x.shape().cols() || out.size() != x.size()) {
            throw fail(op, "x " + x.shape() + " (as " + dims(x.shape().rows(), x.shape().cols()) + "), vector " + v.shape()
                    + ", out " + out.shape() + " do not fit");
        }
    }

    public static void sumRows(Backend b, Tensor x, Tensor out) {
        owned(b, "sumRows", x, out);
        if (out.size() != x.shape().cols()) {
            throw fail("sumRows", "x " + x.shape() + " has " + x.shape().cols() + " columns but out " + out.shape() + " has " + out.size());
        }
    }

    public static void argmaxRows(Backend b, Tensor x, Tensor out) {
        owned(b, "argmaxRows", x, out);
        if (out.size() != x.shape().rows()) {
            throw fail("argmaxRows", "x " + x.shape() + " has " + x.shape().rows() + " rows but out " + out.shape() + " has " + out.size());
        }
    }

    /** src (R, ...), index (K), at (1), dst (M, ...) with rows of one size; dst is not src. */
    public static void gatherRows(Backend b, Tensor src, Tensor index, Tensor at, Tensor dst) {
        owned(b, "gatherRows", src, index, at, dst);
        if (src.shape().cols() != dst.shape().cols() || at.size() != 1 || index.shape().rank() != 1) {
            throw fail("gatherRows", "src " + src.shape() + ", index " + index.shape() + ", at " + at.shape() + ", dst " + dst.shape()
                    + ": expected (R, ...), (K), (1), (M, ...) with rows of one size");
        }
        noAlias("gatherRows", dst, src, index, at);
    }

    /** src (M, ...), at (1), dst (D, ...) with rows of one size; dst is neither src nor at. */
    public static void putRows(Backend b, Tensor src, Tensor at, Tensor dst) {
        owned(b, "putRows", src, at, dst);
        if (src.shape().cols() != dst.shape().cols() || at.size() != 1) {
            throw fail("putRows", "src " + src.shape() + ", at " + at.shape() + ", dst " + dst.shape()
                    + ": expected (M, ...), (1), (D, ...) with rows of one size");
        }
        noAlias("putRows", dst, src, at);
    }

    public static void countEqual(Backend b, Tensor x, Tensor y, Tensor out) {
        elementwise(b, "countEqual", x, y);
        owned(b, "countEqual", out);
        if (out.size() != 1) throw fail("countEqual", "out " + out.shape() + " must hold one value");
        noAlias("countEqual", out, x, y);
    }

    public static void softmaxCrossEntropy(Backend b, String op, Tensor logits, Tensor labels, Tensor probs, Tensor lossOrDx) {
        owned(b, op, logits, labels, probs, lossOrDx);
        if (logits.shape().rank() != 2 || !probs.shape().equals(logits.shape()) || labels.size() != logits.shape().rows()) {
            throw fail(op, "logits " + logits.shape() + ", labels " + labels.shape() + ", probs " + probs.shape()
                    + ": expected (N, C), (N), (N, C)");
        }
    }

    /** Each of labels[offset .. offset+n) is an integer class index in [0, classes). */
    public static void labels(String op, float[] labels, int offset, int n, int classes) {
        if (classes <= 0) throw fail(op, classes + " classes");
        if (offset < 0 || n < 0 || offset + n > labels.length) {
            throw fail(op, n + " labels from offset " + offset + " of an array of " + labels.length);
        }
        for (int r = 0; r < n; r++) {
            float l = labels[offset + r];
            if (!(l >= 0 && l < classes) || l != (int) l) {
                throw new IllegalArgumentException(op + ": label " + l + " at row " + r + " is not a class index in [0, " + classes + ")");
            }
        }
    }

    public static void batchNorm(Backend b, String op, Tensor x, Tensor y, Tensor... perChannel) {
        owned(b, op, x, y);
        owned(b, op, perChannel);
        if (x.shape().rank() < 2) throw fail(op, "x " + x.shape() + " must be (N, C, ...)");
        sameSize(op, x, y);
        int c = x.shape().dim(1);
        for (Tensor t : perChannel) {
            if (t.size() != c) throw fail(op, "x " + x.shape() + " has " + c + " channels but a per-channel tensor is " + t.shape());
        }
    }

    public static void dropout(Backend b, Tensor x, float ratio, Tensor step, Tensor mask, Tensor y) {
        elementwise(b, "dropout", x, mask, y);
        owned(b, "dropout", step);
        if (step.size() != 1) throw fail("dropout", "step " + step.shape() + " must hold one value");
        if (!(ratio >= 0f && ratio < 1f)) throw fail("dropout", "ratio " + ratio + " must be in [0, 1)");
    }

    private static final String[] STEP_OPS = names("optimizerStep"), STEPS_OPS = names("optimizerSteps");

    /** "op(KIND)" for every update rule, made once: a step's checks concatenate no strings. */
    private static String[] names(String op) {
        UpdateRule.Kind[] kinds = UpdateRule.Kind.values();
        String[] names = new String[kinds.length];
        for (UpdateRule.Kind k : kinds) names[k.ordinal()] = op + "(" + k + ")";
        return names;
    }

    public static void optimizerStep(Backend b, UpdateRule rule, Tensor p, Tensor g, Tensor s1, Tensor s2) {
        String op = STEP_OPS[rule.kind().ordinal()];
        if (!(rule.decay() >= 0) || Float.isInfinite(rule.decay())) throw fail(op, "weight decay " + rule.decay() + " must be zero or positive");
        if (rule.stateCount() >= 1) elementwise(b, op, p, g, s1); else elementwise(b, op, p, g);
        if (rule.stateCount() >= 2) elementwise(b, op, p, s2);
    }

    public static void optimizerSteps(Backend b, UpdateRule rule, Tensor rates, Tensor at, Tensor[] params, Tensor[] grads, Tensor[] s1,
                                      Tensor[] s2, boolean[] decays) {
        String op = STEPS_OPS[rule.kind().ordinal()];
        owned(b, op, rates, at);
        if (rates.shape().rank() != 1 || at.size() != 1) throw fail(op, "rates " + rates.shape() + " and at " + at.shape() + ": expected (K) and (1)");
        int n = params.length, state = rule.stateCount();
        if (grads.length != n || decays.length != n || state >= 1 && (s1 == null || s1.length != n) || state >= 2 && (s2 == null || s2.length != n)) {
            throw fail(op, n + " parameters but " + grads.length + " gradients, " + decays.length + " decay flags"
                    + (state >= 1 ? ", " + (s1 == null ? 0 : s1.length) + " first states" : "") + (state >= 2 ? ", " + (s2 == null ? 0 : s2.length) + " second states" : ""));
        }
        for (int i = 0; i < n; i++) optimizerStep(b, rule, params[i], grads[i], state >= 1 ? s1[i] : null, state >= 2 ? s2[i] : null);
    }

    private static void shape(String op, String name, Tensor t, Shape expected, ConvGeometry g) {
        if (!t.shape().equals(expected)) {
            throw fail(op, name + " is " + t.shape() + " but the window " + g + " needs " + expected);
        }
    }

    private static void noAlias(String op, Tensor out, Tensor in) {
        if (out.sharesMemoryWith(in)) throw fail(op, "the output " + out.shape() + " shares memory with an input");
    }

    private static void noAlias(String op, Tensor out, Tensor in1, Tensor in2) {
        noAlias(op, out, in1);
        noAlias(op, out, in2);
    }

    private static void noAlias(String op, Tensor out, Tensor in1, Tensor in2, Tensor in3) {
        noAlias(op, out, in1, in2);
        noAlias(op, out, in3);
    }

    private static String dims(int r, int c) { return "(" + r + ", " + c + ")"; }
}
