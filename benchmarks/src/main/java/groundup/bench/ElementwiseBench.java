package groundup.bench;

import groundup.backend.Activation;
import groundup.backend.Backend;
import groundup.backend.UpdateRule;
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
 * How close do the memory-bound kernels come to the memory bandwidth? ReLU (reads 4n bytes,
 * writes 4n), ReLU's backward and axpy (read 8n, write 4n) and a fused Adam step (reads p, g, m, v: 16n;
 * writes p, m, v: 12n). The report turns time into GB/s with those byte counts.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class ElementwiseBench {
    @Param({"cpu"}) public String backend;
    @Param({"1048576"}) public int n;

    private Backend b;
    private Tensor x, y, m, v;
    private final UpdateRule adam = UpdateRule.adam(1e-3f, 0.9f, 0.999f, 1e-7f, 10);

    @Setup public void setup() {
        b = Fixtures.backend(backend);
        x = Fixtures.random(b, 1, n);
        y = Fixtures.random(b, 2, n);
        m = Fixtures.random(b, 3, n);
        v = b.allocate(groundup.tensor.Shape.of(n));
        b.fill(v, 0.25f);
    }

    @Benchmark public void relu() {
        b.activation(Activation.RELU, x, y);
        b.synchronize();
    }

    /** ReLU's backward over random inputs, half of them positive in no pattern (reads 8n, writes 4n). */
    @Benchmark public void reluBackward() {
        b.activationBackward(Activation.RELU, x, y, m);
        b.synchronize();
    }

    @Benchmark public void axpy() {
        b.axpy(1e-9f, x, y);
        b.synchronize();
    }

    @Benchmark public void adamStep() {
        b.optimizerStep(adam, y, x, m, v);
        b.synchronize();
    }

    @TearDown public void tearDown() {
        for (Tensor t : new Tensor[] {x, y, m, v}) t.close();
        b.close();
    }
}
