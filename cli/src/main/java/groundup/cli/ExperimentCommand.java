package groundup.cli;

import groundup.backend.Backend;
import groundup.data.Dataset;
import groundup.data.KnownDataset;
import groundup.data.Mnist;
import groundup.experiments.BatchNormExperiment;
import groundup.experiments.HyperparamExperiment;
import groundup.experiments.OptimizerExperiment;
import groundup.experiments.OverfitExperiment;
import groundup.experiments.Record;
import groundup.experiments.WeightInitExperiment;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The book's chapter 6 experiments, each a subcommand writing its figures (PNG) and numbers (JSON). */
@Command(name = "experiment", mixinStandardHelpOptions = true,
        description = "Runs one of the book's chapter 6 experiments and writes its figure (PNG) and numbers (JSON).",
        subcommands = {ExperimentCommand.Optimizers.class, ExperimentCommand.WeightInit.class, ExperimentCommand.BatchNorm.class,
                ExperimentCommand.Overfit.class, ExperimentCommand.Hyperparams.class, BackendSwitchCommand.class})
final class ExperimentCommand implements Runnable {
    @Override public void run() { new CommandLine(this).usage(System.out); }

    /** What the data-driven experiments share: the options, and the data set's two halves. */
    abstract static class DataExperiment implements Callable<Integer> {
        @Mixin ExperimentOptions options;
        @Mixin DatasetOption dataset;
        @Mixin DataOption data;

        Mnist.Split load() throws IOException { return data.load(dataset.orElse(KnownDataset.MNIST)); }

        static void positive(String flag, double v) {
            if (!(v > 0)) throw new UsageException(flag + " " + v + ": must be positive");
        }

        static void atMost(String flag, int v, Dataset d) {
            if (v > d.count()) throw new UsageException(flag + " " + v + ": the data set has " + d.count());
        }
    }

    @Command(name = "optimizers", mixinStandardHelpOptions = true,
            description = "Chapter 6 (optimizer_compare_mnist.py): SGD, Momentum, AdaGrad, Adam, Nesterov and RMSprop training the same 5-layer MLP; loss per iteration.")
    static final class Optimizers extends DataExperiment {
        @Option(names = "--iterations", description = "Steps per optimizer (default: ${DEFAULT-VALUE}).") int iterations = 2000;
        @Option(names = "--batch", description = "Mini-batch size (default: ${DEFAULT-VALUE}).") int batch = 128;
        @Option(names = "--optimizers", split = ",", description = "Which, comma-separated (default: sgd,momentum,adagrad,adam,nesterov,rmsprop).")
        List<String> optimizers = OptimizerExperiment.Params.book().optimizers();

        @Override public Integer call() throws Exception {
            positive("--iterations", iterations);
            positive("--batch", batch);
            for (String o : optimizers) UsageException.parsed("--optimizers", () -> groundup.backend.UpdateRule.Kind.parse(o));
            Dataset train = load().train();
            var p = new OptimizerExperiment.Params(iterations, batch, OptimizerExperiment.Params.book().hidden(), optimizers);
            try (Backend b = options.open("experiment optimizers")) {
                var r = OptimizerExperiment.run(b, train, p, options.seed, options.progress("optimizers"));
                for (var c : r.curves()) {
                    System.out.printf(Locale.ROOT, "%-9s lr %-6s mean loss of the last %d iterations %.4f%n", c.optimizer(), c.lr(), Math.min(100, iterations), c.finalLoss());
                }
                Path png = options.dir("optimizers").resolve("optimizers.png");
                options.draw(() -> OptimizerExperiment.plot(r, png));
                options.finish("optimizers", Record.of("optimizers", "ch06/optimizer_compare_mnist.py", b.name(), options.seed, p, r), png);
            }
            return 0;
        }
    }

    @Command(name = "weight-init", mixinStandardHelpOptions = true,
            description = "Chapter 6 (weight_init_activation_histogram.py, weight_init_compare.py): activation histograms of 5 layers per initializer "
                    + "and activation; loss curves of a 5-layer ReLU MLP per initializer.")
    static final class WeightInit extends DataExperiment {
        @Option(names = "--iterations", description = "Steps per initializer (default: ${DEFAULT-VALUE}).") int iterations = 2000;
        @Option(names = "--batch", description = "Mini-batch size (default: ${DEFAULT-VALUE}).") int batch = 128;

