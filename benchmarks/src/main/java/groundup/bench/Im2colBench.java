package groundup.bench;

import groundup.backend.Backend;
import groundup.tensor.ConvGeometry;
import groundup.tensor.Tensor;
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
 * The two memory shuffles of a convolution on their own, at the book's layer shapes
 * ({@link ConvBench#LAYERS}): im2col writes N*OH*OW x C*KH*KW floats (45 MB for DeepConvNet's
 * conv2 at batch 100), col2im reads them back and scatters into the input's shape.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class Im2colBench {
    @Param({"cpu"}) public String backend;
    @Param({"deep2"}) public String layer;
    @Param({"100"}) public int batch;

    private Backend b;
    private ConvGeometry g;
    private Tensor x, col, dcol, dx;

    @Setup public void setup() {
        int[] l = ConvBench.LAYERS.get(layer);
        b = Fixtures.backend(backend);
        x = Fixtures.random(b, 1, batch, l[0], l[1], l[2]);
        g = ConvGeometry.of(x.shape(), l[4], l[4], 1, l[5]);
        col = b.allocate(g.colShape());
        dcol = Fixtures.random(b, 2, g.colShape().dims());
        dx = b.allocate(g.inputShape());
        b.synchronize();
    }

    @Benchmark public void im2col() {
        b.im2col(x, g, col);
        b.synchronize();
    }

    @Benchmark public void col2im() {
        b.col2im(dcol, g, dx);
        b.synchronize();
    }

    @TearDown public void close() {
        x.close();
        col.close();
        dcol.close();
        dx.close();
        b.close();
    }
}
