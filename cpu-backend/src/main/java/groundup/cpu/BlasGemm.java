package groundup.cpu;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas_full;

/**
 * Row-major SGEMM through OpenBLAS (bytedeco's bundled natives).
 *
 * <p>Why staging buffers: JavaCPP's float[] overload copies every array in and out through
 * freshly malloc'ed memory on each call (measured 3.0 ms against 0.75 ms for the SimpleConvNet
 * conv GEMM on 2 cores), while Java kernels over off-heap memory ran 3-5x slower than over
 * arrays. So tensors stay Java arrays and GEMM copies its operands into three off-heap
 * buffers that grow to the largest call and are then reused: no allocation per step.
 *
 * <p>Why OpenBLAS runs single-threaded and we split the work: its own threads handle the
 * long-K, small-M*N GEMMs of weight gradients badly (DeepConvNet's conv2 dW, 16x144 with
 * K = 78,400: 7 ms on one thread, 35-80 ms on two), and they spin after each call, taking
 * the cores from the Java kernels that follow. Each of our workers instead runs a
 * single-threaded SGEMM on its own block of C's rows (or columns, when C is wide and short),
 * and the staging copies are split the same way.
 */
final class BlasGemm implements AutoCloseable {
    private static final int ROW_MAJOR = 101, NO_TRANS = 111, TRANS = 112;

    private final Parallel parallel;
    private final int threads;
    private FloatPointer pa = new FloatPointer(1), pb = new FloatPointer(1), pc = new FloatPointer(1);
    // per-worker views of the staging buffers: a FloatPointer's position is not thread-safe
    private FloatPointer[] va, vb, vc;

    BlasGemm(Parallel parallel) {
        this.parallel = parallel;
        this.threads = parallel.threads();
        openblas_full.openblas_set_num_threads(1);
        views();
    }

    String describe() {
        String config = openblas_full.openblas_get_config().getString().trim();
        return config + " (single-threaded per worker)" + avx512Warning(config, NativeEnvironment.cpuFlags());
    }

    /**
     * A warning when the CPU has AVX-512 but OpenBLAS chose kernels without it: its CPUID
     * detection has picked "Haswell" (AVX2, half the fp32 peak) on an AMD Zen 5. The CPU
     * backend sets OPENBLAS_CORETYPE where it is unset ({@link NativeEnvironment}), so this shows
     * where the user's value, or OpenBLAS loaded before the backend, left the AVX2 kernels.
     */
    static String avx512Warning(String config, java.util.Set<String> flags) {
        if (!flags.containsAll(java.util.List.of("avx512f", "avx512bw", "avx512vl", "avx512dq"))) return "";
        for (String core : NativeEnvironment.AVX512_CORES) if (config.contains(" " + core + " ") || config.endsWith(" " + core)) return "";
        return "; WARNING: this CPU has AVX-512 but OpenBLAS chose other kernels: set OPENBLAS_CORETYPE="
                + (flags.contains("avx512_bf16") ? "Cooperlake" : "SkylakeX") + " before java starts";
    }

    private void views() {
        va = new FloatPointer[threads];
        vb = new FloatPointer[threads];
        vc = new FloatPointer[threads];
        for (int t = 0; t < threads; t++) {
            va[t] = new FloatPointer(pa);
            vb[t] = new FloatPointer(pb);
            vc[t] = new FloatPointer(pc);
        }
    }

