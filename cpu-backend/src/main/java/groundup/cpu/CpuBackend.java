package groundup.cpu;

import groundup.backend.Activation;
import groundup.backend.Backend;
import groundup.backend.Checks;
import groundup.backend.Convolver;
import groundup.backend.DropoutHash;
import groundup.backend.Im2colConvolver;
import groundup.backend.Precision;
import groundup.backend.UpdateRule;
import groundup.tensor.ConvGeometry;
import groundup.tensor.Shape;
import groundup.tensor.Tensor;

/**
 * The CPU backend: tensors are Java float arrays; GEMM goes to OpenBLAS (see
 * {@link BlasGemm}); every other op is a Java loop over flat arrays, split over the
 * {@link Parallel} pool. One instance is meant for one thread at a time.
 */
public final class CpuBackend implements Backend {
    /** Below this many elements an elementwise op runs on the calling thread alone. */
    private static final int GRAIN = 1 << 15;

    private final Parallel parallel;
    private final BlasGemm blas;
    private final ConvolutionKind convolution;
    private final boolean keepLayouts;
    private final boolean bf16Emulated;                // groundup.cpu.bf16=emulated: no bf16 kernels even where the CPU has them
    private final LayoutCounter layouts = new LayoutCounter();
    private double[] partials = new double[0];   // per-chunk sums of the reductions, grown, never shrunk
    private float[] roundedA = new float[0], roundedB = new float[0];   // a reduced-precision gemm's inputs, grown, never shrunk

    /** The convolution path {@code groundup.cpu.convolution} names (auto when unset). */
    public CpuBackend(int threads) { this(threads, System.getProperty("groundup.cpu.convolution")); }

    /**
     * The convolution path named here, whatever {@code groundup.cpu.convolution} says: auto, dnnl,
     * gemm or im2col ({@link ConvolutionKind}; null is auto). An unknown name, or dnnl where oneDNN
     * cannot load, is an IllegalArgumentException or IllegalStateException saying why.
     */
    public CpuBackend(int threads, String convolution) {
        this(threads, convolution, System.getProperty("groundup.cpu.layouts"));
    }

    /**
     * The convolution path and the layouts setting named here ({@link #keepLayoutsChosen}: kept
     * or converted; null is kept), whatever the system properties say.
     */
    public CpuBackend(int threads, String convolution, String layouts) {
        this(threads, chosenAfterTheEnvironment(threads, convolution), keepLayoutsChosen(layouts),
                bf16EmulatedChosen(System.getProperty("groundup.cpu.bf16")));
        BlockedPooling.vector();            // a groundup.cpu.vector that cannot be had fails here, saying why, not at the first convolution
        if (this.convolution == ConvolutionKind.AUTO || this.convolution == ConvolutionKind.DNNL) BlockedPooling.warmUpInBackground();
    }

    /** The kind named, chosen once the native environment is set: choosing dnnl loads oneDNN. */
    private static ConvolutionKind chosenAfterTheEnvironment(int threads, String convolution) {
        if (threads > 0) NativeEnvironment.apply(threads);
        return ConvolutionKind.chosen(convolution);
    }

    CpuBackend(int threads, ConvolutionKind convolution) {
        this(threads, convolution, keepLayoutsChosen(System.getProperty("groundup.cpu.layouts")));
    }

    /**
     * keepLayouts: tensors a oneDNN convolution writes stay in its layout for the next one
     * ({@link CpuMemory}); false: every oneDNN call converts its activations from and to NCHW.
     */
    CpuBackend(int threads, ConvolutionKind convolution, boolean keepLayouts) {
        this(threads, convolution, keepLayouts, bf16EmulatedChosen(System.getProperty("groundup.cpu.bf16")));
    }

    /** bf16Emulated: a bf16 network's convolutions emulated ({@link RoundedInputsConvolver}) even where the CPU has bf16 kernels. */
    CpuBackend(int threads, ConvolutionKind convolution, boolean keepLayouts, boolean bf16Emulated) {
        if (threads <= 0) throw new IllegalArgumentException("groundup.threads must be positive, got " + threads);
        this.keepLayouts = keepLayouts;
        this.bf16Emulated = bf16Emulated;
        NativeEnvironment.apply(threads);   // before BlasGemm loads OpenBLAS and anything loads oneDNN's libgomp
        this.parallel = new Parallel(threads);
        this.blas = new BlasGemm(parallel);
        this.convolution = convolution;
    }

    @Override public String name() { return "cpu"; }

    @Override public String describe() {
        String env = NativeEnvironment.describe();
        return "cpu: " + parallel.threads() + " threads (groundup.threads), " + blas.describe() + ", "
                + convolution.describe(parallel.threads()) + layoutsDescribed() + ", Java " + Runtime.version() + (env.isEmpty() ? "" : "; native environment: " + env);
    }

    private String layoutsDescribed() {
        if ((convolution != ConvolutionKind.AUTO && convolution != ConvolutionKind.DNNL) || !Dnnl.available()) return "";
        return keepLayouts ? ", oneDNN's layouts kept between its convolutions"
                : ", activations converted to NCHW at every oneDNN call (groundup.cpu.layouts=converted)";
    }

    /**
     * {@code groundup.cpu.layouts}: {@code kept} (the default) or {@code converted}, every oneDNN
     * convolution converting its activations from and to NCHW: the way to measure what keeping
     * saves (docs/benchmarks.md), and an oracle in tests.
     */
    static boolean keepLayoutsChosen(String property) {
        String p = property == null ? "kept" : property.trim().toLowerCase(java.util.Locale.ROOT);
        return switch (p) {
            case "kept" -> true;
            case "converted" -> false;
            default -> throw new IllegalArgumentException("groundup.cpu.layouts must be kept or converted, got '" + property + "'");
        };
    }

    /**
     * {@code groundup.cpu.bf16}: {@code auto} (the default: oneDNN's bf16 kernels where the CPU has
     * them) or {@code emulated} (inputs rounded, fp32 kernels, everywhere): bf16's numbers without
     * its kernels, to compare the two in a backend-switch experiment or to test the emulation on a
     * CPU that does not need it. True for emulated.
     */
    static boolean bf16EmulatedChosen(String property) {
        String p = property == null ? "auto" : property.trim().toLowerCase(java.util.Locale.ROOT);
        return switch (p) {
            case "auto" -> false;
            case "emulated" -> true;
            default -> throw new IllegalArgumentException("groundup.cpu.bf16 must be auto or emulated, got '" + property + "'");
        };
    }

