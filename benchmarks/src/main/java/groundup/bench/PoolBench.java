package groundup.bench;

import groundup.backend.Backend;
import groundup.nn.Pooling;
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

/** How long does 2x2 max pooling take, forward and backward, on the book's feature maps at batch 100? */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class PoolBench {
    @Param({"cpu"}) public String backend;
    /** simple: (100, 30, 24, 24) after SimpleConvNet's conv; deep1: (100, 16, 28, 28) after DeepConvNet's conv2. */
    @Param({"simple"}) public String input;

    private Backend b;
    private Pooling pool;
    private Tensor x, dy;

    @Setup public void setup() {
        b = Fixtures.backend(backend);
        pool = new Pooling(b, 2, 2, 2, 0);
        x = input.equals("simple") ? Fixtures.random(b, 1, 100, 30, 24, 24) : Fixtures.random(b, 1, 100, 16, 28, 28);
        dy = Fixtures.random(b, 2, pool.forward(x, groundup.nn.Mode.TRAIN).shape().dims());
        b.synchronize();
    }

    @Benchmark public void forward() {
        pool.forward(x, groundup.nn.Mode.TRAIN);
        b.synchronize();
    }

    @Benchmark public void backward() {
        pool.backward(dy);
        b.synchronize();
    }

    @TearDown public void tearDown() {
        pool.close();
        x.close();
        dy.close();
        b.close();
    }
}
