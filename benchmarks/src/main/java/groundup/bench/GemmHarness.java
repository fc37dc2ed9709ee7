package groundup.bench;

import groundup.backend.Backend;
import groundup.backend.Backends;
import groundup.tensor.Shape;
import groundup.tensor.Tensor;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;

/**
 * A simple GEMM throughput harness (the JMH suite comes with issue #5): for each shape,
 * warm up, then time {@code reps} rounds of enough calls to last about 0.2 s each, and print
 * the median GFLOP/s with the range. The backend comes from -Dgroundup.backend (default auto).
 *
 * <pre>java -jar benchmarks/target/groundup-benchmarks.jar gemm [reps]</pre>
 */
public final class GemmHarness {
    private GemmHarness() {}

    public static void main(String[] args) {
        int reps = args.length > 0 ? Integer.parseInt(args[0]) : 9;
        int[][] shapes = {
            {1024, 1024, 1024},     // square
            {57600, 30, 25},        // SimpleConvNet conv forward at batch 100: col (57600x25) . W^T (25x30)
            {30, 25, 57600},        // its weight gradient: dout^T (30x57600) . col (57600x25)
            {78400, 16, 144},       // DeepConvNet conv2 forward
        };
        try (Backend b = Backends.create()) {
            System.out.println("backend: " + b.describe());
            System.out.println(String.format(Locale.ROOT, "%-22s %10s %10s %10s", "M x N x K", "median", "min", "max") + "   GFLOP/s over " + reps + " rounds");
            Random rnd = new Random(1);
            for (int[] s : shapes) {
                int m = s[0], n = s[1], k = s[2];
                boolean weightGrad = s == shapes[2];
                try (Tensor a = b.allocate(weightGrad ? Shape.of(k, m) : Shape.of(m, k)); Tensor w = b.allocate(Shape.of(k, n));
                     Tensor c = b.allocate(Shape.of(m, n))) {
                    float[] da = new float[a.size()], dw = new float[w.size()];
                    for (int i = 0; i < da.length; i++) da[i] = rnd.nextFloat() - 0.5f;
                    for (int i = 0; i < dw.length; i++) dw[i] = rnd.nextFloat() - 0.5f;
                    b.upload(da, 0, a);
                    b.upload(dw, 0, w);
                    double flops = 2.0 * m * n * k;
                    long t0 = System.nanoTime();
                    int calls = 0;
                    while (System.nanoTime() - t0 < 1_000_000_000L || calls < 3) {     // warm-up: 1 s
                        b.gemm(weightGrad, false, 1f, a, w, 0f, c);
                        calls++;
                    }
                    b.synchronize();
                    int per = Math.max(1, (int) (0.2e9 / ((System.nanoTime() - t0) / (double) calls)));
                    double[] gf = new double[reps];
                    for (int r = 0; r < reps; r++) {
                        long s0 = System.nanoTime();
                        for (int i = 0; i < per; i++) b.gemm(weightGrad, false, 1f, a, w, 0f, c);
                        b.synchronize();
                        gf[r] = flops * per / (System.nanoTime() - s0);
                    }
                    Arrays.sort(gf);
                    System.out.println(String.format(Locale.ROOT, "%-22s %10.1f %10.1f %10.1f", m + " x " + n + " x " + k
                            + (weightGrad ? " (A^T)" : ""), gf[reps / 2], gf[0], gf[reps - 1]));
                }
            }
        }
    }
}
