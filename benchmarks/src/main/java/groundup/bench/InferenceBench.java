package groundup.bench;

import groundup.backend.Backend;
import groundup.nn.NetworkSpec;
import groundup.nn.Networks;
import groundup.nn.Sequential;
import groundup.tensor.Shape;
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
 * How many images per second does inference over a test-set-sized input (10,000 images in
 * batches of 1,000, already on the device) reach, predictions read back? {@code -p precision}
 * as in {@link TrainStepBench}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class InferenceBench {
    static final int IMAGES = 10_000, BATCH = 1_000;

    @Param({"cpu"}) public String backend;
    @Param({"simple-cnn"}) public String net;
    @Param({"fp32"}) public String precision;

    private Backend b;
    private Sequential model;
    private Tensor[] batches;
    private Tensor argmax;
    private final float[] predicted = new float[BATCH];

    @Setup public void setup() {
        b = Fixtures.backend(backend);
        model = Networks.create(NetworkSpec.of(net), b, 1, Fixtures.precision(b, precision));
        batches = new Tensor[IMAGES / BATCH];
        for (int i = 0; i < batches.length; i++) batches[i] = Fixtures.random(b, i, model.batchShape(BATCH).dims());
        argmax = b.allocate(Shape.of(BATCH));
    }

    @Benchmark public float inference() {
        float sum = 0;
        for (Tensor x : batches) {
            b.argmaxRows(model.predict(x, groundup.nn.Mode.INFERENCE), argmax);
            b.download(argmax, predicted, 0);
            sum += predicted[0];
        }
        return sum;
    }

    @TearDown public void tearDown() {
        for (Tensor t : batches) t.close();
        argmax.close();
        model.close();
        b.close();
    }
}