    /**
     * How many times this backend has carried an activation between NCHW and one of oneDNN's
     * layouts since it was made (Java packs and unpacks, oneDNN reorders); weights not counted.
     */
    public long layoutConversions() { return layouts.conversions(); }

    /** The floats those conversions carried. */
    public long layoutConvertedFloats() { return layouts.floats(); }

    /** A tensor's array, up to date, for a kernel that may write it ({@link CpuMemory#array}). */
    private float[] a(Tensor t, String op) { return ((CpuMemory) t.handle(this, op)).array(); }

    /** An input's array, up to date, for a kernel that only reads it: a blocked copy stays current ({@link CpuMemory#arrayToRead}). */
    private float[] in(Tensor t, String op) { return ((CpuMemory) t.handle(this, op)).arrayToRead(); }

    /**
     * bf16: convolutions on oneDNN's bf16 kernels where this CPU has bf16 instructions (AMX,
     * AVX512-BF16) and oneDNN is the convolution path (auto, dnnl, or gemm, which hands over);
     * else, and for the affine layers' products, inputs rounded to bf16 and multiplied in float32:
     * the same numbers (a product of two bf16 values is exact in float32), the convolutions on
     * the fp32 path this backend would run, after rounding ({@link RoundedInputsConvolver}), or on
     * the im2col oracle where that is the path asked for.
     * No tf32: that is a CUDA tensor-core format.
     */
    @Override public String precisionDetail(Precision p) {
        return switch (p) {
            case FP32 -> "fp32";
            case TF32 -> throw new IllegalArgumentException("the CPU backend has no tf32 (a CUDA tensor-core format); it runs fp32 or bf16");
            case BF16 -> bf16Convolutions()
                    ? "bf16: convolutions on oneDNN's bf16 kernels (" + Dnnl.bf16Instructions() + "), affine layers on inputs rounded to bf16,"
                      + " multiplied by OpenBLAS in fp32"
                    : "bf16 emulated: " + whyNoBf16Kernels() + "; every product's inputs are rounded to bf16 and multiplied in fp32"
                      + (convolution == ConvolutionKind.IM2COL ? ", the convolutions on the im2col oracle (slower than fp32)"
                         : ", the convolutions on the fp32 path after rounding x, w and dy (a little slower than fp32: the rounding passes)");
        };
    }

    /** Whether a bf16 convolution runs on oneDNN's bf16 kernels (else it is emulated). */
    private boolean bf16Convolutions() {
        return convolution != ConvolutionKind.IM2COL && !bf16Emulated && Dnnl.bf16Instructions() != null;
    }

    private String whyNoBf16Kernels() {
        if (convolution == ConvolutionKind.IM2COL) return "groundup.cpu.convolution=im2col, the oracle";
        if (bf16Emulated) return "groundup.cpu.bf16=emulated";
        if (!Dnnl.available()) return "oneDNN does not load" + Dnnl.whyNot();
        return "this CPU has no bf16 instructions (AMX, AVX512-BF16) for oneDNN";
    }

    @Override public Convolver convolver(ConvGeometry g, int filters, Precision p) {
        String detail = precisionDetail(p);
        if (p == Precision.FP32) return convolver(g, filters);
        if (bf16Convolutions()) return new DnnlConvolver(this, parallel, layouts, keepLayouts, g, filters, true);
        if (!saidEmulated) {            // once per backend: a library user sees it too, not only train's header
            saidEmulated = true;
            System.getLogger("groundup.backend").log(System.Logger.Level.WARNING, detail);
        }
        return convolution == ConvolutionKind.IM2COL ? new Im2colConvolver(this, g, filters, p)
                : new RoundedInputsConvolver(this, convolver(g, filters), p);
    }

    /**
     * dst = src rounded to p ({@link Precision#round}), element for element; src is not modified.
     * Where src's value is in oneDNN's blocked layout (a convolution's output kept there), that
     * copy is rounded as it lies into dst's blocked copy: rounding is element for element, so it
     * needs no NCHW, and the convolution that reads dst reads it in place (+0 padding stays +0).
     */
    void round(Precision p, Tensor src, Tensor dst) {
        Checks.elementwise(this, ROUND_OPS[p.ordinal()], src, dst);
        if (p.droppedBits() == 0) throw new IllegalArgumentException(p + " drops no bits: nothing to round");
        CpuMemory s = (CpuMemory) src.handle(this, "round"), d = (CpuMemory) dst.handle(this, "round");
        CpuMemory.Blocked from = s.blockedIfCurrent();
        if (from != null) {
            BlockedActivation a = from.activation;
            CpuMemory.Blocked to = d.blockedToWrite(from.layout(), a.dims(), a.block, parallel, layouts);
            a.roundInto(p, to.activation);
            d.wroteBlocked();
            return;
        }
        round(p, s.arrayToRead(), d.arrayToOverwrite(), src.size());
    }

    private boolean saidEmulated;

    /** The convolution {@code groundup.cpu.convolution} chose ({@link ConvolutionKind}). */
    @Override public Convolver convolver(ConvGeometry g, int filters) {
        return switch (convolution.resolved()) {
            case AUTO -> throw new AssertionError("resolved() resolves auto");
            case DNNL -> new DnnlConvolver(this, parallel, layouts, keepLayouts, g, filters);
            case GEMM -> new CpuConvolver(this, parallel, g, filters);
            case IM2COL -> Backend.super.convolver(g, filters);
        };
    }

    // ---- memory -------------------------------------------------------------------

    @Override public Tensor allocate(Shape shape) {
        CpuMemory m = new CpuMemory(new float[shape.size()]);
        return Tensor.wrap(this, shape, m, m::close);
    }

    /** The array itself: a training set is not copied onto the heap a second time (188 MB for MNIST's). */
    @Override public Tensor hold(float[] data, Shape shape) {
        if (data.length != shape.size()) throw new IllegalArgumentException("hold: " + data.length + " floats for " + shape);
        CpuMemory m = new CpuMemory(data);
        return Tensor.wrap(this, shape, m, m::close);
    }

    @Override public void upload(float[] src, int offset, Tensor dst) {
        Checks.upload(this, src, offset, dst);
        System.arraycopy(src, offset, a(dst, "upload"), 0, dst.size());
    }

