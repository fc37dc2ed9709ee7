package groundup.profile;

import groundup.backend.Backend;
import groundup.backend.DeviceTimer;
import groundup.tensor.Shape;
import groundup.tensor.Tensor;
import java.util.Locale;

/**
 * The machine's measured fp32 peak as the profile compares layers against it: the backend's own
 * {@link Backend#gemm} on n x n matrices, n doubled from 256 until one GEMM takes
 * {@value #LONG_ENOUGH_MS} ms (or n reaches {@value #MAX_N}), then the best of
 * {@value #RUNS} at that n, timed with the profile's timer. A measured ceiling, not a datasheet
 * number: a large GEMM is the fastest fp32 code the backend runs (on the CPU OpenBLAS's SGEMM on
 * its threads; on CUDA cuBLAS). A convolution the backend hands to another library (oneDNN on
 * the CPU) may beat it, and read above 100%. About a second on a CPU, less on a GPU.
 */
public record GemmPeak(double gflops, int n, String method) {
    static final double LONG_ENOUGH_MS = 20;
    static final int MAX_N = 8192, RUNS = 5;

    static GemmPeak measure(Backend b, DeviceTimer timer) {
        int n = 256;
        while (true) {
            double ms = gemmMs(b, timer, n, 1);
            if (ms >= LONG_ENOUGH_MS || n >= MAX_N) break;
            n *= 2;
        }
        double best = gemmMs(b, timer, n, RUNS);
        double gflops = 2.0 * n * n * n / (Math.max(best, 1e-6) * 1e6);     // a clock that read 0 gives a huge, not an infinite, peak
        return new GemmPeak(gflops, n, String.format(Locale.ROOT, "the backend's own gemm on %d x %d fp32 matrices (n doubled from 256 until "
                + "one takes %.0f ms), best of %d, timed with %s", n, n, LONG_ENOUGH_MS, RUNS, timer.method()));
    }

    /** The fastest of {@code runs} GEMMs (n, n) x (n, n), after one untimed. */
    private static double gemmMs(Backend b, DeviceTimer timer, int n, int runs) {
        try (Tensor a = b.allocate(Shape.of(n, n)); Tensor c = b.allocate(Shape.of(n, n))) {
            b.fill(a, 0.5f);
            b.gemm(false, false, 1f, a, a, 0f, c);
            double best = Double.MAX_VALUE;
            for (int r = 0; r < runs; r++) {
                timer.start();
                b.gemm(false, false, 1f, a, a, 0f, c);
                timer.stop();
                best = Math.min(best, timer.elapsedMs());
            }
            return best;
        }
    }

    @Override public String toString() { return String.format(Locale.ROOT, "%.1f GFLOP/s (%s)", gflops, method); }
}
