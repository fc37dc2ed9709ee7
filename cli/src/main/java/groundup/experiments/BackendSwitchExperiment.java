package groundup.experiments;

import groundup.backend.UpdateRule;
import groundup.data.Dataset;
import groundup.nn.Mode;
import groundup.nn.NetworkSpec;
import groundup.nn.Networks;
import groundup.nn.Parameter;
import groundup.nn.Sequential;
import groundup.optim.Optimizer;
import groundup.tensor.Shape;
import groundup.tensor.Tensor;
import groundup.train.Trainer;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.style.Styler;

/**
 * The backend switch: the same network, from the same seed, on the same mini-batches (one
 * permutation per epoch, {@link Trainer#permutation}) on every variant ({@link BackendVariants}),
 * in lockstep: after each step every variant's parameters are compared with the reference's.
 * Per variant: the loss of each step, the parameter drift of each step, the wall-clock time of
 * each step (upload, forward, backward, update, synchronize; the comparison not counted), and
 * whether it agrees with the reference ({@link Agreement}).
 */
public final class BackendSwitchExperiment {
    /** epochs over the first {@code images} training images, floor(images / batch) full batches each. */
    public record Params(String net, int images, int epochs, int batch, String optimizer, float lr) {
        public int stepsPerEpoch() { return images / batch; }

        public int steps() { return epochs * stepsPerEpoch(); }
    }

    /**
     * One variant's run.
     *
     * @param drift        per step, the parameter drift from the reference ({@link #drift})
     * @param stepMs       per step, wall-clock milliseconds
     * @param epochSeconds per epoch, the sum of its steps' times
     * @param finalLoss    mean loss of the last {@link Agreement#WINDOW} steps
     */
    public record Run(String variant, String backend, boolean fused, double[] loss, double[] drift, double[] stepMs, double[] epochSeconds,
                      double medianStepMs, double finalLoss, Agreement.Verdict verdict) {}

    /** rule: how the verdicts were reached, in words. */
    public record Results(String reference, List<Run> runs, List<BackendVariants.Skipped> skipped, String rule) {
        public Run of(String variant) {
            return runs.stream().filter(r -> r.variant.equals(variant)).findFirst().orElseThrow();
        }
    }

    private BackendSwitchExperiment() {}

    /** Trains every variant (the reference first, then its control); the variants stay open, the caller closes them. */
    public static Results run(List<BackendVariant> variants, List<BackendVariants.Skipped> skipped, Dataset train, Params p, long seed,
                              Progress progress) {
        if (variants.size() < 2 || !variants.get(0).name().equals(BackendVariants.REFERENCE)
                || !variants.get(1).name().equals(BackendVariants.CONTROL)) {
            throw new IllegalArgumentException("the variants must start with the reference and its control, got "
                    + variants.stream().map(BackendVariant::name).toList());
        }
        if (p.stepsPerEpoch() < 1) throw new IllegalArgumentException("images " + p.images + " make no batch of " + p.batch);
        if (p.images > train.count()) throw new IllegalArgumentException("images " + p.images + ": the data set has " + train.count());
        int steps = p.steps(), per = train.sampleShape().size();
        float[] hostX = new float[p.batch * per], hostY = new float[p.batch];     // the step's (batch, 1, 28, 28) images and (batch) labels
        int[] order = new int[p.images];
        List<Lane> lanes = new ArrayList<>();
        try {
            for (BackendVariant v : variants) lanes.add(new Lane(v, p, seed, steps));
            Lane ref = lanes.get(0);
            for (int s = 0; s < steps; s++) {
                int epoch = s / p.stepsPerEpoch(), at = s % p.stepsPerEpoch();
                if (at == 0) Trainer.permutation(order, seed, epoch + 1);
                for (int i = 0; i < p.batch; i++) {
                    int k = order[at * p.batch + i];
                    System.arraycopy(train.images(), k * per, hostX, i * per, per);
                    hostY[i] = train.labels()[k];
                }
                for (Lane l : lanes) l.step(s, hostX, hostY, seed);
                ref.snapshot();
                for (Lane l : lanes) {
                    if (l != ref) l.snapshot();
                    l.drift[s] = drift(l.params, ref.params);
                }
                progress.update("steps", s + 1, steps);
            }
        } finally {
            for (Lane l : lanes) l.close();
        }
        Lane ref = lanes.get(0), control = lanes.get(1);
        List<Run> runs = new ArrayList<>();
        for (Lane l : lanes) {
            Agreement.Verdict v = l == ref ? Agreement.Verdict.of(true, "the reference")
                    : l == control ? Agreement.Verdict.of(true, "rounding's envelope: the reference with its first batch scaled by 1 + "
                    + control.variant.perturb())
                    : Agreement.judge(ref.loss, control.loss, control.drift, l.loss, l.drift);
            double[] epochSeconds = new double[p.epochs];
            for (int s = 0; s < steps; s++) epochSeconds[s / p.stepsPerEpoch()] += l.stepMs[s] / 1000;
            double[] sorted = l.stepMs.clone();
            Arrays.sort(sorted);
            runs.add(new Run(l.variant.name(), l.variant.backend().describe(), l.variant.fused(), l.loss, l.drift, l.stepMs, epochSeconds,
                    sorted[sorted.length / 2], Curves.tailMean(l.loss, Agreement.WINDOW), v));
        }
        return new Results(BackendVariants.REFERENCE, runs, skipped, Agreement.RULE);
    }