    @Override public void download(Tensor src, float[] dst, int offset) {
        Checks.download(this, src, dst, offset);
        System.arraycopy(in(src, "download"), 0, dst, offset, src.size());
    }

    @Override public void fill(Tensor t, float value) {
        Checks.owned(this, "fill", t);
        java.util.Arrays.fill(a(t, "fill"), value);
    }

    @Override public void copy(Tensor src, Tensor dst) {
        Checks.elementwise(this, "copy", src, dst);
        System.arraycopy(in(src, "copy"), 0, a(dst, "copy"), 0, src.size());
    }

    // ---- linear algebra ------------------------------------------------------------

    @Override public void gemm(boolean transA, boolean transB, float alpha, Tensor ta, Tensor tb, float beta, Tensor tc) {
        Checks.gemm(this, transA, transB, ta, tb, tc);
        int m = tc.shape().rows(), n = tc.shape().cols();
        int k = transA ? ta.shape().rows() : ta.shape().cols();
        blas.sgemm(transA, transB, m, n, k, alpha, in(ta, "gemm"), ta.shape().cols(), in(tb, "gemm"), tb.shape().cols(),
                beta, a(tc, "gemm"), n);
    }

    /** bf16: a and b rounded into arrays of the backend's own (a and b unchanged), then OpenBLAS's SGEMM on them. */
    @Override public void gemm(Precision p, boolean transA, boolean transB, float alpha, Tensor ta, Tensor tb, float beta, Tensor tc) {
        if (p == Precision.FP32) {
            gemm(transA, transB, alpha, ta, tb, beta, tc);
            return;
        }
        if (p != Precision.BF16) precisionDetail(p);            // throws for what the CPU cannot run (bf16 it always can: its line is a string a call)
        Checks.gemm(this, transA, transB, ta, tb, tc);
        int m = tc.shape().rows(), n = tc.shape().cols();
        int k = transA ? ta.shape().rows() : ta.shape().cols();
        if (roundedA.length < ta.size()) roundedA = new float[ta.size()];
        if (roundedB.length < tb.size()) roundedB = new float[tb.size()];
        round(p, in(ta, "gemm"), roundedA, ta.size());
        round(p, in(tb, "gemm"), roundedB, tb.size());
        blas.sgemm(transA, transB, m, n, k, alpha, roundedA, ta.shape().cols(), roundedB, tb.shape().cols(), beta, a(tc, "gemm"), n);
    }

    /**
     * dst[0, n) = src[0, n) rounded to p: {@link Precision#round}, in {@link VectorRounding}
     * where the JVM has the Vector API, the rest (and all of it elsewhere) without branches
     * (a NaN is kept by a mask, not a test).
     */
    private void round(Precision p, float[] src, float[] dst, int n) {
        synchronized (ops) {
            ops.a = src;
            ops.b = dst;
            ops.x = p;
            run(n, GRAIN, ROUND);
        }
    }

    private static final Parallel.Body ROUND = (o, lo, hi) -> roundRange((Precision) o.x, o.a, o.b, lo, hi);

    private static final String[] ROUND_OPS = new String[Precision.values().length];
    static {
        for (Precision p : Precision.values()) ROUND_OPS[p.ordinal()] = "round(" + p + ")";
    }

    /** dst[lo, hi) = src[lo, hi) rounded to p, on the calling thread (src and dst may be one array). */
    static void roundRange(Precision p, float[] src, float[] dst, int lo, int hi) {
        int drop = p.droppedBits(), half = (1 << (drop - 1)) - 1, keep = -1 << drop;
        for (int i = BlockedPooling.vector() ? VectorRounding.round(src, dst, lo, hi, drop) : lo; i < hi; i++) {
            int bits = Float.floatToRawIntBits(src[i]);
            int nan = (0x7f800000 - (bits & 0x7fffffff)) >> 31;          // all ones where src[i] is a NaN
            int r = (bits + half + ((bits >>> drop) & 1)) & keep;
            dst[i] = Float.intBitsToFloat((r & ~nan) | (bits & nan));
        }
    }

    @Override public void batchedTranspose(Tensor tx, int batch, int rows, int cols, Tensor ty) {
        Checks.batchedTranspose(this, tx, batch, rows, cols, ty);
        float[] x = a(tx, "batchedTranspose"), y = a(ty, "batchedTranspose");
        final int tile = 32;
        int rowTiles = (rows + tile - 1) / tile;
        parallel.forRange(batch * rowTiles, Math.max(1, GRAIN / (tile * cols)), (lo, hi) -> {
            for (int t = lo; t < hi; t++) {
                int b = t / rowTiles, r0 = (t % rowTiles) * tile, r1 = Math.min(rows, r0 + tile);
                int base = b * rows * cols;
                for (int c = 0; c < cols; c++) {
                    int dst = base + c * rows;
                    for (int r = r0; r < r1; r++) y[dst + r] = x[base + r * cols + c];
                }
            }
        });
    }

    // ---- convolution ---------------------------------------------------------------

    @Override public void im2col(Tensor tx, ConvGeometry g, Tensor tcol) {
        Checks.im2col(this, tx, g, tcol);
        float[] x = in(tx, "im2col"), col = a(tcol, "im2col");
        int oh = g.outH(), ow = g.outW(), rowLen = g.c() * g.kh() * g.kw();
        // one task per output row (n, oy): its ow rows of col, ow*rowLen floats (16 KB for
        // DeepConvNet's conv2), stay in L1 while they are filled column by column, so the
        // inner loop runs along ox, long and branch-free, instead of along a 3-wide kernel row
        parallel.forRange(g.n() * oh, Math.max(1, GRAIN / (ow * rowLen)), (lo, hi) -> {
            for (int t = lo; t < hi; t++) im2colRow(x, col, g, t / oh, t % oh);
        });
    }

    /** First ox whose input column ox*s - p + kx lies inside [0, w), and one past the last (clamped to [0, ow]). */
    private static int firstOx(int kx, int s, int p, int ow) { return Math.min(ow, Math.max(0, Math.floorDiv(p - kx + s - 1, s))); }

    private static int endOx(int kx, int s, int p, int w, int ow, int first) {
        return Math.max(first, Math.min(ow, Math.floorDiv(w - 1 + p - kx, s) + 1));
    }

