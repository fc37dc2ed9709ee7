package groundup.bench;

import groundup.backend.Backend;
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
 * How fast is one GEMM, C (M, N) = A (M, K) B (K, N)? Squares and the im2col shapes of the
 * book's networks at batch 100. The report turns the time into GFLOP/s (2*M*N*K per call).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class GemmBench {
    @Param({"cpu"}) public String backend;
    @Param({"1024x1024x1024"}) public String shape;

    private Backend b;
    private Tensor a, w, c;

    @Setup public void setup() {
        int[] s = Fixtures.mnk(shape);
        b = Fixtures.backend(backend);
        a = Fixtures.random(b, 1, s[0], s[2]);
        w = Fixtures.random(b, 2, s[2], s[1]);
        c = b.allocate(groundup.tensor.Shape.of(s[0], s[1]));
    }

    @Benchmark public void gemm() {
        b.gemm(false, false, 1f, a, w, 0f, c);
        b.synchronize();
    }

    @TearDown public void tearDown() {
        a.close();
        w.close();
        c.close();
        b.close();
    }
}