    /**
     * How far apart two networks' parameters are: the largest, over the parameter tensors, of
     * ||p - r|| / ||r|| (Euclidean norms). 0 for the same values; about 6e-8 for values one
     * float32 rounding apart; 1 for a tensor as far from the reference as the reference is from 0.
     */
    static double drift(float[][] p, float[][] r) {
        double most = 0;
        for (int t = 0; t < r.length; t++) {
            double d = 0, n = 0;
            for (int i = 0; i < r[t].length; i++) {
                double e = (double) p[t][i] - r[t][i];
                d += e * e;
                n += (double) r[t][i] * r[t][i];
            }
            double rel = n == 0 ? (d == 0 ? 0 : Double.POSITIVE_INFINITY) : Math.sqrt(d / n);
            if (Double.isNaN(rel)) return rel;      // a diverged run: no distance, and no verdict of agreement
            most = Math.max(most, rel);
        }
        return most;
    }

    /** One variant's network, optimizer, batch tensors and what it has recorded so far. */
    private static final class Lane implements AutoCloseable {
        final BackendVariant variant;
        final Sequential net;
        final Optimizer opt;
        final Tensor x, y;
        final float[][] params;      // the host copy of each parameter tensor after the last step
        final double[] loss, drift, stepMs;
        final float[] one = new float[1];

        Lane(BackendVariant v, Params p, long seed, int steps) {
            this.variant = v;
            var b = v.backend();
            UpdateRule.Kind kind = UpdateRule.Kind.parse(p.optimizer);
            this.net = Networks.create(NetworkSpec.of(p.net), b, seed, v.fused(), v.precision());
            this.opt = new Optimizer(b, kind, p.lr, 0);
            this.x = b.allocate(net.batchShape(p.batch));
            this.y = b.allocate(Shape.of(p.batch));
            List<Parameter> ps = net.parameters();
            this.params = new float[ps.size()][];
            for (int i = 0; i < ps.size(); i++) params[i] = new float[ps.get(i).value().size()];
            this.loss = new double[steps];
            this.drift = new double[steps];
            this.stepMs = new double[steps];
        }

        void step(int s, float[] hostX, float[] hostY, long seed) {
            float[] in = hostX;
            if (s == 0 && variant.perturb() != 0) {
                in = hostX.clone();
                for (int i = 0; i < in.length; i++) in[i] *= (float) (1 + variant.perturb());
            }
            var b = variant.backend();
            long t0 = System.nanoTime();
            b.upload(in, 0, x);
            b.uploadLabels(hostY, 0, net.classes(), y);
            net.reseed(seed * 0x9E3779B97F4A7C15L + s);      // the same dropout masks on every backend (deep-cnn)
            b.download(net.loss(x, y, Mode.TRAIN), one, 0);
            net.backward();
            opt.step(net.parameters());
            b.synchronize();
            stepMs[s] = (System.nanoTime() - t0) / 1e6;
            loss[s] = one[0];
        }

        void snapshot() {
            List<Parameter> ps = net.parameters();
            for (int i = 0; i < ps.size(); i++) variant.backend().download(ps.get(i).value(), params[i], 0);
        }

        @Override public void close() {
            x.close();
            y.close();
            opt.close();
            net.close();
        }
    }

    /**
     * Loss curves overlaid (above) and log10 of the drift from the reference (below), one PNG; a
     * variant keeps its colour in both. A variant bitwise equal to the reference has no logarithm
     * and is named in the title instead of drawn.
     */
    public static void plot(Results r, Params p, Path png) throws IOException {
        String title = p.net + ", " + p.optimizer + " lr " + p.lr + ", batch " + p.batch + ", " + p.images + " images";
        XYChart loss = Charts.lines("Backend switch: loss per step (" + title + ")", "step", "loss", 1000, 480);
        List<String> equal = new ArrayList<>();
        XYChart drift = Charts.lines("", "step", "log10 drift", 1000, 480);
        drift.getStyler().setLegendPosition(Styler.LegendPosition.InsideSE);
        for (int k = 0; k < r.runs.size(); k++) {
            Run run = r.runs.get(k);
            boolean control = run.variant.equals(BackendVariants.CONTROL);
            double[] x = Charts.range(run.loss.length, true);
            String name = run.variant + (run.variant.equals(r.reference) || control ? "" : run.verdict.agree() ? " (agrees)" : " (DISAGREES)");
            Color colour = Charts.color(k);
            (control ? Charts.dashed(loss, name, x, run.loss) : Charts.line(loss, name, x, run.loss)).setLineColor(colour);
            if (run.variant.equals(r.reference)) continue;
            double[] d = new double[run.drift.length];
            for (int i = 0; i < d.length; i++) d[i] = run.drift[i] > 0 ? Math.log10(run.drift[i]) : Double.NaN;
            if (Arrays.stream(run.drift).allMatch(v -> v == 0)) {
                equal.add(run.variant);
                continue;
            }
            (control ? Charts.dashed(drift, name, x, d) : Charts.line(drift, name, x, d)).setLineColor(colour);
        }
        drift.setTitle("Parameter drift from the reference: max over tensors of ||p - p_ref|| / ||p_ref||"
                + (equal.isEmpty() ? "" : "; bitwise equal to it: " + String.join(", ", equal)));
        Pictures.write(List.of(loss, drift), 1, png);
    }
}