    /** The ow rows of col for output row oy of image n. */
    private static void im2colRow(float[] x, float[] col, ConvGeometry g, int n, int oy) {
        int c = g.c(), h = g.h(), w = g.w(), kh = g.kh(), kw = g.kw(), s = g.stride(), p = g.pad(), ow = g.outW();
        int rowLen = c * kh * kw, base = (n * g.outH() + oy) * ow * rowLen;
        for (int ch = 0; ch < c; ch++) {
            int plane = (n * c + ch) * h * w;
            for (int ky = 0; ky < kh; ky++) {
                int iy = oy * s - p + ky, src = plane + iy * w;
                boolean rowInside = iy >= 0 && iy < h;
                for (int kx = 0; kx < kw; kx++) {
                    int k = base + (ch * kh + ky) * kw + kx;
                    int first = rowInside ? firstOx(kx, s, p, ow) : ow, end = rowInside ? endOx(kx, s, p, w, ow, first) : ow;
                    int ox = 0;
                    for (; ox < first; ox++) col[k + ox * rowLen] = 0f;
                    for (int ix = first * s - p + kx; ox < end; ox++, ix += s) col[k + ox * rowLen] = x[src + ix];
                    for (; ox < ow; ox++) col[k + ox * rowLen] = 0f;
                }
            }
        }
    }

    @Override public void col2im(Tensor tcol, ConvGeometry g, Tensor tdx) {
        Checks.col2im(this, tcol, g, tdx);
        float[] col = a(tcol, "col2im"), dx = a(tdx, "col2im");
        // one task per image: images are disjoint in dx, so no two tasks add to one element;
        // within an image the loops mirror im2colRow (inner loop along ox, over an L1-sized block of col)
        parallel.forRange(g.n(), 1, (lo, hi) -> {
            for (int n = lo; n < hi; n++) col2imImage(col, dx, g, n);
        });
    }

    /** col2im of one image (a static method of its own, so that the JIT compiles it as a unit). */
    private static void col2imImage(float[] col, float[] dx, ConvGeometry g, int n) {
        int c = g.c(), h = g.h(), w = g.w(), kh = g.kh(), kw = g.kw(), s = g.stride(), p = g.pad(), oh = g.outH(), ow = g.outW();
        int imageSize = c * h * w, rowLen = c * kh * kw;
        java.util.Arrays.fill(dx, n * imageSize, (n + 1) * imageSize, 0f);
        for (int oy = 0; oy < oh; oy++) {
            int base = (n * oh + oy) * ow * rowLen;
            for (int ch = 0; ch < c; ch++) {
                int plane = (n * c + ch) * h * w;
                for (int ky = 0; ky < kh; ky++) {
                    int iy = oy * s - p + ky;
                    if (iy < 0 || iy >= h) continue;
                    int dst = plane + iy * w;
                    for (int kx = 0; kx < kw; kx++) {
                        int k = base + (ch * kh + ky) * kw + kx;
                        int first = firstOx(kx, s, p, ow), end = endOx(kx, s, p, w, ow, first);
                        for (int ox = first, ix = first * s - p + kx; ox < end; ox++, ix += s) dx[dst + ix] += col[k + ox * rowLen];
                    }
                }
            }
        }
    }

    @Override public void maxPool(Tensor tx, ConvGeometry g, Tensor ty, Tensor targ) {
        Checks.maxPool(this, tx, g, ty, targ);
        float[] x = a(tx, "maxPool"), y = a(ty, "maxPool"), arg = a(targ, "maxPool");
        int hw = g.h() * g.w();
        parallel.forRange(g.n() * g.c(), Math.max(1, GRAIN / hw), (lo, hi) -> {
            for (int t = lo; t < hi; t++) PlanePooling.maxPool(x, t * hw, y, arg, t * g.outH() * g.outW(), g);
        });
    }

    @Override public void maxPoolBackward(Tensor tdy, Tensor targ, ConvGeometry g, Tensor tdx) {
        Checks.maxPoolBackward(this, tdy, targ, g, tdx);
        float[] dy = a(tdy, "maxPoolBackward"), arg = a(targ, "maxPoolBackward"), dx = a(tdx, "maxPoolBackward");
        int oh = g.outH(), ow = g.outW(), h = g.h(), w = g.w(), kw = g.kw(), s = g.stride(), p = g.pad();
        parallel.forRange(g.n() * g.c(), Math.max(1, GRAIN / (h * w)), (lo, hi) -> {
            for (int t = lo; t < hi; t++) {
                java.util.Arrays.fill(dx, t * h * w, (t + 1) * h * w, 0f);
                PlanePooling.unpool(dy, null, arg, t * oh * ow, g, dx, t * h * w);
            }
        });
    }

    // ---- elementwise -------------------------------------------------------------

    // The elementwise ops' and reductions' loops run bodies that capture nothing (Parallel.Body,
    // one object each, made once) on operands set in ops: a lambda capturing its arrays would be
    // an object per call, and a training step allocates nothing. Filled and run under ops' lock.
    private final Parallel.Operands ops = new Parallel.Operands();

    /** body over [0, n) on ops, which the caller filled holding its lock; ops cleared after. */
    private void run(int n, int grain, Parallel.Body body) {
        try {
            parallel.forRange(n, grain, body, ops);
        } finally {
            ops.clear();
        }
    }

    private static final String[] ACTIVATION_OPS = opNames("activation"), ACTIVATION_BACKWARD_OPS = opNames("activationBackward");

    /** "op(F)" for every Activation, made once: the checks of a step concatenate nothing. */
    private static String[] opNames(String op) {
        String[] names = new String[Activation.values().length];
        for (Activation f : Activation.values()) names[f.ordinal()] = op + "(" + f + ")";
        return names;
    }

    // a switch expression: a new Activation does not compile until it has its kernels here
    private static Parallel.Body activationBody(Activation f) {
        return switch (f) {
            case RELU -> (o, lo, hi) -> { float[] x = o.a, y = o.b; for (int i = lo; i < hi; i++) y[i] = Math.max(x[i], 0f); };
            case SIGMOID -> (o, lo, hi) -> { float[] x = o.a, y = o.b; for (int i = lo; i < hi; i++) y[i] = 1f / (1f + (float) Math.exp(-x[i])); };
            case TANH -> (o, lo, hi) -> { float[] x = o.a, y = o.b; for (int i = lo; i < hi; i++) y[i] = (float) Math.tanh(x[i]); };
        };
    }

