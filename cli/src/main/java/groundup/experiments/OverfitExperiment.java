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
import java.util.List;
import org.knowm.xchart.XYChart;

/**
 * Chapter 6, {@code overfit_weight_decay.py} and {@code overfit_dropout.py}: a 7-layer MLP (6
 * hidden layers of 100, ReLU, He init) trained by SGD (lr 0.01, batch 100) on only 300 training
 * images; training and test accuracy per epoch, plain, with weight decay (lambda 0.1) and with
 * dropout (ratio 0.2). The book: plain training reaches 100% on its 300 images while the test
 * accuracy stays far below (figure 6-20); weight decay narrows the gap (6-21), dropout too (6-23).
 */
public final class OverfitExperiment {
    /** The book's settings; its dropout script runs 301 epochs, the weight-decay one 201: one count here, for a like comparison. */
    public record Params(int trainImages, int testImages, int epochs, int batch, float lr, List<Integer> hidden, float weightDecay,
                         float dropout) {
        public static Params book() { return new Params(300, 10_000, 201, 100, 0.01f, BookMlp.layers(6, 100), 0.1f, 0.2f); }
    }

    /** @param gap final training accuracy minus final test accuracy */
    public record Variant(String name, double finalTrain, double finalTest, double gap, double[] train, double[] test) {}

    public record Results(List<Variant> variants) {
        public Variant of(String name) { return variants.stream().filter(v -> v.name.equals(name)).findFirst().orElseThrow(); }
    }

    private OverfitExperiment() {}

    public static Results run(Backend b, Dataset train, Dataset test, Params p, long seed, Progress progress) {
        Dataset x = train.head(p.trainImages), t = test.head(Math.min(p.testImages, test.count()));
        List<Variant> out = new ArrayList<>();
        String[] names = {"plain", "weight decay " + p.weightDecay, "dropout " + p.dropout};
        for (int v = 0; v < 3; v++) {
            float decay = v == 1 ? p.weightDecay : 0, drop = v == 2 ? p.dropout : 0;
            try (Sequential net = BookMlp.create(b, p.hidden, BookMlp.Act.RELU, Init.he(), false, drop, seed);
                 Optimizer opt = new Optimizer(b, UpdateRule.Kind.SGD, p.lr, decay)) {
                Curves.Accuracies a = Curves.accuracies(net, opt, x, t, p.batch, p.epochs, seed, progress, names[v]);
                out.add(new Variant(names[v], a.lastTrain(), a.lastHeldOut(), a.lastTrain() - a.lastHeldOut(), a.train(), a.heldOut()));
            }
        }
        return new Results(out);
    }

    /** One chart per variant, as the book's: train solid, test dashed, accuracy 0..1. */
    public static void plot(Results r, Path png) throws IOException {
        List<XYChart> charts = new ArrayList<>();
        for (Variant v : r.variants) {
            XYChart c = Charts.lines(String.format(java.util.Locale.ROOT, "%s: train %.1f%%, test %.1f%%", v.name, 100 * v.finalTrain,
                    100 * v.finalTest), "epochs", "accuracy", 420, 320);
            c.getStyler().setYAxisMin(0.0);
            c.getStyler().setYAxisMax(1.0);
            c.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideSE);
            Charts.line(c, "train", Charts.range(v.train.length, false), v.train);
            Charts.dashed(c, "test", Charts.range(v.test.length, false), v.test);
            charts.add(c);
        }
        Pictures.write(charts, 3, png);
    }
}
