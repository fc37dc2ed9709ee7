package groundup.bench;

import groundup.backend.Backend;
import groundup.backend.Precision;
import groundup.backend.UpdateRule;
import groundup.nn.NetworkSpec;
import groundup.nn.Networks;
import groundup.nn.Sequential;
import groundup.optim.Optimizer;
import groundup.tensor.Shape;
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
 * How many images per second does one full training step (forward, loss read back,
 * backward, Adam update) process? The report divides the batch by the time per step.
 * {@code precision}: of the network's matrix products (fp32, bf16, tf32; {@link Precision}).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class TrainStepBench {
    @Param({"cpu"}) public String backend;
    @Param({"simple-cnn"}) public String net;
    @Param({"100"}) public int batch;
    @Param({"fp32"}) public String precision;

    private Backend b;
    private Sequential model;
    private Optimizer opt;
    private Tensor x, labels;
    private final float[] loss = new float[1];
    private long step;

    @Setup public void setup() {
        b = Fixtures.backend(backend);
        model = Networks.create(NetworkSpec.of(net), b, 1, Precision.parse(precision));
        opt = new Optimizer(b, UpdateRule.Kind.ADAM, 1e-3f, 0f);
        x = b.allocate(model.batchShape(batch));
        float[] px = new float[x.size()], lb = new float[batch];
        Random r = new Random(1);
        for (int i = 0; i < px.length; i++) px[i] = r.nextFloat();
        for (int i = 0; i < batch; i++) lb[i] = r.nextInt(10);
        b.upload(px, 0, x);
        labels = b.allocate(Shape.of(batch));
        b.upload(lb, 0, labels);
    }

    @Benchmark public float step() {
        model.reseed(step++);
        b.download(model.loss(x, labels, groundup.nn.Mode.TRAIN), loss, 0);
        model.backward();
        opt.step(model.parameters());
        b.synchronize();
        return loss[0];
    }

    @TearDown public void tearDown() {
        x.close();
        labels.close();
        opt.close();
        model.close();
        b.close();
    }
}