    private static Parallel.Body activationBackwardBody(Activation f) {
        return switch (f) {
            // dy where the output is positive, else +0, without a branch (ReluGradient says why)
            case RELU -> (o, lo, hi) -> { float[] sv = o.a, dy = o.b, dx = o.c; for (int i = lo; i < hi; i++) dx[i] = ReluGradient.of(dy[i], sv[i]); };
            case SIGMOID -> (o, lo, hi) -> { float[] sv = o.a, dy = o.b, dx = o.c; for (int i = lo; i < hi; i++) dx[i] = dy[i] * sv[i] * (1f - sv[i]); };
            case TANH -> (o, lo, hi) -> { float[] sv = o.a, dy = o.b, dx = o.c; for (int i = lo; i < hi; i++) dx[i] = dy[i] * (1f - sv[i] * sv[i]); };
        };
    }

    private static final Parallel.Body[] ACTIVATIONS = java.util.Arrays.stream(Activation.values()).map(CpuBackend::activationBody)
            .toArray(Parallel.Body[]::new);
    private static final Parallel.Body[] ACTIVATION_BACKWARDS = java.util.Arrays.stream(Activation.values())
            .map(CpuBackend::activationBackwardBody).toArray(Parallel.Body[]::new);

    @Override public void activation(Activation f, Tensor tx, Tensor ty) {
        Checks.elementwise(this, ACTIVATION_OPS[f.ordinal()], tx, ty);
        synchronized (ops) {
            ops.a = a(tx, "activation");
            ops.b = a(ty, "activation");
            run(tx.size(), GRAIN, ACTIVATIONS[f.ordinal()]);
        }
    }

    @Override public void activationBackward(Activation f, Tensor tsaved, Tensor tdy, Tensor tdx) {
        Checks.elementwise(this, ACTIVATION_BACKWARD_OPS[f.ordinal()], tsaved, tdy, tdx);
        synchronized (ops) {
            ops.a = a(tsaved, "activationBackward");
            ops.b = a(tdy, "activationBackward");
            ops.c = a(tdx, "activationBackward");
            run(tsaved.size(), GRAIN, ACTIVATION_BACKWARDS[f.ordinal()]);
        }
    }

    private static final Parallel.Body MUL = (o, lo, hi) -> { float[] x = o.a, y = o.b, r = o.c; for (int i = lo; i < hi; i++) r[i] = x[i] * y[i]; };
    private static final Parallel.Body SCALE = (o, lo, hi) -> { float[] x = o.a, r = o.b; float s = o.alpha; for (int i = lo; i < hi; i++) r[i] = s * x[i]; };
    private static final Parallel.Body AXPY = (o, lo, hi) -> { float[] x = o.a, y = o.b; float s = o.alpha; for (int i = lo; i < hi; i++) y[i] += s * x[i]; };
    private static final Parallel.Body ADD_ROW_VECTOR = (o, lo, hi) -> {
        float[] x = o.a, v = o.b, r = o.c;
        int cols = v.length;
        for (int row = lo; row < hi; row++) {
            int base = row * cols;
            for (int c = 0; c < cols; c++) r[base + c] = x[base + c] + v[c];
        }
    };

    @Override public void mul(Tensor ta, Tensor tb, Tensor tout) {
        Checks.elementwise(this, "mul", ta, tb, tout);
        synchronized (ops) {
            ops.a = a(ta, "mul");
            ops.b = a(tb, "mul");
            ops.c = a(tout, "mul");
            run(tout.size(), GRAIN, MUL);
        }
    }

    @Override public void scale(float alpha, Tensor tx, Tensor tout) {
        Checks.elementwise(this, "scale", tx, tout);
        synchronized (ops) {
            ops.a = a(tx, "scale");
            ops.b = a(tout, "scale");
            ops.alpha = alpha;
            run(tout.size(), GRAIN, SCALE);
        }
    }

    @Override public void axpy(float alpha, Tensor tx, Tensor ty) {
        Checks.elementwise(this, "axpy", tx, ty);
        synchronized (ops) {
            ops.a = a(tx, "axpy");
            ops.b = a(ty, "axpy");
            ops.alpha = alpha;
            run(ty.size(), GRAIN, AXPY);
        }
    }

    @Override public void addRowVector(Tensor tx, Tensor tv, Tensor tout) {
        Checks.rowVector(this, "addRowVector", tx, tv, tout);
        synchronized (ops) {
            ops.a = a(tx, "addRowVector");
            ops.b = a(tv, "addRowVector");
            ops.c = a(tout, "addRowVector");
            run(tx.shape().rows(), Math.max(1, GRAIN / tv.size()), ADD_ROW_VECTOR);
        }
    }

    // ---- reductions ----------------------------------------------------------------

    private static final Parallel.Body SUM_ROWS = (o, lo, hi) -> {
        float[] x = o.a;
        double[] part = o.sums;
        int rows = o.i, cols = o.j, per = o.k;
        for (int ch = lo; ch < hi; ch++) {
            int base = ch * cols;
            java.util.Arrays.fill(part, base, base + cols, 0.0);
            for (int r = ch * per, end = Math.min(rows, r + per); r < end; r++) {
                int src = r * cols;
                for (int c = 0; c < cols; c++) part[base + c] += x[src + c];
            }
        }
    };

    @Override public void sumRows(Tensor tx, Tensor tout) {
        Checks.sumRows(this, tx, tout);
        float[] x = a(tx, "sumRows"), o = a(tout, "sumRows");
        int rows = tx.shape().rows(), cols = o.length;
        int chunks = Math.max(1, Math.min(parallel.threads(), rows * cols / GRAIN));
        int per = (rows + chunks - 1) / chunks;
        double[] part = partials(chunks * cols);
        // each chunk of rows sums into its own slice of partials; the slices are added after
        synchronized (ops) {
            ops.a = x;
            ops.sums = part;
            ops.i = rows;
            ops.j = cols;
            ops.k = per;
            run(chunks, 1, SUM_ROWS);
        }
        for (int c = 0; c < cols; c++) {
            double s = 0;
            for (int ch = 0; ch < chunks; ch++) s += part[ch * cols + c];
            o[c] = (float) s;
        }
    }

    @Override public void argmaxRows(Tensor tx, Tensor tout) {
        Checks.argmaxRows(this, tx, tout);
        int cols = tx.shape().cols();
        synchronized (ops) {
            ops.a = a(tx, "argmaxRows");
            ops.b = a(tout, "argmaxRows");
            ops.j = cols;
            run(tout.size(), Math.max(1, GRAIN / cols), ARGMAX_ROWS);
        }
    }

