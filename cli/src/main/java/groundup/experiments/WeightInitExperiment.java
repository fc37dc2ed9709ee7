package groundup.experiments;

import groundup.backend.Backend;
import groundup.backend.UpdateRule;
import groundup.data.Dataset;
import groundup.nn.Init;
import groundup.nn.Layer;
import groundup.nn.Mode;
import groundup.nn.Relu;
import groundup.nn.Sequential;
import groundup.nn.Sigmoid;
import groundup.nn.Tanh;
import groundup.optim.Optimizer;
import groundup.tensor.Shape;
import groundup.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;

/**
 * Chapter 6, two scripts.
 * {@code weight_init_activation_histogram.py}: 1,000 random inputs N(0, 1) of 100 features
 * through 5 layers of 100 units (no bias), weights N(0, std^2) for std 1, 0.01, Xavier
 * (sqrt(1/100)) and He (sqrt(2/100)); a histogram of each layer's activations for sigmoid, tanh
 * and ReLU. The book: with std 1, sigmoid's outputs pile up at 0 and 1 (vanishing gradients);
 * with 0.01 they crowd at 0.5 (every unit alike); Xavier keeps them spread; for ReLU, He does.
 * {@code weight_init_compare.py}: a 5-layer MLP (ReLU) trained 2,000 iterations by SGD from
 * std 0.01, Xavier and He; std 0.01 does not learn at all, He learns fastest.
 */
public final class WeightInitExperiment {
    public static final List<String> INITS = List.of("std 1", "std 0.01", "xavier", "he");
    static final int BINS = 30, SAMPLES = 1000, NODES = 100, LAYERS = 5;

    public record Params(int iterations, int batch, List<Integer> hidden) {
        public static Params book() { return new Params(2000, 128, BookMlp.layers(4, 100)); }
    }

    /** One layer's activations: the book's 30-bin histogram over [lo, hi], and their mean and std. */
    public record Histogram(int layer, double lo, double hi, int[] counts, double mean, double std, double shareOutside) {}

    public record Activations(String activation, String init, List<Histogram> layers) {}

    public record LossCurve(String init, double finalLoss, double[] loss) {}

    public record Results(List<Activations> histograms, List<LossCurve> training) {
        public Activations of(String activation, String init) {
            return histograms.stream().filter(h -> h.activation.equals(activation) && h.init.equals(init)).findFirst().orElseThrow();
        }

        public LossCurve curve(String init) { return training.stream().filter(c -> c.init.equals(init)).findFirst().orElseThrow(); }
    }

    private WeightInitExperiment() {}

    static Init init(String name) {
        return switch (name) {
            case "std 1" -> Init.std(1.0);
            case "std 0.01" -> Init.std(0.01);
            case "xavier" -> Init.xavier();
            case "he" -> Init.he();
            default -> throw new IllegalArgumentException("unknown initializer " + name);
        };
    }

    /** The histogram part alone: cheap, no data needed. */
    public static List<Activations> histograms(Backend b, long seed) {
        float[] x = new float[SAMPLES * NODES];
        Random r = new Random(seed);
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        List<Activations> out = new ArrayList<>();
        for (BookMlp.Act act : BookMlp.Act.values()) {
            for (String initName : INITS) {
                out.add(histogram(b, x, act, initName, seed));
            }
        }
        return out;
    }

    private static Activations histogram(Backend b, float[] x, BookMlp.Act act, String initName, long seed) {
        // the book's range=(0, 1); tanh's outputs are in (-1, 1), so its histograms cover that
        double lo = act == BookMlp.Act.TANH ? -1 : 0, hi = 1;
        List<Histogram> layers = new ArrayList<>();
        try (Sequential net = BookMlp.create(b, Shape.of(NODES), BookMlp.layers(LAYERS, NODES), act, init(initName), false, 0, seed);
             Tensor in = b.allocate(net.batchShape(SAMPLES))) {
            b.upload(x, 0, in);
            Tensor h = in;
            int layer = 0;
            for (Layer l : net.layers()) {
                h = l.forward(h, Mode.INFERENCE);
                if (l instanceof Relu || l instanceof Sigmoid || l instanceof Tanh) layers.add(histogram(++layer, h.toArray(), lo, hi));
                if (layer == LAYERS) break;
            }
        }
        return new Activations(act.name().toLowerCase(), initName, layers);
    }

    static Histogram histogram(int layer, float[] v, double lo, double hi) {
        int[] counts = new int[BINS];
        double sum = 0, sq = 0;
        int outside = 0;
        for (float f : v) {
            sum += f;
            sq += (double) f * f;
            if (f < lo || f > hi) { outside++; continue; }
            counts[Math.min(BINS - 1, (int) ((f - lo) / (hi - lo) * BINS))]++;
        }
        double mean = sum / v.length;
        return new Histogram(layer, lo, hi, counts, mean, Math.sqrt(Math.max(0, sq / v.length - mean * mean)), outside / (double) v.length);
    }

    public static Results run(Backend b, Dataset train, Params p, long seed, Progress progress) {
        List<Activations> hist = histograms(b, seed);
        List<LossCurve> curves = new ArrayList<>();
        for (String initName : List.of("std 0.01", "xavier", "he")) {
            try (Sequential net = BookMlp.create(b, p.hidden, BookMlp.Act.RELU, init(initName), false, 0, seed);
                 Optimizer opt = new Optimizer(b, UpdateRule.Kind.SGD, 0.01f, 0)) {
                double[] loss = Curves.losses(net, opt, train, p.batch, p.iterations, seed, progress, initName);
                curves.add(new LossCurve(initName, Curves.tailMean(loss, 100), loss));
            }
        }
        return new Results(hist, curves);
    }

    /** One PNG per activation: a row per initializer, a column per layer, as the book's figures 6-10 to 6-14. */
    public static void plotHistograms(Results r, String activation, Path png) throws IOException {
        List<XYChart> charts = new ArrayList<>();
        for (String initName : INITS) {
            for (Histogram h : r.of(activation, initName).layers) {
                XYChart c = Charts.lines(activation + ", " + initName + ": layer " + h.layer, "", "", 260, 190);
                c.getStyler().setLegendVisible(false);
                c.getStyler().setYAxisMin(0.0);
                if (activation.equals("relu")) c.getStyler().setYAxisMax(7000.0);   // the book's ylim for ReLU: half the values are 0
                c.getStyler().setYAxisDecimalPattern("#");
                c.getStyler().setXAxisDecimalPattern("0.0");
                double[] edges = new double[BINS + 1], y = new double[BINS + 1];
                for (int i = 0; i <= BINS; i++) {
                    edges[i] = h.lo + (h.hi - h.lo) * i / BINS;
                    y[i] = h.counts[Math.min(i, BINS - 1)];
                }
                Charts.line(c, "count", edges, y).setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.StepArea);
                charts.add(c);
            }
        }
        Pictures.write(charts, LAYERS, png);
    }

    /** The book's figure 6-15: smoothed loss per initializer, loss axis 0..2.5. */
    public static void plotLoss(Results r, Path png) throws IOException {
        XYChart c = Charts.lines("Weight init on MNIST: 5-layer ReLU MLP, SGD lr 0.01, batch 128 (loss smoothed)", "iterations", "loss",
                900, 560);
        c.getStyler().setYAxisMin(0.0);
        c.getStyler().setYAxisMax(2.5);
        for (LossCurve k : r.training) Charts.line(c, k.init, Charts.range(k.loss.length, false), Smooth.curve(k.loss));
        Pictures.write(c, png);
    }
}
