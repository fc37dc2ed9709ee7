package groundup.bench;

import java.util.Arrays;
import java.util.Locale;

/**
 * The machine's memory bandwidth as the report compares against it: a parallel streaming
 * loop b[i] = s * a[i] over two arrays of 256 MiB (far beyond any cache), counted as 8 bytes
 * read + written per element, on all cores, median of 7. (System.arraycopy measured lower
 * than plain loops here, so it would understate the ceiling.) Compute is compared against the
 * best GEMM of the same run (a measured ceiling, not the datasheet peak), since this
 * harness cannot know the clock and vector width of the CPU it runs on.
 */
record Ceilings(double memoryGBs) {
    static Ceilings measure() throws InterruptedException {
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
        return new Ceilings(gbs[gbs.length / 2]);
    }

    @Override public String toString() {
        return String.format(Locale.ROOT, "memory stream %.1f GB/s (b = s*a over 2 x 256 MiB, read + write, median of 7)", memoryGBs);
    }
}