    private static final Parallel.Body ARGMAX_ROWS = (o, lo, hi) -> {
        float[] x = o.a, out = o.b;
        int cols = o.j;
        for (int r = lo; r < hi; r++) {
            int base = r * cols, best = 0;
            for (int c = 1; c < cols; c++) if (x[base + c] > x[base + best]) best = c;
            out[r] = best;
        }
    };

    @Override public double dot(Tensor ta, Tensor tb) {
        Checks.elementwise(this, "dot", ta, tb);
        float[] x = a(ta, "dot"), y = a(tb, "dot");
        int n = x.length, chunks = Math.max(1, Math.min(parallel.threads(), n / GRAIN)), per = (n + chunks - 1) / chunks;
        double[] part = partials(chunks);
        parallel.forRange(chunks, 1, (lo, hi) -> {
            for (int ch = lo; ch < hi; ch++) {
                double s = 0;
                for (int i = ch * per, end = Math.min(n, i + per); i < end; i++) s += (double) x[i] * y[i];
                part[ch] = s;
            }
        });
        double s = 0;
        for (int ch = 0; ch < chunks; ch++) s += part[ch];
        return s;
    }

    // ---- rows at a position held on the device ---------------------------------------

    /** The row position a float holds, or -1 where it is not a non-negative integer (NaN included): as kernels.cu's. */
    private static long position(float f) {
        return f >= 0f && f < 0x1p31f && f == (float) Math.floor(f) ? (long) f : -1;
    }

    @Override public void gatherRows(Tensor tsrc, Tensor tindex, Tensor tat, Tensor tdst) {
        Checks.gatherRows(this, tsrc, tindex, tat, tdst);
        int per = tdst.shape().cols();
        synchronized (ops) {
            ops.a = a(tsrc, "gatherRows");
            ops.b = a(tindex, "gatherRows");
            ops.c = a(tdst, "gatherRows");
            ops.j = per;
            ops.i = tsrc.shape().rows();
            ops.step = position(a(tat, "gatherRows")[0]);
            run(tdst.shape().rows(), Math.max(1, GRAIN / per), GATHER_ROWS);
        }
    }

    private static final Parallel.Body GATHER_ROWS = (o, lo, hi) -> {
        float[] src = o.a, index = o.b, dst = o.c;
        int per = o.j, rows = o.i;
        long p = o.step;
        for (int i = lo; i < hi; i++) {
            long k = p < 0 ? -1 : p + i, r = k >= 0 && k < index.length ? position(index[(int) k]) : -1;
            if (r >= 0 && r < rows) System.arraycopy(src, (int) r * per, dst, i * per, per);
            else java.util.Arrays.fill(dst, i * per, (i + 1) * per, Float.NaN);
        }
    };

    @Override public void putRows(Tensor tsrc, Tensor tat, Tensor tdst) {
        Checks.putRows(this, tsrc, tat, tdst);
        float[] src = a(tsrc, "putRows"), dst = a(tdst, "putRows");
        int per = tdst.shape().cols();
        long p = position(a(tat, "putRows")[0]);
        if (p >= 0 && p + tsrc.shape().rows() <= tdst.shape().rows()) System.arraycopy(src, 0, dst, (int) p * per, src.length);
    }

    @Override public void countEqual(Tensor ta, Tensor tb, Tensor tout) {
        Checks.countEqual(this, ta, tb, tout);
        float[] x = a(ta, "countEqual"), y = a(tb, "countEqual");
        int same = 0;
        for (int i = 0; i < x.length; i++) if (x[i] == y[i]) same++;
        a(tout, "countEqual")[0] = same;
    }

    private double[] partials(int n) {
        if (partials.length < n) partials = new double[n];
        return partials;
    }

    // ---- losses --------------------------------------------------------------------

    private static final Parallel.Body SOFTMAX_CROSS_ENTROPY = (o, lo, hi) -> {
        float[] z = o.a, lab = o.b, pr = o.c;
        double[] part = o.sums;
        int cols = o.j;
        for (int r = lo; r < hi; r++) {
            int base = r * cols;
            float max = z[base];
            for (int c = 1; c < cols; c++) max = Math.max(max, z[base + c]);
            double sum = 0;
            for (int c = 0; c < cols; c++) {
                float e = (float) Math.exp(z[base + c] - max);
                pr[base + c] = e;
                sum += e;
            }
            float inv = (float) (1.0 / sum);
            for (int c = 0; c < cols; c++) pr[base + c] *= inv;
            part[r] = Math.log(sum) - ((double) z[base + (int) lab[r]] - max);         // -log softmax, not clamped
        }
    };

    private static final Parallel.Body SOFTMAX_CROSS_ENTROPY_BACKWARD = (o, lo, hi) -> {
        float[] pr = o.a, lab = o.b, dx = o.c;
        int cols = o.j;
        float inv = o.alpha;
        for (int r = lo; r < hi; r++) {
            int base = r * cols, label = (int) lab[r];
            for (int c = 0; c < cols; c++) dx[base + c] = (pr[base + c] - (c == label ? 1f : 0f)) * inv;
        }
    };

    @Override public void softmaxCrossEntropy(Tensor tlogits, Tensor tlabels, Tensor tprobs, Tensor tloss) {
        Checks.softmaxCrossEntropy(this, "softmaxCrossEntropy", tlogits, tlabels, tprobs, tloss);
        if (tloss.size() != 1) throw new IllegalArgumentException("softmaxCrossEntropy: loss must hold one value, got " + tloss.shape());
        float[] z = a(tlogits, "softmaxCrossEntropy"), lab = a(tlabels, "softmaxCrossEntropy");
        float[] pr = a(tprobs, "softmaxCrossEntropy"), loss = a(tloss, "softmaxCrossEntropy");
        int rows = tlogits.shape().rows(), cols = tlogits.shape().cols();
        Checks.labels("softmaxCrossEntropy", lab, 0, rows, cols);
        double[] part = partials(rows);
        synchronized (ops) {
            ops.a = z;
            ops.b = lab;
            ops.c = pr;
            ops.sums = part;
            ops.j = cols;
            run(rows, Math.max(1, GRAIN / cols), SOFTMAX_CROSS_ENTROPY);
        }
        double total = 0;
        for (int r = 0; r < rows; r++) total += part[r];
        loss[0] = (float) (total / rows);
    }

