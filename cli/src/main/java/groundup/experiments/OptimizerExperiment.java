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
 * Chapter 6, {@code optimizer_compare_mnist.py}: the same 5-layer MLP (4 hidden layers of 100,
 * ReLU, He init) trained from the same initial weights on the same mini-batches by each
 * optimizer at its book learning rate; the loss of every iteration. The book's figure: SGD
 * learns slowest, AdaGrad, Momentum and Adam much faster.
 */
public final class OptimizerExperiment {
    public record Params(int iterations, int batch, List<Integer> hidden, List<String> optimizers) {
        public static Params book() {
            return new Params(2000, 128, BookMlp.layers(4, 100), List.of("sgd", "momentum", "adagrad", "adam", "nesterov", "rmsprop"));
        }
    }

    /** @param finalLoss mean loss of the last 100 iterations */
    public record Curve(String optimizer, float lr, double finalLoss, double[] loss) {}

    public record Results(List<Curve> curves) {
        public Curve of(String optimizer) {
            return curves.stream().filter(c -> c.optimizer.equals(optimizer)).findFirst().orElseThrow();
        }
    }

    private OptimizerExperiment() {}

    public static Results run(Backend b, Dataset train, Params p, long seed, Progress progress) {
        List<Curve> out = new ArrayList<>();
        for (String name : p.optimizers) {
            UpdateRule.Kind kind = UpdateRule.Kind.parse(name);
            try (Sequential net = BookMlp.create(b, p.hidden, BookMlp.Act.RELU, Init.he(), false, 0, seed);
                 Optimizer opt = new Optimizer(b, kind, kind.defaultLr, 0)) {
                double[] loss = Curves.losses(net, opt, train, p.batch, p.iterations, seed, progress, name);
                out.add(new Curve(name, kind.defaultLr, Curves.tailMean(loss, 100), loss));
            }
        }
        return new Results(out);
    }

    /** The book's plot: smoothed loss against iterations, loss axis 0..1. */
    public static void plot(Results r, Path png) throws IOException {
        XYChart c = Charts.lines("Optimizers on MNIST: 5-layer MLP, batch 128 (loss smoothed as the book's smooth_curve)", "iterations",
                "loss", 900, 560);
        c.getStyler().setYAxisMin(0.0);
        c.getStyler().setYAxisMax(1.0);
        for (Curve k : r.curves) {
            Charts.line(c, k.optimizer + " (lr " + k.lr + ")", Charts.range(k.loss.length, false), Smooth.curve(k.loss));
        }
        Pictures.write(c, png);
    }
}
