package groundup.bench;

import groundup.backend.Backend;
import groundup.backend.UpdateRule;
import groundup.nn.Mode;
import groundup.nn.NetworkSpec;
import groundup.nn.Networks;
import groundup.nn.Sequential;
import groundup.optim.Optimizer;
import groundup.tensor.Shape;
import groundup.tensor.Tensor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * The train step of one network with its convolution blocks ({@link groundup.nn.ConvBlock}) fused
 * and run as their parts ({@code Sequential.Builder.fuse(false)}), in one process, alternately: a block of steps
 * of one, then of the other, ROUNDS times, so that both see the same machine. Prints each
 * way's median step with the range of the rounds' medians, and the ratio. JMH runs one way's
 * iterations after the other's; on a shared machine whose speed drifts within minutes, that
 * is not a comparison.
 *
 * <pre>
 * java -jar benchmarks/target/groundup-benchmarks.jar fusion [NET] [ROUNDS] [BATCH]    (simple-cnn 10 100)
 * </pre>
 */
final class FusionAB {
    private static final int WARMUP_STEPS = 3, MEASURED_STEPS = 12;

    private FusionAB() {}

    static void run(String[] args) {
        String net = args.length > 0 ? args[0] : "simple-cnn";
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 10, batch = args.length > 2 ? Integer.parseInt(args[2]) : 100;
        try (Backend b = Fixtures.backend("cpu");
             Sequential fused = Networks.create(NetworkSpec.of(net), b, 1, true);
             Sequential plain = Networks.create(NetworkSpec.of(net), b, 1, false);
             Tensor x = b.allocate(fused.batchShape(batch));
             Tensor labels = b.allocate(Shape.of(batch))) {
            float[] px = new float[x.size()], lb = new float[batch];
            Random r = new Random(1);
            for (int i = 0; i < px.length; i++) px[i] = r.nextFloat();
            for (int i = 0; i < batch; i++) lb[i] = r.nextInt(10);
            b.upload(px, 0, x);
            b.upload(lb, 0, labels);
            Optimizer of = new Optimizer(b, UpdateRule.Kind.ADAM, 1e-3f, 0f), op = new Optimizer(b, UpdateRule.Kind.ADAM, 1e-3f, 0f);
            List<Double> fusedRounds = new ArrayList<>(), plainRounds = new ArrayList<>();
            float[] loss = new float[1];
            for (int round = 0; round <= rounds; round++) {          // round 0 warms both up and is not counted
                for (int way = 0; way < 2; way++) {
                    Sequential n = way == 0 ? fused : plain;
                    Optimizer o = way == 0 ? of : op;
                    List<Double> ms = new ArrayList<>();
                    for (int s = 0; s < WARMUP_STEPS + MEASURED_STEPS; s++) {
                        long t0 = System.nanoTime();
                        b.download(n.loss(x, labels, Mode.TRAIN), loss, 0);
                        n.backward();
                        o.step(n.parameters());
                        b.synchronize();
                        if (s >= WARMUP_STEPS) ms.add((System.nanoTime() - t0) / 1e6);
                    }
                    if (round > 0) (way == 0 ? fusedRounds : plainRounds).add(median(ms));
                }
            }
            double f = median(fusedRounds), p = median(plainRounds);
            System.out.printf(Locale.ROOT, "%s, batch %d, %s%n", net, batch, b.describe());
            System.out.printf(Locale.ROOT, "train step, median of %d rounds (each the median of %d steps), range of the rounds:%n", rounds, MEASURED_STEPS);
            System.out.printf(Locale.ROOT, "  fused:        %.2f ms (%.2f-%.2f)%n", f, Collections.min(fusedRounds), Collections.max(fusedRounds));
            System.out.printf(Locale.ROOT, "  one by one:   %.2f ms (%.2f-%.2f)%n", p, Collections.min(plainRounds), Collections.max(plainRounds));
            System.out.printf(Locale.ROOT, "  one by one / fused: %.2fx%n", p / f);
        }
    }

    private static double median(List<Double> v) {
        List<Double> c = new ArrayList<>(v);
        Collections.sort(c);
        int n = c.size();
        return n % 2 == 1 ? c.get(n / 2) : (c.get(n / 2 - 1) + c.get(n / 2)) / 2;
    }
}
