package groundup.experiments;

import groundup.backend.Backend;
import groundup.backend.UpdateRule;
import groundup.data.Dataset;
import groundup.nn.GradientCheck;
import groundup.nn.NetworkSpec;
import groundup.nn.Networks;
import groundup.nn.Parameter;
import groundup.nn.Sequential;
import groundup.optim.Optimizer;
import groundup.tensor.Tensor;
import groundup.train.MiniBatchSteps;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Chapter 5, {@code gradient_check.py}: backpropagation's gradients against numerical ones on
 * the first 3 training images, per parameter. The book prints the mean absolute difference per
 * parameter (about 1e-10 to 1e-13 in float64); GroundUp computes in float32, so its differences
 * are larger, and it also gives each parameter's worst relative error, which says whether the
 * gradient is right (see {@link GradientCheck} for the loss used and why).
 */
public final class GradCheckExperiment {
    /**
     * A parameter passes when its worst relative error is below this. A wrong gradient is off by
     * 100% or more; a right one, on real images in float32, by up to about 10% in DeepConvNet's
     * conv biases, each of which moves hundreds of ReLU and max-pool inputs (the unit tests hold
     * every layer to 2% and every network to 10% on random inputs).
     */
    public static final double PASS = 0.2;

    /**
     * @param samples entries checked per parameter, the largest gradients first
     * @param steps   Adam steps (batch 100) taken before the check. The conv nets need some: their
     *                biases start at exactly 0 and MNIST's background pixels are exactly 0, so at
     *                initialization whole feature maps sit on ReLU's kink, where no numerical
     *                gradient is defined (the check would skip nearly every bias entry)
     */
    public record Params(String net, int images, int samples, double h, int steps) {
        public static Params book(String net) {
            return new Params(net, 3, 100, 1e-3, net.equals("simple-cnn") || net.equals("deep-cnn") ? 20 : 0);
        }
    }

    public record Row(String parameter, int[] shape, int checked, int skipped, double meanAbsDifference, double maxRelativeError,
                      double largestGradient, boolean passed) {}

    public record Results(List<Row> rows, boolean passed) {}

    private GradCheckExperiment() {}

    public static Results run(Backend b, Dataset train, Params p, long seed) { return run(b, train, p, seed, Progress.none()); }

    public static Results run(Backend b, Dataset train, Params p, long seed, Progress progress) {
        NetworkSpec spec = NetworkSpec.of(p.net);
        Dataset x = train.head(p.images);
        try (Sequential net = Networks.create(spec, b, seed); Tensor in = b.allocate(net.batchShape(p.images))) {
            if (p.steps > 0) {
                try (Optimizer opt = new Optimizer(b, UpdateRule.Kind.ADAM, UpdateRule.Kind.ADAM.defaultLr, 0);
                     MiniBatchSteps steps = new MiniBatchSteps(net, opt, train, Math.min(100, train.count()), seed)) {
                    for (int i = 0; i < p.steps; i++) {
                        steps.step();
                        progress.update("training first", i + 1, p.steps);
                    }
                }
            }
            b.upload(x.images(), 0, in);
            List<GradientCheck.Result> res = GradientCheck.network(net, in, p.samples, p.h, 1e-2, new Random(seed),
                    (done, total) -> progress.update("parameters checked", done, total));
            List<Row> rows = new ArrayList<>();
            List<Parameter> ps = net.parameters();
            boolean all = true;
            for (int i = 0; i < res.size(); i++) {
                GradientCheck.Result r = res.get(i);
                boolean ok = r.maxError() < PASS && r.checked() > r.skipped();
                all &= ok;
                rows.add(new Row(r.name(), ps.get(i).value().shape().dims(), r.checked(), r.skipped(), r.meanAbsDifference(), r.maxError(),
                        r.largestAnalytic(), ok));
            }
            return new Results(rows, all);
        }
    }

    /** The table the command prints. */
    public static String table(Results r) {
        StringBuilder sb = new StringBuilder(String.format("%-16s %-16s %8s %8s %14s %14s %14s  %s%n", "parameter", "shape", "checked",
                "at kink", "mean |diff|", "max rel error", "max |grad|", "ok"));
        for (Row w : r.rows) {
            sb.append(String.format(java.util.Locale.ROOT, "%-16s %-16s %8d %8d %14.3e %14.3e %14.3e  %s%n", w.parameter,
                    Arrays.toString(w.shape).replace(" ", ""), w.checked, w.skipped, w.meanAbsDifference, w.maxRelativeError,
                    w.largestGradient, w.passed ? "yes" : "NO"));
        }
        return sb.toString();
    }
}
