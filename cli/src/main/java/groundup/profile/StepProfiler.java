package groundup.profile;

import groundup.backend.Backend;
import groundup.backend.DeviceTimer;
import groundup.backend.UpdateRule;
import groundup.nn.Layer;
import groundup.nn.LossLayer;
import groundup.nn.Mode;
import groundup.nn.NetworkSpec;
import groundup.nn.Networks;
import groundup.nn.Parameter;
import groundup.nn.Sequential;
import groundup.optim.Optimizer;
import groundup.tensor.Shape;
import groundup.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Times a book network's training step span by span: each layer's forward and backward, the
 * loss's, and the optimizer's update (Adam at the book's rate, as train runs it), each with a
 * {@link DeviceTimer} of the backend, after untimed warm-up steps. The step is the trainer's
 * (Sequential.loss, backward, Optimizer.step), issued layer by layer so that marks fall between
 * the layers; the loss is not read back, as a trainer need not. Its input is random: uniform
 * [0, 1) pixels and uniform labels (the time of a step does not depend on what the pixels show,
 * so no data set is needed).
 */
public final class StepProfiler {
    /** What to profile: a book network at a batch size, warm-up steps, timed steps, the seed of weights and input. */
    public record Params(String net, int batch, int warmup, int steps, long seed, groundup.backend.Precision precision) {
        /** In fp32. */
        public Params(String net, int batch, int warmup, int steps, long seed) { this(net, batch, warmup, steps, seed, groundup.backend.Precision.FP32); }

        public Params {
            if (batch < 1) throw new IllegalArgumentException("batch " + batch + ": must be positive");
            if (warmup < 0) throw new IllegalArgumentException("warmup " + warmup + ": must be 0 or more");
            if (steps < 1) throw new IllegalArgumentException("steps " + steps + ": must be positive");
        }
    }

    static final String INPUT = "synthetic: uniform [0, 1) pixels and uniform labels (no data set is read; a step's time does not depend on its pixels)";

    private StepProfiler() {}

    public static Profile run(Backend b, Params p) {
        try (Sequential net = Networks.create(NetworkSpec.of(p.net()), b, p.seed(), p.precision());
             Optimizer opt = new Optimizer(b, UpdateRule.Kind.ADAM, UpdateRule.Kind.ADAM.defaultLr, 0);
             Tensor x = b.allocate(net.batchShape(p.batch()));
             Tensor labels = b.allocate(Shape.of(p.batch()));
             Spans spans = new Spans(b, net.layers().size())) {
            Random r = new Random(p.seed());
            float[] px = new float[x.size()], lb = new float[p.batch()];
            for (int i = 0; i < px.length; i++) px[i] = r.nextFloat();
            for (int i = 0; i < lb.length; i++) lb[i] = r.nextInt(net.classes());
            b.upload(px, 0, x);
            b.uploadLabels(lb, 0, net.classes(), labels);
            opt.plan(p.warmup() + p.steps());     // the rates of every step uploaded now, not in a timed step
            for (int s = 0; s < p.warmup(); s++) step(net, opt, x, labels, spans, s);
            // ms[span][step]: spans 0..L-1 the layers' forwards, L..2L-1 their backwards, then loss forward, loss backward, optimizer, whole step
            int layers = net.layers().size();
            double[][] ms = new double[spans.all.size()][p.steps()];
            for (int s = 0; s < p.steps(); s++) {
                step(net, opt, x, labels, spans, p.warmup() + s);
                for (int k = 0; k < ms.length; k++) ms[k][s] = spans.all.get(k).elapsedMs();
            }
            GemmPeak peak = GemmPeak.measure(b, spans.whole);
            return profile(b, p, net, opt, spans.whole.method(), peak, ms, layers);
        }
    }

    /** One training step, each span between the marks of its timer. */
    private static void step(Sequential net, Optimizer opt, Tensor x, Tensor labels, Spans t, long index) {
        List<Layer> layers = net.layers();
        LossLayer loss = net.lossLayer();
        net.reseed(index);
        t.whole.start();
        Tensor h = x;
        for (int i = 0; i < layers.size(); i++) {
            t.forward.get(i).start();
            h = layers.get(i).forward(h, Mode.TRAIN);
            t.forward.get(i).stop();
        }
        t.lossForward.start();
        loss.forward(h, labels);
        t.lossForward.stop();
        t.lossBackward.start();
        Tensor d = loss.backward();
        t.lossBackward.stop();
        for (int i = layers.size() - 1; i >= 0; i--) {
            t.backward.get(i).start();
            d = layers.get(i).backward(d);      // the first layer's is null: it computes no dL/dx
            t.backward.get(i).stop();
        }
        t.optimizer.start();
        opt.step(net.parameters());
        t.optimizer.stop();
        t.whole.stop();
    }

    private static Profile profile(Backend b, Params p, Sequential net, Optimizer opt, String timer, GemmPeak peak, double[][] ms, int layers) {
        List<Profile.Row> rows = new ArrayList<>();
        double sum = 0;
        Stat[] stats = new Stat[ms.length];
        for (int k = 0; k < ms.length; k++) stats[k] = Stat.of(ms[k]);
        for (int k = 0; k < ms.length - 1; k++) sum += stats[k].median();
        Shape s = net.batchShape(p.batch());
        for (int i = 0; i < layers; i++) {
            Layer l = net.layers().get(i);
            LayerFlops.Count f = LayerFlops.of(l, s, i == 0);
            rows.add(row(Profile.Kind.LAYER, shortName(l), l.describe(), stats[i], stats[layers + i], f.forward(), f.backward(), sum, peak));
            s = l.outputShape(s);
        }
        LossLayer loss = net.lossLayer();
        rows.add(row(Profile.Kind.LOSS, "loss", loss.describe(), stats[2 * layers], stats[2 * layers + 1], 0, 0, sum, peak));
        rows.add(row(Profile.Kind.OPTIMIZER, "optimizer", "Adam, lr " + opt.lr() + ", one fused update of " + net.parameters().size()
                + " parameters", null, stats[2 * layers + 2], 0, 0, sum, peak));
        return new Profile(p.net(), b.name(), b.describe(), timer, INPUT, p.batch(), p.warmup(), p.steps(), p.seed(), peak, rows, sum,
                stats[ms.length - 1]);
    }

    private static Profile.Row row(Profile.Kind kind, String name, String description, Stat fwd, Stat bwd, long fwdFlop, long bwdFlop,
                                   double sum, GemmPeak peak) {
        double ms = (fwd == null ? 0 : fwd.median()) + bwd.median();
        Double gflops = fwdFlop + bwdFlop == 0 || ms <= 0 ? null : (fwdFlop + bwdFlop) / (ms * 1e6);
        return new Profile.Row(kind, name, description, fwd, bwd, fwdFlop, bwdFlop, sum > 0 ? ms / sum : 0, gflops,
                gflops == null ? null : gflops / peak.gflops());
    }

    /** "conv1", "affine2" (the prefix of its parameters' names), else the first word of its description ("ReLU"). */
    static String shortName(Layer l) {
        List<Parameter> ps = l.parameters();
        if (!ps.isEmpty()) {
            String n = ps.get(0).name();
            return n.contains(".") ? n.substring(0, n.indexOf('.')) : n;
        }
        String d = l.describe();
        return d.contains(" ") ? d.substring(0, d.indexOf(' ')) : d;
    }

    /** A timer per span: the layers' forwards and backwards, the loss's, the optimizer's, the whole step's; {@link #all} in that order. */
    private static final class Spans implements AutoCloseable {
        final List<DeviceTimer> forward = new ArrayList<>(), backward = new ArrayList<>(), all = new ArrayList<>();
        final DeviceTimer lossForward, lossBackward, optimizer, whole;

        Spans(Backend b, int layers) {
            try {
                for (int i = 0; i < layers; i++) forward.add(b.timer());
                for (int i = 0; i < layers; i++) backward.add(b.timer());
                lossForward = b.timer();
                lossBackward = b.timer();
                optimizer = b.timer();
                whole = b.timer();
            } catch (RuntimeException e) {
                close();
                throw e;
            }
            all.addAll(forward);
            all.addAll(backward);
            all.addAll(List.of(lossForward, lossBackward, optimizer, whole));
        }

        @Override public void close() {
            for (DeviceTimer t : forward) t.close();
            for (DeviceTimer t : backward) t.close();
            for (DeviceTimer t : new DeviceTimer[] {lossForward, lossBackward, optimizer, whole}) if (t != null) t.close();
        }
    }
}
