package groundup.bench;

import groundup.backend.Backend;
import groundup.nn.Convolution;
import groundup.nn.Init;
import groundup.tensor.Tensor;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * How long do the book's convolution layers take, forward and backward (dW, db and, unless
 * dx is false, dx), at batch 100, through whatever convolver the backend picks for the layer
 * (on the CPU: oneDNN, image-by-image SGEMM or im2col + GEMM; see groundup.cpu.convolution)?
 * {@link #LAYERS}: name to (C, H, W, filters, kernel, pad). {@link #dx} false measures
 * backward as a network runs its first layer (simple, deep1): no gradient for the images.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class ConvBench {
    static final java.util.Map<String, int[]> LAYERS = java.util.Map.of(
            "simple", new int[] {1, 28, 28, 30, 5, 0},
            "deep1", new int[] {1, 28, 28, 16, 3, 1},
            "deep2", new int[] {16, 28, 28, 16, 3, 1},
            "deep3", new int[] {16, 14, 14, 32, 3, 1},
            "deep4", new int[] {32, 14, 14, 32, 3, 2},
            "deep5", new int[] {32, 8, 8, 64, 3, 1},
            "deep6", new int[] {64, 8, 8, 64, 3, 1});

    @Param({"cpu"}) public String backend;
    @Param({"simple"}) public String layer;
    @Param({"100"}) public int batch;
    /** Whether backward computes dL/dx; a network's first layer skips it ({@code Layer.skipInputGradient}). */
    @Param({"true"}) public boolean dx;

    private Backend b;
    private Convolution conv;
    private Tensor x, dy;

    @Setup public void setup() {
        int[] l = LAYERS.get(layer);
        b = Fixtures.backend(backend);
        conv = new Convolution(b, l[0], l[3], l[4], l[4], 1, l[5], Init.he(), new Random(1), layer);
        if (!dx) conv.skipInputGradient();
        x = Fixtures.random(b, 1, batch, l[0], l[1], l[2]);
        Tensor y = conv.forward(x, groundup.nn.Mode.TRAIN);
        dy = Fixtures.random(b, 2, y.shape().dims());
        b.synchronize();
    }

    @Benchmark public void forward() {
        conv.forward(x, groundup.nn.Mode.TRAIN);
        b.synchronize();
    }

    @Benchmark public void backward() {
        conv.backward(dy);
        b.synchronize();
    }

    @TearDown public void tearDown() {
        conv.close();
        x.close();
        dy.close();
        b.close();
    }
}
