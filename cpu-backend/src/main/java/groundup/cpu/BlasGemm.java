package groundup.cpu;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas_full;

/**
 * Row-major SGEMM through OpenBLAS (bytedeco's bundled natives).
 *
 * <p>Why staging buffers: JavaCPP's float[] overload copies every array in and out through
 * freshly malloc'ed memory on each call (measured 3.0 ms against 0.75 ms for the SimpleConvNet
 * conv GEMM on 2 cores), while Java kernels over off-heap memory run 3-5x slower than over
 * arrays. So tensors stay Java arrays and GEMM copies its operands into three off-heap
 * buffers that grow to the largest call and are then reused: no allocation per step.
 */
final class BlasGemm implements AutoCloseable {
    private static final int ROW_MAJOR = 101, NO_TRANS = 111, TRANS = 112;

    private FloatPointer pa = new FloatPointer(1), pb = new FloatPointer(1), pc = new FloatPointer(1);

    BlasGemm(int threads) {
        openblas_full.openblas_set_num_threads(threads);
    }

    String describe() {
        return "OpenBLAS " + openblas_full.openblas_get_config().getString().trim()
                + " (" + openblas_full.openblas_get_num_threads() + " threads)";
    }

    /** c (m, n) = alpha * op(a) * op(b) + beta * c, all row-major with leading dims lda, ldb, ldc. */
    void sgemm(boolean ta, boolean tb, int m, int n, int k, float alpha, float[] a, int lda, float[] b, int ldb,
               float beta, float[] c, int ldc) {
        int sa = (ta ? k : m) * lda, sb = (tb ? n : k) * ldb, sc = m * ldc;
        pa = ensure(pa, sa);
        pb = ensure(pb, sb);
        pc = ensure(pc, sc);
        pa.position(0).put(a, 0, sa);
        pb.position(0).put(b, 0, sb);
        if (beta != 0f) pc.position(0).put(c, 0, sc);
        openblas_full.cblas_sgemm(ROW_MAJOR, ta ? TRANS : NO_TRANS, tb ? TRANS : NO_TRANS, m, n, k,
                alpha, pa.position(0), lda, pb.position(0), ldb, beta, pc.position(0), ldc);
        pc.position(0).get(c, 0, sc);
    }

    private static FloatPointer ensure(FloatPointer p, long n) {
        if (p.capacity() >= n) return p;
        p.close();
        return new FloatPointer(Math.max(n, p.capacity() * 3 / 2));
    }

    @Override public void close() {
        pa.close();
        pb.close();
        pc.close();
    }
}