        @Override public Integer call() throws Exception {
            positive("--iterations", iterations);
            positive("--batch", batch);
            Dataset train = load().train();
            var p = new WeightInitExperiment.Params(iterations, batch, WeightInitExperiment.Params.book().hidden());
            try (Backend b = options.open("experiment weight-init")) {
                var r = WeightInitExperiment.run(b, train, p, options.seed, options.progress("weight-init"));
                System.out.println("activations of layer 5 (1,000 random inputs): std per initializer");
                for (String act : List.of("sigmoid", "tanh", "relu")) {
                    StringBuilder sb = new StringBuilder(String.format("  %-8s", act));
                    for (String init : WeightInitExperiment.INITS) {
                        sb.append(String.format(Locale.ROOT, "  %s %.3g", init, r.of(act, init).layers().get(4).std()));
                    }
                    System.out.println(sb);
                }
                for (var c : r.training()) {
                    System.out.printf(Locale.ROOT, "%-9s mean loss of the last %d iterations %.4f%n", c.init(), Math.min(100, iterations), c.finalLoss());
                }
                Path dir = options.dir("weight-init");
                Path[] pngs = {dir.resolve("weight-init-sigmoid.png"), dir.resolve("weight-init-tanh.png"), dir.resolve("weight-init-relu.png"),
                        dir.resolve("weight-init-loss.png")};
                options.draw(() -> WeightInitExperiment.plotHistograms(r, "sigmoid", pngs[0]));
                options.draw(() -> WeightInitExperiment.plotHistograms(r, "tanh", pngs[1]));
                options.draw(() -> WeightInitExperiment.plotHistograms(r, "relu", pngs[2]));
                options.draw(() -> WeightInitExperiment.plotLoss(r, pngs[3]));
                options.finish("weight-init", Record.of("weight-init", "ch06/weight_init_activation_histogram.py, ch06/weight_init_compare.py",
                        b.name(), options.seed, p, r), pngs);
            }
            return 0;
        }
    }

    @Command(name = "batchnorm", mixinStandardHelpOptions = true,
            description = "Chapter 6 (batch_norm_test.py): training accuracy with and without batch norm, for 16 weight scales from 1 to 1e-4.")
    static final class BatchNorm extends DataExperiment {
        @Option(names = "--epochs", description = "Epochs per run (default: ${DEFAULT-VALUE}).") int epochs = 20;
        @Option(names = "--train-images", description = "Training images (default: ${DEFAULT-VALUE}).") int trainImages = 1000;
        @Option(names = "--scales", description = "Weight scales, log-spaced from 1 to 1e-4 (default: ${DEFAULT-VALUE}).") int scales = 16;

        @Override public Integer call() throws Exception {
            positive("--epochs", epochs);
            positive("--train-images", trainImages);
            positive("--scales", scales);
            Dataset train = load().train();
            atMost("--train-images", trainImages, train);
            var book = BatchNormExperiment.Params.book();
            double[] w = new double[scales];
            for (int i = 0; i < scales; i++) w[i] = scales == 1 ? 1 : Math.pow(10, -4.0 * i / (scales - 1));
            var p = new BatchNormExperiment.Params(trainImages, epochs, book.batch(), book.lr(), book.hidden(), w);
            try (Backend b = options.open("experiment batchnorm")) {
                var r = BatchNormExperiment.run(b, train, p, options.seed, options.progress("batchnorm"));
                for (var s : r.scales()) {
                    System.out.printf(Locale.ROOT, "w %-9.3g final training accuracy: batch norm %.3f, without %.3f%n", s.weightStd(),
                            s.withBatchNorm()[epochs - 1], s.without()[epochs - 1]);
                }
                Path png = options.dir("batchnorm").resolve("batchnorm.png");
                options.draw(() -> BatchNormExperiment.plot(r, png));
                options.finish("batchnorm", Record.of("batchnorm", "ch06/batch_norm_test.py", b.name(), options.seed, p, r), png);
            }
            return 0;
        }
    }

    @Command(name = "overfit", mixinStandardHelpOptions = true,
            description = "Chapter 6 (overfit_weight_decay.py, overfit_dropout.py): 300 training images, a 7-layer MLP; train and test accuracy, "
                    + "plain, with weight decay and with dropout.")
    static final class Overfit extends DataExperiment {
        @Option(names = "--epochs", description = "Epochs per variant (default: ${DEFAULT-VALUE}, the book's weight-decay script).") int epochs = 201;
        @Option(names = "--train-images", description = "Training images (default: ${DEFAULT-VALUE}).") int trainImages = 300;
        @Option(names = "--test-images", description = "Test images scored each epoch (default: ${DEFAULT-VALUE}).") int testImages = 10_000;
        @Option(names = "--weight-decay", description = "Lambda of the weight-decay variant (default: ${DEFAULT-VALUE}).") float weightDecay = 0.1f;
        @Option(names = "--dropout", description = "Ratio of the dropout variant (default: ${DEFAULT-VALUE}).") float dropout = 0.2f;

