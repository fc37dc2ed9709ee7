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
import groundup.tensor.Shape;
import groundup.tensor.Tensor;
import groundup.train.MiniBatchSteps;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Chapter 5, {@code gradient_check.py}: backpropagation's gradients against numerical ones on
 * the first 3 training images, per parameter, under the network's own loss. The book prints the
 * mean absolute difference per parameter (about 1e-10 to 1e-13, all in float64); GroundUp's
 * analytic side is the backend's float32 backward, its numerical side the same network in
 * float64, and each parameter gets its worst error against a tolerance that float32 rounding and
 * the step justify (see {@link GradientCheck}): a 1% error anywhere fails.
 */
public final class GradCheckExperiment {
    /**
     * Images for a network with batch norm, at least and by default. Over a tiny batch, a feature
     * whose values nearly agree has a tiny variance, and batch norm's float32 forward and backward
     * divide the rounding of its inputs by it: over 3 MNIST images, gradients of the batch norms
     * below the top one came out up to 0.9% off (OpenBLAS's AVX-512 kernels; 0.05% with its AVX2
     * ones), as much as the error the check must catch. Over 5: at most 1.4e-4; over 10: 5.4e-5
     * (seeds 1 and 2, both kernels, 100 entries a parameter).
     */
    public static final int BATCH_NORM_MIN_IMAGES = 5, BATCH_NORM_IMAGES = 10;

    /**
     * @param net       two-layer, mlp, simple-cnn or deep-cnn; {@code batchNorm} and {@code dropout} for an mlp
     * @param samples   entries checked per parameter, the largest gradients first
     * @param h         the step of the central differences, in float64
     * @param steps     Adam steps (batch 100) taken before the check. The conv nets need some: their
     *                  biases start at exactly 0 and MNIST's background pixels are exactly 0, so at
     *                  initialization whole feature maps sit on ReLU's kink, where no numerical
     *                  gradient is defined (the check would skip nearly every bias entry)
     */
    public record Params(String net, boolean batchNorm, float dropout, int images, int samples, double h, int steps) {
        public static Params book(String net) {
            return new Params(net, false, 0f, 3, 100, GradientCheck.DEFAULT_STEP, net.equals("simple-cnn") || net.equals("deep-cnn") ? 20 : 0);
        }

        public NetworkSpec spec() {
            NetworkSpec s = NetworkSpec.of(net);
            return new NetworkSpec(net, s.hidden(), batchNorm, dropout);
        }
    }

    /** One check: the forward's agreement first ("scores (forward)"), then one per parameter. */
    public record Row(String parameter, int[] shape, int checked, int skipped, double meanAbsDifference, double error, double tolerance,
                      double largestGradient, boolean passed) {}

    public record Results(List<Row> rows, boolean passed) {
        /** The rows that failed, each as its name and why, e.g. "affine1.W (error 9.9e-03, tolerance 1.0e-03)". */
        public List<String> failed() {
            return rows.stream().filter(r -> !r.passed).map(r -> r.parameter + (2 * r.skipped > r.checked
                    ? String.format(java.util.Locale.ROOT, " (%d of %d entries at a kink)", r.skipped, r.checked)
                    : String.format(java.util.Locale.ROOT, " (error %.1e, tolerance %.1e)", r.error, r.tolerance))).toList();
        }
    }

    private GradCheckExperiment() {}

    public static Results run(Backend b, Dataset train, Params p, long seed) { return run(b, train, p, seed, Progress.none()); }

    public static Results run(Backend b, Dataset train, Params p, long seed, Progress progress) {
        NetworkSpec spec = p.spec();
        Dataset x = train.head(p.images);
        try (Sequential net = Networks.create(spec, b, seed); Tensor in = b.allocate(net.batchShape(p.images));
             Tensor labels = b.allocate(Shape.of(p.images))) {
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
            float[] t = new float[p.images];
            for (int i = 0; i < t.length; i++) t[i] = x.labels()[i];
            b.uploadLabels(t, 0, net.classes(), labels);
            List<GradientCheck.Result> res = GradientCheck.network(net, in, labels, p.samples, p.h,
                    (done, total) -> progress.update("parameters checked", done, total));
            List<Row> rows = new ArrayList<>();
            List<Parameter> ps = net.parameters();
            boolean all = true;
            for (int i = 0; i < res.size(); i++) {
                GradientCheck.Result r = res.get(i);
                int[] shape = i == 0 ? new int[] {p.images, net.classes()} : ps.get(i - 1).value().shape().dims();
                all &= r.passed();
                rows.add(new Row(r.name(), shape, r.checked(), r.skipped(), r.meanAbsDifference(), r.error(), r.tolerance(),
                        r.largestAnalytic(), r.passed()));
            }
            return new Results(rows, all);
        }
    }

    /** The table the command prints. */
    public static String table(Results r) {
        StringBuilder sb = new StringBuilder(String.format("%-18s %-16s %8s %8s %12s %12s %12s %12s  %s%n", "parameter", "shape", "checked",
                "at kink", "mean |diff|", "error", "tolerance", "max |grad|", "ok"));
        for (Row w : r.rows) {
            sb.append(String.format(java.util.Locale.ROOT, "%-18s %-16s %8d %8d %12.3e %12.3e %12.3e %12.3e  %s%n", w.parameter,
                    Arrays.toString(w.shape).replace(" ", ""), w.checked, w.skipped, w.meanAbsDifference, w.error, w.tolerance,
                    w.largestGradient, w.passed ? "yes" : "NO"));
        }
        return sb.toString();
    }
}