    @Override public void softmaxCrossEntropyBackward(Tensor tprobs, Tensor tlabels, Tensor tdx) {
        Checks.softmaxCrossEntropy(this, "softmaxCrossEntropyBackward", tprobs, tlabels, tprobs, tdx);
        Checks.sameSize("softmaxCrossEntropyBackward", tprobs, tdx);
        float[] pr = a(tprobs, "softmaxCrossEntropyBackward"), lab = a(tlabels, "softmaxCrossEntropyBackward");
        float[] dx = a(tdx, "softmaxCrossEntropyBackward");
        int rows = tprobs.shape().rows(), cols = tprobs.shape().cols();
        Checks.labels("softmaxCrossEntropyBackward", lab, 0, rows, cols);
        synchronized (ops) {
            ops.a = pr;
            ops.b = lab;
            ops.c = dx;
            ops.j = cols;
            ops.alpha = 1f / rows;
            run(rows, Math.max(1, GRAIN / cols), SOFTMAX_CROSS_ENTROPY_BACKWARD);
        }
    }


    // ---- normalization and regularization -------------------------------------------

    @Override public void batchNormTrain(Tensor tx, Tensor tgamma, Tensor tbeta, float momentum, float eps,
                                         Tensor ty, Tensor tmean, Tensor tinv, Tensor trm, Tensor trv) {
        Checks.batchNorm(this, "batchNormTrain", tx, ty, tgamma, tbeta, tmean, tinv, trm, trv);
        float[] x = a(tx, "batchNormTrain"), y = a(ty, "batchNormTrain"), gamma = a(tgamma, "batchNormTrain");
        float[] beta = a(tbeta, "batchNormTrain"), mean = a(tmean, "batchNormTrain"), inv = a(tinv, "batchNormTrain");
        float[] rm = a(trm, "batchNormTrain"), rv = a(trv, "batchNormTrain");
        int n = tx.shape().rows(), c = tx.shape().dim(1), s = tx.size() / (n * c);
        double m = (double) n * s;
        parallel.forRange(c, Math.max(1, GRAIN / (n * s)), (lo, hi) -> {
            for (int ch = lo; ch < hi; ch++) {
                double sum = 0;
                for (int i = 0; i < n; i++) for (int j = 0, b = (i * c + ch) * s; j < s; j++) sum += x[b + j];
                double mu = sum / m, sq = 0;
                for (int i = 0; i < n; i++) for (int j = 0, b = (i * c + ch) * s; j < s; j++) { double d = x[b + j] - mu; sq += d * d; }
                double var = sq / m;
                float is = (float) (1.0 / Math.sqrt(var + eps)), g = gamma[ch], bt = beta[ch], muF = (float) mu;
                for (int i = 0; i < n; i++) for (int j = 0, b = (i * c + ch) * s; j < s; j++) y[b + j] = g * (x[b + j] - muF) * is + bt;
                mean[ch] = muF;
                inv[ch] = is;
                rm[ch] = momentum * rm[ch] + (1 - momentum) * muF;
                rv[ch] = momentum * rv[ch] + (1 - momentum) * (float) var;
            }
        });
    }

    @Override public void batchNormInference(Tensor tx, Tensor tgamma, Tensor tbeta, Tensor trm, Tensor trv, float eps, Tensor ty) {
        Checks.batchNorm(this, "batchNormInference", tx, ty, tgamma, tbeta, trm, trv);
        float[] x = a(tx, "batchNormInference"), y = a(ty, "batchNormInference"), gamma = a(tgamma, "batchNormInference");
        float[] beta = a(tbeta, "batchNormInference"), rm = a(trm, "batchNormInference"), rv = a(trv, "batchNormInference");
        int n = tx.shape().rows(), c = tx.shape().dim(1), s = tx.size() / (n * c);
        parallel.forRange(n * c, Math.max(1, GRAIN / s), (lo, hi) -> {
            for (int t = lo; t < hi; t++) {
                int ch = t % c, b = t * s;
                float is = (float) (1.0 / Math.sqrt(rv[ch] + eps)), g = gamma[ch] * is, mu = rm[ch], bt = beta[ch];
                for (int j = 0; j < s; j++) y[b + j] = g * (x[b + j] - mu) + bt;
            }
        });
    }

    @Override public void batchNormBackward(Tensor tdy, Tensor tx, Tensor tgamma, Tensor tmean, Tensor tinv,
                                            Tensor tdx, Tensor tdgamma, Tensor tdbeta) {
        Checks.batchNorm(this, "batchNormBackward", tx, tdy, tgamma, tmean, tinv, tdgamma, tdbeta);
        Checks.sameSize("batchNormBackward", tx, tdx);
        Checks.owned(this, "batchNormBackward", tdx);
        float[] dy = a(tdy, "batchNormBackward"), x = a(tx, "batchNormBackward"), gamma = a(tgamma, "batchNormBackward");
        float[] mean = a(tmean, "batchNormBackward"), inv = a(tinv, "batchNormBackward"), dx = a(tdx, "batchNormBackward");
        float[] dgamma = a(tdgamma, "batchNormBackward"), dbeta = a(tdbeta, "batchNormBackward");
        int n = tx.shape().rows(), c = tx.shape().dim(1), s = tx.size() / (n * c);
        float m = (float) n * s;
        parallel.forRange(c, Math.max(1, GRAIN / (n * s)), (lo, hi) -> {
            for (int ch = lo; ch < hi; ch++) {
                float mu = mean[ch], is = inv[ch];
                double sdy = 0, sdyx = 0;
                for (int i = 0; i < n; i++) for (int j = 0, b = (i * c + ch) * s; j < s; j++) {
                    sdy += dy[b + j];
                    sdyx += dy[b + j] * ((x[b + j] - mu) * is);
                }
                float db = (float) sdy, dg = (float) sdyx, k = gamma[ch] * is / m;
                for (int i = 0; i < n; i++) for (int j = 0, b = (i * c + ch) * s; j < s; j++) {
                    float xhat = (x[b + j] - mu) * is;
                    dx[b + j] = k * (m * dy[b + j] - db - xhat * dg);
                }
                dgamma[ch] = dg;
                dbeta[ch] = db;
            }
        });
    }

