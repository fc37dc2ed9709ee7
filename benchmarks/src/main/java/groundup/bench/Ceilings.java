package groundup.bench;

import java.util.Arrays;
import java.util.Locale;

/**
 * The machine's ceilings as the figures are compared against them.
 * <ul>
 * <li>Memory: a parallel streaming loop b[i] = s * a[i] over two arrays of 256 MiB (far
 *     beyond any cache), counted as 8 bytes read + written per element, on all cores, median
 *     of 7. (System.arraycopy measured lower than plain loops here, so it would understate the
 *     ceiling.)
 * <li>fp32 compute: the faster of OpenBLAS's SGEMM (all cores) and oneDNN's matmul on 2048 x
 *     2048 matrices, best of 7. A measured ceiling, not the datasheet peak: this harness
 *     cannot know the clock and vector width of the CPU it runs on, and Java has no portable
 *     AVX-512 FMA loop (Java 17's Vector API is an incubator). A large GEMM is the fastest fp32
 *     code a user of this machine can run; it comes within 10-20% of the FMA peak on recent
 *     x86 cores. (On the development Xeon, oneDNN's convolutions ran faster than OpenBLAS's
 *     SGEMM: the better of the two libraries is the ceiling.)
 * </ul>
 */
record Ceilings(double memoryGBs, double gemmGflops, String gemmBy) {
    static Ceilings measure() throws InterruptedException {
        double mem = memory();
        int threads = Runtime.getRuntime().availableProcessors();
        groundup.cpu.NativeEnvironment.apply(threads);      // the kernels and threads the CPU backend gets, before OpenBLAS loads
        double blas = sgemm(threads, 2048), dnnl = dnnlMatmul(2048);
        String blasName = org.bytedeco.openblas.global.openblas_full.openblas_get_config().getString().trim().split(" ")[0] + " "
                + org.bytedeco.openblas.global.openblas_full.openblas_get_corename().getString();
        return blas >= dnnl
                ? new Ceilings(mem, blas, String.format(Locale.ROOT, "%s SGEMM, %d threads; oneDNN matmul %.1f", blasName, threads, dnnl))
                : new Ceilings(mem, dnnl, String.format(Locale.ROOT, "oneDNN matmul, its OpenMP threads; %s SGEMM %.1f", blasName, blas));
    }

    /** GFLOP/s of oneDNN's f32 matmul on n x n matrices (its OpenMP threads), best of 7 after one warm-up; 0 where oneDNN cannot load. */
    static double dnnlMatmul(int n) {
        try {
            org.bytedeco.dnnl.engine eng = new org.bytedeco.dnnl.engine(org.bytedeco.dnnl.engine.kind.cpu, 0);
            org.bytedeco.dnnl.stream s = new org.bytedeco.dnnl.stream(eng);
            org.bytedeco.dnnl.memory.desc d = new org.bytedeco.dnnl.memory.desc(new long[] {n, n},
                    org.bytedeco.dnnl.memory.data_type.f32, org.bytedeco.dnnl.memory.format_tag.ab);
            org.bytedeco.dnnl.matmul m = new org.bytedeco.dnnl.matmul(new org.bytedeco.dnnl.matmul.primitive_desc(eng, d, d, d));
            org.bytedeco.javacpp.FloatPointer a = new org.bytedeco.javacpp.FloatPointer((long) n * n), c = new org.bytedeco.javacpp.FloatPointer((long) n * n);
            float[] row = new float[n];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) row[j] = ((i * 31 + j * 17) % 97) / 97f - 0.5f;
                a.position((long) i * n).put(row, 0, n);
            }
            a.position(0);
            org.bytedeco.dnnl.IntMemoryMap args = new org.bytedeco.dnnl.IntMemoryMap();
            args.put(org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC, new org.bytedeco.dnnl.memory(d, eng, a));
            args.put(org.bytedeco.dnnl.global.dnnl.DNNL_ARG_WEIGHTS, new org.bytedeco.dnnl.memory(d, eng, a));
            args.put(org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DST, new org.bytedeco.dnnl.memory(d, eng, c));
            double best = 0;
            for (int r = 0; r < 8; r++) {
                long t0 = System.nanoTime();
                m.execute(s, args);
                s._wait();
                double gf = 2.0 * n * n * n / (System.nanoTime() - t0);
                if (r > 0) best = Math.max(best, gf);
            }
            return best;
        } catch (Throwable e) {        // no oneDNN natives here: the SGEMM ceiling stands alone
            return 0;
        }
    }

    /** GFLOP/s of SGEMM on n x n matrices with OpenBLAS's own threads, best of 7 after one warm-up. */
    static double sgemm(int threads, int n) {
        org.bytedeco.openblas.global.openblas_full.openblas_set_num_threads(threads);
        try (org.bytedeco.javacpp.FloatPointer a = new org.bytedeco.javacpp.FloatPointer((long) n * n);
             org.bytedeco.javacpp.FloatPointer b = new org.bytedeco.javacpp.FloatPointer((long) n * n);
             org.bytedeco.javacpp.FloatPointer c = new org.bytedeco.javacpp.FloatPointer((long) n * n)) {
            float[] row = new float[n];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) row[j] = ((i * 31 + j * 17) % 97) / 97f - 0.5f;
                a.position((long) i * n).put(row, 0, n);
                b.position((long) i * n).put(row, 0, n);
            }
            a.position(0);
            b.position(0);
            double best = 0;
            for (int r = 0; r < 8; r++) {
                long t0 = System.nanoTime();
                org.bytedeco.openblas.global.openblas_full.cblas_sgemm(101, 111, 111, n, n, n, 1f, a, n, b, n, 0f, c, n);
                double gf = 2.0 * n * n * n / (System.nanoTime() - t0);
                if (r > 0) best = Math.max(best, gf);
            }
            return best;
        } finally {
            org.bytedeco.openblas.global.openblas_full.openblas_set_num_threads(1);     // as the CPU backend runs it
        }
    }

    private static double memory() throws InterruptedException {
        int n = 64 << 20, threads = Runtime.getRuntime().availableProcessors();
        float[] a = new float[n], b = new float[n];
        Arrays.fill(a, 1f);
        double[] gbs = new double[7];
        for (int r = 0; r < gbs.length; r++) {
            Thread[] ts = new Thread[threads];
            long t0 = System.nanoTime();
            for (int t = 0; t < threads; t++) {
                int lo = (int) ((long) n * t / threads), hi = (int) ((long) n * (t + 1) / threads);
                ts[t] = new Thread(() -> {
                    for (int i = lo; i < hi; i++) b[i] = 1.0001f * a[i];
                });
                ts[t].start();
            }
            for (Thread t : ts) t.join();
            gbs[r] = 2.0 * 4 * n / (System.nanoTime() - t0);
        }
        Arrays.sort(gbs);
        return gbs[gbs.length / 2];
    }

    @Override public String toString() {
        return String.format(Locale.ROOT, "memory stream %.1f GB/s (b = s*a over 2 x 256 MiB, read + write, median of 7); "
                + "fp32 GEMM %.1f GFLOP/s (2048^3, %s, best of 7)", memoryGBs, gemmGflops, gemmBy);
    }

    /** One line of JSON, for scripts (compare-cpu-step.sh). */
    String json() {
        return String.format(Locale.ROOT, "{\"memory_gbs\": %.2f, \"gemm_gflops\": %.2f, \"gemm_by\": \"%s\"}", memoryGBs, gemmGflops, gemmBy);
    }
}
