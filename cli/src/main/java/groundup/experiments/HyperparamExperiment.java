package groundup.experiments;

import groundup.backend.Backend;
import groundup.backend.UpdateRule;
import groundup.data.Dataset;
import groundup.nn.Init;
import groundup.nn.Sequential;
import groundup.optim.Optimizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Chapter 6, {@code hyperparameter_optimization.py}: random search over the learning rate
 * (10^U(-6, -2)) and weight decay (10^U(-8, -4)) of a 7-layer MLP (SGD, batch 100, 50 epochs)
 * trained on 400 of 500 shuffled training images and scored on the other 100, a validation set
 * taken from the training data, never the test set. The book: the best runs have learning rates
 * of about 0.001 to 0.01 and weight decays of about 1e-8 to 1e-6 (figure 6-24).
 */
public final class HyperparamExperiment {
    public record Params(int images, double validationShare, int trials, int epochs, int batch, List<Integer> hidden, double lrLogMin,
                         double lrLogMax, double decayLogMin, double decayLogMax) {
        public static Params book() { return new Params(500, 0.2, 100, 50, 100, BookMlp.layers(6, 100), -6, -2, -8, -4); }
    }

    public record Trial(int trial, double lr, double weightDecay, double finalValidation, double finalTrain, double[] validation,
                        double[] train) {}

    /** @param trials sorted best first by final validation accuracy, as the book prints them */
    public record Results(int trainImages, int validationImages, List<Trial> trials) {}

    private HyperparamExperiment() {}

    public static Results run(Backend b, Dataset data, Params p, long seed, Progress progress) {
        // the book's shuffle_dataset, then the first 20% for validation
        Random rnd = new Random(seed);
        int n = Math.min(p.images, data.count()), val = (int) (n * p.validationShare);
        int[] order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        for (int i = n - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1), t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        Dataset validation = subset(data, order, 0, val, "validation"), train = subset(data, order, val, n, "train");
        List<Trial> trials = new ArrayList<>();
        for (int k = 0; k < p.trials; k++) {
            double decay = Math.pow(10, p.decayLogMin + (p.decayLogMax - p.decayLogMin) * rnd.nextDouble());
            double lr = Math.pow(10, p.lrLogMin + (p.lrLogMax - p.lrLogMin) * rnd.nextDouble());
            try (Sequential net = BookMlp.create(b, p.hidden, BookMlp.Act.RELU, Init.he(), false, 0, seed + k);
                 Optimizer opt = new Optimizer(b, UpdateRule.Kind.SGD, (float) lr, (float) decay)) {
                String stage = String.format(java.util.Locale.ROOT, "trial %d/%d lr %.2e decay %.2e", k + 1, p.trials, lr, decay);
                Curves.Accuracies a = Curves.accuracies(net, opt, train, validation, p.batch, p.epochs, seed + k, progress, stage);
                trials.add(new Trial(k + 1, lr, decay, a.lastHeldOut(), a.lastTrain(), a.heldOut(), a.train()));
            }
        }
        trials.sort(Comparator.comparingDouble((Trial t) -> -t.finalValidation).thenComparingInt(t -> t.trial));
        return new Results(train.count(), validation.count(), trials);
    }

    private static Dataset subset(Dataset d, int[] order, int from, int to, String name) {
        int per = d.sampleShape().size();
        float[] x = new float[(to - from) * per];
        int[] y = new int[to - from];
        for (int i = from; i < to; i++) {
            System.arraycopy(d.images(), order[i] * per, x, (i - from) * per, per);
            y[i - from] = d.labels()[order[i]];
        }
        return new Dataset(d.name() + " " + name, x, y, d.sampleShape());
    }

    /** The book's grid of the best 20 runs (validation solid, training dashed), 5 to a row. */
    public static void plotBest(Results r, int best, Path png) throws IOException {
        List<XYChart> charts = new ArrayList<>();
        for (int i = 0; i < Math.min(best, r.trials.size()); i++) {
            Trial t = r.trials.get(i);
            XYChart c = Charts.lines(String.format(java.util.Locale.ROOT, "Best-%d (val %.2f): lr %.1e, wd %.1e", i + 1, t.finalValidation,
                    t.lr, t.weightDecay), "epochs", "accuracy", 300, 220);
            c.getStyler().setYAxisMin(0.0);
            c.getStyler().setYAxisMax(1.0);
            c.getStyler().setLegendVisible(i == 0);
            c.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideSE);
            Charts.line(c, "validation", Charts.range(t.validation.length, false), t.validation);
            Charts.dashed(c, "train", Charts.range(t.train.length, false), t.train);
            charts.add(c);
        }
        Pictures.write(charts, 5, png);
    }

    /** Every trial as a point: learning rate against weight decay (log axes), the best 5 marked. */
    public static void plotSearch(Results r, Path png) throws IOException {
        XYChart c = Charts.lines("Random search: final validation accuracy by learning rate and weight decay", "learning rate",
                "weight decay", 760, 560);
        c.getStyler().setXAxisLogarithmic(true);
        c.getStyler().setYAxisLogarithmic(true);
        c.getStyler().setXAxisDecimalPattern("0.#E0");
        c.getStyler().setYAxisDecimalPattern("0.#E0");
        c.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.OutsideE);
        double[][] bands = {{0.8, 1.01}, {0.5, 0.8}, {0.2, 0.5}, {-1, 0.2}};
        String[] names = {"val acc >= 0.8", "0.5 - 0.8", "0.2 - 0.5", "< 0.2"};
        for (int k = 0; k < bands.length; k++) {
            List<Double> xs = new ArrayList<>(), ys = new ArrayList<>();
            for (Trial t : r.trials) {
                double v = Double.isFinite(t.finalValidation) ? t.finalValidation : 0;
                if (v >= bands[k][0] && v < bands[k][1]) { xs.add(t.lr); ys.add(t.weightDecay); }
            }
            if (xs.isEmpty()) continue;
            XYSeries s = c.addSeries(names[k], xs, ys);
            s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
            s.setMarker(SeriesMarkers.CIRCLE);
        }
        c.getStyler().setMarkerSize(8);
        Pictures.write(c, png);
    }
}