    @Override public void dropout(Tensor tx, float ratio, long seed, Tensor tstep, Tensor tmask, Tensor ty) {
        Checks.dropout(this, tx, ratio, tstep, tmask, ty);
        float[] x = a(tx, "dropout"), mask = a(tmask, "dropout"), y = a(ty, "dropout");
        long step = position(a(tstep, "dropout")[0]), s = DropoutHash.seed(seed, step);
        synchronized (ops) {
            ops.a = x;
            ops.b = mask;
            ops.c = y;
            ops.alpha = ratio;
            ops.beta = step < 0 ? Float.NaN : 1f / (1f - ratio);
            ops.seed = s;
            ops.step = step;
            run(x.length, GRAIN, DROPOUT);
        }
    }

    private static final Parallel.Body DROPOUT = (o, lo, hi) -> {
        float[] x = o.a, mask = o.b, y = o.c;
        float ratio = o.alpha, keep = o.beta;
        long s = o.seed, step = o.step;
        for (int i = lo; i < hi; i++) {
            float m = DropoutHash.uniform(s, i) >= ratio ? keep : step < 0 ? Float.NaN : 0f;
            mask[i] = m;
            y[i] = x[i] * m;
        }
    };

    // ---- optimizers ----------------------------------------------------------------

    @Override public void optimizerStep(UpdateRule rule, Tensor tp, Tensor tg, Tensor ts1, Tensor ts2) {
        Checks.optimizerStep(this, rule, tp, tg, ts1, ts2);
        optimizerStep(rule, rule.lr(), rule.decay(), tp, tg, ts1, ts2);
    }

    /** One {@link #optimizerStep} per parameter: on the CPU a launch costs nothing to save. */
    @Override public void optimizerSteps(UpdateRule rule, Tensor rates, Tensor at, Tensor[] params, Tensor[] grads, Tensor[] s1, Tensor[] s2,
                                         boolean[] decays) {
        Checks.optimizerSteps(this, rule, rates, at, params, grads, s1, s2, decays);
        float[] r = a(rates, "optimizerSteps");
        long p = position(a(at, "optimizerSteps")[0]);
        float lr = p >= 0 && p < r.length ? r[(int) p] : Float.NaN;
        for (int i = 0; i < params.length; i++) {
            optimizerStep(rule, lr, decays[i] ? rule.decay() : 0f, params[i], grads[i], rule.stateCount() >= 1 ? s1[i] : null,
                    rule.stateCount() >= 2 ? s2[i] : null);
        }
    }

    private final OptimizerTask optimizerTask = new OptimizerTask();

    /** rule's step at learning rate lr and weight decay, checked. */
    private void optimizerStep(UpdateRule rule, float lr, float decay, Tensor tp, Tensor tg, Tensor ts1, Tensor ts2) {
        String op = "optimizerStep";
        OptimizerTask t = optimizerTask;
        synchronized (t) {                  // one task object, filled per call: a step makes no lambda
            t.kind = rule.kind();
            t.p = a(tp, op);
            t.g = decay == 0 ? a(tg, op) : decayed(decay, t.p, a(tg, op));
            t.s1 = rule.stateCount() >= 1 ? a(ts1, op) : null;
            t.s2 = rule.stateCount() >= 2 ? a(ts2, op) : null;
            t.lr = lr;
            t.ra = rule.a();
            t.rb = rule.b();
            t.eps = rule.eps();
            try {
                parallel.forRange(t.p.length, GRAIN, t);
            } finally {
                t.p = t.g = t.s1 = t.s2 = null;
            }
        }
    }

    private float[] decayScratch = new float[0];
    private final DecayTask decayTask = new DecayTask();

    /** g + decay*p in a scratch array kept for the next call (g is an input: never written). */
    private float[] decayed(float decay, float[] p, float[] g) {
        if (decayScratch.length < g.length) decayScratch = new float[g.length];
        DecayTask t = decayTask;
        t.out = decayScratch;
        t.p = p;
        t.g = g;
        t.decay = decay;
        try {
            parallel.forRange(g.length, GRAIN, t);
        } finally {
            t.p = t.g = null;
        }
        return decayScratch;
    }

    private static final class DecayTask implements Parallel.Range {
        float[] out, p, g;
        float decay;

        @Override public void run(int lo, int hi) { for (int i = lo; i < hi; i++) out[i] = g[i] + decay * p[i]; }
    }

    /** Every rule's update of p[lo, hi) from g (already decayed where the rule has weight decay). */
    private static final class OptimizerTask implements Parallel.Range {
        UpdateRule.Kind kind;
        float[] p, g, s1, s2;
        float lr, ra, rb, eps;

        @Override public void run(int lo, int hi) {
            float[] p = this.p, g = this.g, s1 = this.s1, s2 = this.s2;
            float lr = this.lr, ra = this.ra, rb = this.rb, eps = this.eps;
            switch (kind) {
                case SGD -> { for (int i = lo; i < hi; i++) p[i] -= lr * g[i]; }
                case MOMENTUM -> {
                    for (int i = lo; i < hi; i++) { s1[i] = ra * s1[i] - lr * g[i]; p[i] += s1[i]; }
                }
                case NESTEROV -> {
                    for (int i = lo; i < hi; i++) {
                        s1[i] = ra * s1[i] - lr * g[i];
                        p[i] += ra * ra * s1[i] - (1 + ra) * lr * g[i];
                    }
                }
                case ADAGRAD -> {
                    for (int i = lo; i < hi; i++) { s1[i] += g[i] * g[i]; p[i] -= lr * g[i] / ((float) Math.sqrt(s1[i]) + eps); }
                }
                case RMSPROP -> {
                    for (int i = lo; i < hi; i++) {
                        s1[i] = ra * s1[i] + (1 - ra) * g[i] * g[i];
                        p[i] -= lr * g[i] / ((float) Math.sqrt(s1[i]) + eps);
                    }
                }
                case ADAM -> {
                    for (int i = lo; i < hi; i++) {
                        s1[i] += (1 - ra) * (g[i] - s1[i]);
                        s2[i] += (1 - rb) * (g[i] * g[i] - s2[i]);
                        p[i] -= lr * s1[i] / ((float) Math.sqrt(s2[i]) + eps);
                    }
                }
            }
        }
    }

    @Override public void synchronize() { /* every CPU op has finished when it returns */ }

    @Override public void close() {
        parallel.close();
        blas.close();
    }
}
