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
 * Chapter 6, {@code batch_norm_test.py}: a 6-layer MLP (5 hidden layers of 100, ReLU) with and
 * without batch norm, trained by SGD (lr 0.01, batch 100) on 1,000 training images for 20
 * epochs, from weights N(0, w^2) for 16 scales w from 1 down to 1e-4; training accuracy per
 * epoch. The book's figure 6-19: with batch norm the network learns at almost every scale and
 * faster; without it, most scales learn slowly or not at all.
 */
public final class BatchNormExperiment {
    public record Params(int trainImages, int epochs, int batch, float lr, List<Integer> hidden, double[] scales) {
        /** np.logspace(0, -4, num=16). */
        public static Params book() {
            double[] w = new double[16];
            for (int i = 0; i < 16; i++) w[i] = Math.pow(10, -4.0 * i / 15);
            return new Params(1000, 20, 100, 0.01f, BookMlp.layers(5, 100), w);
        }
    }

    public record Scale(double weightStd, double[] withBatchNorm, double[] without) {
        double finalWith() { return withBatchNorm[withBatchNorm.length - 1]; }

        double finalWithout() { return without[without.length - 1]; }
    }

    public record Results(List<Scale> scales) {}

    private BatchNormExperiment() {}

    public static Results run(Backend b, Dataset train, Params p, long seed, Progress progress) {
        Dataset x = train.head(p.trainImages);
        List<Scale> out = new ArrayList<>();
        for (int i = 0; i < p.scales.length; i++) {
            double w = p.scales[i];
            double[][] acc = new double[2][];
            for (int bn = 0; bn < 2; bn++) {
                try (Sequential net = BookMlp.create(b, p.hidden, BookMlp.Act.RELU, Init.std(w), bn == 1, 0, seed);
                     Optimizer opt = new Optimizer(b, UpdateRule.Kind.SGD, p.lr, 0)) {
                    String stage = String.format(java.util.Locale.ROOT, "w %.2g %s (%d/%d)", w, bn == 1 ? "batch norm" : "plain", i + 1,
                            p.scales.length);
                    acc[bn] = Curves.accuracies(net, opt, x, null, p.batch, p.epochs, seed, progress, stage).train();
                }
            }
            out.add(new Scale(w, acc[1], acc[0]));
        }
        return new Results(out);
    }

    /** The book's 4x4 grid: training accuracy per epoch, batch norm solid, without dashed. */
    public static void plot(Results r, Path png) throws IOException {
        List<XYChart> charts = new ArrayList<>();
        for (Scale s : r.scales) {
            XYChart c = Charts.lines(String.format(java.util.Locale.ROOT, "W: %.4g", s.weightStd), "epochs", "accuracy", 330, 290);
            c.getStyler().setYAxisMin(0.0);
            c.getStyler().setYAxisMax(1.0);
            c.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.OutsideS);   // every chart the same size
            Charts.line(c, "Batch Normalization", Charts.range(s.withBatchNorm.length, false), s.withBatchNorm);
            Charts.dashed(c, "Normal (without BatchNorm)", Charts.range(s.without.length, false), s.without);
            charts.add(c);
        }
        Pictures.write(charts, 4, png);
    }
}