        @Override public Integer call() throws Exception {
            positive("--epochs", epochs);
            positive("--train-images", trainImages);
            positive("--test-images", testImages);
            positive("--weight-decay", weightDecay);
            if (!(dropout > 0 && dropout < 1)) throw new UsageException("--dropout " + dropout + ": must be in (0, 1)");
            Mnist.Split data = load();
            atMost("--train-images", trainImages, data.train());
            var book = OverfitExperiment.Params.book();
            var p = new OverfitExperiment.Params(trainImages, Math.min(testImages, data.test().count()), epochs, book.batch(), book.lr(),
                    book.hidden(), weightDecay, dropout);
            try (Backend b = options.open("experiment overfit")) {
                var r = OverfitExperiment.run(b, data.train(), data.test(), p, options.seed, options.progress("overfit"));
                for (var v : r.variants()) {
                    System.out.printf(Locale.ROOT, "%-18s final train accuracy %.3f, test %.3f, gap %.3f%n", v.name(), v.finalTrain(),
                            v.finalTest(), v.gap());
                }
                Path png = options.dir("overfit").resolve("overfit.png");
                options.draw(() -> OverfitExperiment.plot(r, png));
                options.finish("overfit", Record.of("overfit", "ch06/overfit_weight_decay.py, ch06/overfit_dropout.py", b.name(), options.seed, p, r),
                        png);
            }
            return 0;
        }
    }

    @Command(name = "hyperparams", mixinStandardHelpOptions = true,
            description = "Chapter 6 (hyperparameter_optimization.py): random search over learning rate and weight decay, scored on a validation set.")
    static final class Hyperparams extends DataExperiment {
        @Option(names = "--trials", description = "Random draws (default: ${DEFAULT-VALUE}).") int trials = 100;
        @Option(names = "--epochs", description = "Epochs per trial (default: ${DEFAULT-VALUE}).") int epochs = 50;
        @Option(names = "--images", description = "Training images used, 20% of them for validation (default: ${DEFAULT-VALUE}).") int images = 500;
        @Option(names = "--best", description = "Runs drawn in the figure, best first (default: ${DEFAULT-VALUE}).") int best = 20;

        @Override public Integer call() throws Exception {
            positive("--trials", trials);
            positive("--epochs", epochs);
            positive("--best", best);
            if (images < 10) throw new UsageException("--images " + images + ": needs at least 10 (20% of them validate)");
            Dataset train = load().train();
            var book = HyperparamExperiment.Params.book();
            var p = new HyperparamExperiment.Params(Math.min(images, train.count()), book.validationShare(), trials, epochs, book.batch(), book.hidden(),
                    book.lrLogMin(), book.lrLogMax(), book.decayLogMin(), book.decayLogMax());
            try (Backend b = options.open("experiment hyperparams")) {
                var r = HyperparamExperiment.run(b, train, p, options.seed, options.progress("hyperparams"));
                System.out.printf("%d training, %d validation images; the best %d of %d trials:%n", r.trainImages(), r.validationImages(),
                        Math.min(5, trials), trials);
                for (int i = 0; i < Math.min(5, r.trials().size()); i++) {
                    var t = r.trials().get(i);
                    System.out.printf(Locale.ROOT, "Best-%d (val acc: %.2f) | lr: %.3e, weight decay: %.3e%n", i + 1, t.finalValidation(), t.lr(),
                            t.weightDecay());
                }
                Path dir = options.dir("hyperparams");
                Path[] pngs = {dir.resolve("hyperparams-best.png"), dir.resolve("hyperparams-search.png")};
                options.draw(() -> HyperparamExperiment.plotBest(r, best, pngs[0]));
                options.draw(() -> HyperparamExperiment.plotSearch(r, pngs[1]));
                options.finish("hyperparams", Record.of("hyperparams", "ch06/hyperparameter_optimization.py", b.name(), options.seed, p, r), pngs);
            }
            return 0;
        }
    }
}
