package groundup.peers;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Blocks;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.initializer.Initializer;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.training.initializer.XavierInitializer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * DJL's side of benchmarks/compare-cpu-step.sh: the train step at batch 100 of SimpleConvNet and
 * DeepConvNet (forward, loss read back, backward, Adam at 0.001 with eps 1e-7), taken as GroundUp's
 * TrainStepBench and PyTorch's steps.py take it, on DJL's own training API (Trainer,
 * GradientCollector), as a DJL user writes it. The networks are the book's, with its
 * initialization (N(0, 0.01^2) for SimpleConvNet's weights, He for DeepConvNet's), one random
 * batch of uniform [0, 1) images and labels. Each step's temporaries live in a sub-manager closed
 * after the step, as DJL's EasyTrain does, so memory stays flat. Timing: three warm-up steps, then
 * ROUNDS rounds of as many steps as last about a second; prints one JSON line with the medians.
 *
 * <pre>java -Dai.djl.pytorch.num_threads=2 -Dai.djl.pytorch.num_interop_threads=1 -cp ... groundup.peers.DjlSteps [ROUNDS]</pre>
 */
public final class DjlSteps {
    private DjlSteps() {}

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        Engine engine = Engine.getEngine("PyTorch");
        StringBuilder json = new StringBuilder(String.format(Locale.ROOT, "{\"djl\": \"%s\", \"engine\": \"%s %s\", \"threads\": \"%s\"",
                Engine.getDjlVersion(), engine.getEngineName(), engine.getVersion(), System.getProperty("ai.djl.pytorch.num_threads", "default")));
        for (String name : List.of("simple-cnn", "deep-cnn")) {
            List<Double> ms = trainStep(name, rounds);
            json.append(String.format(Locale.ROOT, ", \"train %s ms\": %.4f, \"train %s ms min\": %.4f, \"train %s ms max\": %.4f", name,
                    median(ms), name, Collections.min(ms), name, Collections.max(ms)));
        }
        System.out.println(json.append("}"));
    }

    /** The book's networks, as GroundUp's Networks builds them. */
    static SequentialBlock net(String name) {
        SequentialBlock b = new SequentialBlock();
        if (name.equals("simple-cnn")) {
            // conv 30x5x5 - relu - pool 2 - affine 100 - relu - affine 10
            b.add(conv(30, 5, 0)).add(Activation.reluBlock()).add(Pool.maxPool2dBlock(new Shape(2, 2), new Shape(2, 2)))
                    .add(Blocks.batchFlattenBlock()).add(Linear.builder().setUnits(100).build()).add(Activation.reluBlock())
                    .add(Linear.builder().setUnits(10).build());
            return b;
        }
        // DeepConvNet: three blocks of two 3x3 convolutions and a pooling; conv4 has pad 2, so the maps go 28-14-16-8-4
        int[][] convs = {{16, 1}, {16, 1}, {32, 1}, {32, 2}, {64, 1}, {64, 1}};
        for (int i = 0; i < convs.length; i++) {
            b.add(conv(convs[i][0], 3, convs[i][1])).add(Activation.reluBlock());
            if (i % 2 == 1) b.add(Pool.maxPool2dBlock(new Shape(2, 2), new Shape(2, 2)));
        }
        b.add(Blocks.batchFlattenBlock()).add(Linear.builder().setUnits(50).build()).add(Activation.reluBlock())
                .add(Dropout.builder().optRate(0.5f).build()).add(Linear.builder().setUnits(10).build()).add(Dropout.builder().optRate(0.5f).build());
        return b;
    }

    private static Conv2d conv(int filters, int k, int pad) {
        return Conv2d.builder().setFilters(filters).setKernelShape(new Shape(k, k)).optPadding(new Shape(pad, pad)).build();
    }

    /** Milliseconds per train step, one figure per round. */
    static List<Double> trainStep(String name, int rounds) {
        Initializer init = name.equals("simple-cnn") ? new NormalInitializer(0.01f)
                : new XavierInitializer(XavierInitializer.RandomType.GAUSSIAN, XavierInitializer.FactorType.IN, 2);
        DefaultTrainingConfig config = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                .optOptimizer(Optimizer.adam().optLearningRateTracker(Tracker.fixed(1e-3f)).optEpsilon(1e-7f).build())
                .optInitializer(init, Parameter.Type.WEIGHT);
        try (Model model = Model.newInstance(name, "PyTorch")) {
            model.setBlock(net(name));
            try (Trainer trainer = model.newTrainer(config)) {
                Shape xs = new Shape(100, 1, 28, 28);
                trainer.initialize(xs);
                NDManager m = trainer.getManager();
                m.getEngine().setRandomSeed(1);
                NDArray x = m.randomUniform(0f, 1f, xs), labels = m.randomInteger(0, 10, new Shape(100), DataType.INT64).toType(DataType.FLOAT32, false);
                Runnable step = () -> {
                    try (NDManager sub = m.newSubManager()) {
                        x.tempAttach(sub);
                        labels.tempAttach(sub);
                        try (GradientCollector gc = trainer.newGradientCollector()) {
                            NDList scores = trainer.forward(new NDList(x));
                            NDArray loss = trainer.getLoss().evaluate(new NDList(labels), scores);
                            gc.backward(loss);
                            loss.getFloat();
                        }
                        trainer.step();
                    }
                };
                return timed(step, rounds, 1.0);
            }
        }
    }

    /** As ops.py's timed(): warm-up, calls per round to last minSeconds, then rounds of them; ms per call. */
    static List<Double> timed(Runnable fn, int rounds, double minSeconds) {
        for (int i = 0; i < 3; i++) fn.run();
        long t0 = System.nanoTime();
        fn.run();
        int per = (int) Math.max(1, minSeconds / Math.max((System.nanoTime() - t0) / 1e9, 1e-6));
        List<Double> out = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
            t0 = System.nanoTime();
            for (int i = 0; i < per; i++) fn.run();
            out.add((System.nanoTime() - t0) / 1e6 / per);
        }
        return out;
    }

    private static double median(List<Double> v) {
        List<Double> s = new ArrayList<>(v);
        Collections.sort(s);
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }
}