    /**
     * c (m, n) = alpha * op(a) * op(b) + beta * c, all row-major with leading dims lda, ldb, ldc.
     * Synchronized: the staging buffers are the instance's, one product at a time.
     */
    synchronized void sgemm(boolean ta, boolean tb, int m, int n, int k, float alpha, float[] a, int lda, float[] b, int ldb,
                            float beta, float[] c, int ldc) {
        int sa = (ta ? k : m) * lda, sb = (tb ? n : k) * ldb, sc = m * ldc;
        boolean grown = false;
        if (pa.capacity() < sa) { pa = grow(pa, sa); grown = true; }
        if (pb.capacity() < sb) { pb = grow(pb, sb); grown = true; }
        if (pc.capacity() < sc) { pc = grow(pc, sc); grown = true; }
        if (grown) views();
        boolean byRows = m >= n;
        int parts = Math.min(threads, Math.max(1, (int) Math.min(Integer.MAX_VALUE, 2L * m * n * k / 4_000_000)));
        int span = byRows ? m : n;
        this.ta = ta;
        this.tb = tb;
        this.m = m;
        this.n = n;
        this.k = k;
        this.alpha = alpha;
        this.beta = beta;
        this.a = a;
        this.b = b;
        this.c = c;
        this.lda = lda;
        this.ldb = ldb;
        this.ldc = ldc;
        this.sa = sa;
        this.sb = sb;
        this.sc = sc;
        this.parts = parts;
        this.byRows = byRows;
        this.span = span;
        this.chunk = (span + parts - 1) / parts;
        try {
            parallel.forRange(parts, 1, copyIns);
            parallel.forRange(parts, 1, products);
            parallel.forRange(parts, 1, copyOuts);
        } finally {
            this.a = this.b = this.c = null;
        }
    }

    // one product's operands, set by sgemm for its three parallel loops, whose bodies are methods
    // made objects once (lambdas capturing these would be three objects a call; a step allocates nothing)
    private boolean ta, tb, byRows;
    private int m, n, k, lda, ldb, ldc, sa, sb, sc, parts, span, chunk;
    private float alpha, beta;
    private float[] a, b, c;
    private final Parallel.Range copyIns = this::copyIns, products = this::products, copyOuts = this::copyOuts;

    private void copyIns(int lo, int hi) {
        for (int t = lo; t < hi; t++) {
            copyIn(va[t], a, sa, t, parts);
            copyIn(vb[t], b, sb, t, parts);
            if (beta != 0f) copyIn(vc[t], c, sc, t, parts);
        }
    }

    private void products(int lo, int hi) {
        for (int t = lo; t < hi; t++) {
            int from = t * chunk, len = Math.min(span, from + chunk) - from;
            if (len <= 0) continue;
            if (byRows) {
                // rows [from, from+len) of C need rows of op(a): row offset, or column offset when transposed
                va[t].position(ta ? from : (long) from * lda);
                vb[t].position(0);
                vc[t].position((long) from * ldc);
                openblas_full.cblas_sgemm(ROW_MAJOR, ta ? TRANS : NO_TRANS, tb ? TRANS : NO_TRANS, len, n, k,
                        alpha, va[t], lda, vb[t], ldb, beta, vc[t], ldc);
            } else {
                va[t].position(0);
                vb[t].position(tb ? (long) from * ldb : from);
                vc[t].position(from);
                openblas_full.cblas_sgemm(ROW_MAJOR, ta ? TRANS : NO_TRANS, tb ? TRANS : NO_TRANS, m, len, k,
                        alpha, va[t], lda, vb[t], ldb, beta, vc[t], ldc);
            }
        }
    }

    private void copyOuts(int lo, int hi) {
        for (int t = lo; t < hi; t++) {
            long from = (long) sc * t / parts, to = (long) sc * (t + 1) / parts;
            vc[t].position(from).get(c, (int) from, (int) (to - from));
        }
    }

    /** Part t of parts of the copy of src[0, size) into the staging buffer behind view. */
    private static void copyIn(FloatPointer view, float[] src, int size, int t, int parts) {
        long from = (long) size * t / parts, to = (long) size * (t + 1) / parts;
        view.position(from).put(src, (int) from, (int) (to - from));
    }

    private static FloatPointer grow(FloatPointer p, long n) {
        p.close();
        return new FloatPointer(Math.max(n, p.capacity() * 3 / 2));
    }

    @Override public void close() {
        pa.close();
        pb.close();
        pc.close();
    }
}
