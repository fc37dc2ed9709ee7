package groundup.cli;

import groundup.backend.Backend;
import groundup.data.Dataset;
import groundup.data.KnownDataset;
import groundup.experiments.ActivationView;
import groundup.experiments.FilterView;
import groundup.experiments.MisclassifiedView;
import groundup.experiments.Pictures;
import groundup.experiments.Record;
import groundup.io.Checkpoint;
import groundup.nn.NetworkSpec;
import groundup.nn.Networks;
import groundup.nn.Sequential;
import groundup.train.TrainingRun;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Pictures of a trained network (chapters 7 and 8): its first-layer filters, its mistakes, its feature maps. */
@Command(name = "visualize", mixinStandardHelpOptions = true,
        description = "Draws what a checkpoint learned: first-layer filters, misclassified test images, or one image's feature maps.",
        subcommands = {VisualizeCommand.Filters.class, VisualizeCommand.Misclassified.class, VisualizeCommand.Activations.class})
final class VisualizeCommand implements Runnable {
    @Override public void run() { new CommandLine(this).usage(System.out); }

    abstract static class CheckpointView implements Callable<Integer> {
        @Option(names = "--checkpoint", required = true, paramLabel = "FILE", description = "A checkpoint written by train.") Path checkpoint;
        @Mixin ExperimentOptions options;

        NetworkSpec spec() throws java.io.IOException { return PredictCommand.specOf(checkpoint); }
    }

    @Command(name = "filters", mixinStandardHelpOptions = true,
            description = "Chapter 7 (visualize_filter.py): the first layer's filters (an MLP: each first unit's weights as a 28x28 image), "
                    + "before training (as the run's seed initialized them) and after.")
    static final class Filters extends CheckpointView {
        @Option(names = "--max", description = "Filters drawn at most (default: ${DEFAULT-VALUE}).") int max = 100;

        @Override public Integer call() throws Exception {
            if (max <= 0) throw new UsageException("--max " + max + ": must be positive");
            NetworkSpec spec = spec();
            Long seed = TrainingRun.seedOf(Checkpoint.readHeader(checkpoint));
            long initSeed = seed != null ? seed : options.seed;
            if (seed == null) System.out.println(checkpoint + " does not record its seed: 'before' is initialized from --seed " + options.seed);
            try (Backend b = options.open("visualize filters of " + checkpoint + " (" + spec.net() + ")")) {
                FilterView.View v = FilterView.run(b, spec, checkpoint, initSeed, max);
                double before = v.results().filters().stream().mapToDouble(FilterView.Filter::stdBefore).average().orElse(0);
                double after = v.results().filters().stream().mapToDouble(FilterView.Filter::stdAfter).average().orElse(0);
                System.out.printf(Locale.ROOT, "%s %s: %d drawn; mean std of a filter's weights %.4g before training, %.4g after%n",
                        v.results().parameter(), java.util.Arrays.toString(v.results().shape()), v.results().filters().size(), before, after);
                Path png = options.dir("filters").resolve("filters.png");
                options.draw(() -> Pictures.write(FilterView.picture(v), png));
                options.finish("filters", Record.of("visualize filters", "ch07/visualize_filter.py", b.name(), initSeed, checkpoint.toString(),
                        v.results()), png);
            }
            return 0;
        }
    }

    @Command(name = "misclassified", mixinStandardHelpOptions = true,
            description = "Chapter 8 (misclassified_mnist.py): the test images the checkpoint gets wrong, with prediction and label.")
    static final class Misclassified extends CheckpointView {
        @Option(names = "--images", description = "Mistakes drawn, in test-set order (default: ${DEFAULT-VALUE}, the book's).") int images = 20;
        @Mixin DatasetOption dataset;
        @Mixin DataOption data;

        @Override public Integer call() throws Exception {
            if (images <= 0) throw new UsageException("--images " + images + ": must be positive");
            NetworkSpec spec = spec();
            KnownDataset d = dataset.checkedAgainst(TrainingRun.datasetOf(Checkpoint.readHeader(checkpoint)), checkpoint);
            Dataset test = data.load(d).test();
            try (Backend b = options.open("visualize misclassified of " + checkpoint + " (" + spec.net() + ")");
                 Sequential net = Networks.create(spec, b, 0)) {
                Checkpoint.load(checkpoint, net, null);
                MisclassifiedView.Results r = MisclassifiedView.run(net, test, images, options.progress("misclassified"));
                System.out.printf(Locale.ROOT, "%d of %d test images wrong (accuracy %.2f%%); the first %d:%n", r.wrong(), r.images(),
                        100 * r.accuracy(), r.shown().size());
                for (var m : r.shown()) {
                    System.out.printf(Locale.ROOT, "  #%d label %s, predicted %s (%.1f%%)%n", m.index(), d.label(m.label()), d.label(m.predicted()),
                            100 * m.confidence());
                }
                Path png = options.dir("misclassified").resolve("misclassified.png");
                options.draw(() -> Pictures.write(MisclassifiedView.picture(r, test, d, spec.net()), png));
                options.finish("misclassified", Record.of("visualize misclassified", "ch08/misclassified_mnist.py", b.name(), options.seed,
                        checkpoint.toString(), r), png);
            }
            return 0;
        }
    }

    @Command(name = "activations", mixinStandardHelpOptions = true,
            description = "Chapter 7: the feature maps of each convolution layer for one image: a 28x28 PNG, or --index N of the test set.")
    static final class Activations extends CheckpointView {
        @Parameters(arity = "0..1", paramLabel = "IMAGE", description = "A 28x28 PNG, white on black as MNIST (--invert otherwise), read as predict reads it.") Path image;
        @Option(names = "--index", paramLabel = "N", description = "Test image N instead of a PNG (default: 0 when no IMAGE is given).") Integer index;
        @Option(names = "--invert", description = "IMAGE is a dark digit on a light background.") boolean invert;
        @Mixin DatasetOption dataset;
        @Mixin DataOption data;

        @Override public Integer call() throws Exception {
            if (image != null && index != null) throw new UsageException("give IMAGE or --index, not both");
            NetworkSpec spec = spec();
            if (spec.net().equals("two-layer") || spec.net().equals("mlp")) {
                throw new UsageException(checkpoint + " is a " + spec.net() + ", without convolution layers: `visualize filters` draws its first-layer weights");
            }
            float[] px;
            String name;
            if (image != null) {
                px = InputImage.read(image, invert);
                name = image.getFileName().toString();
            } else {
                KnownDataset d = dataset.checkedAgainst(TrainingRun.datasetOf(Checkpoint.readHeader(checkpoint)), checkpoint);
                Dataset test = data.load(d).test();
                int i = index == null ? 0 : index;
                if (i < 0 || i >= test.count()) throw new UsageException("--index " + i + ": the test set has images 0.." + (test.count() - 1));
                px = java.util.Arrays.copyOfRange(test.images(), i * 784, (i + 1) * 784);
                name = d.id + " test image " + i + " (label " + d.label(test.labels()[i]) + ")";
            }
            try (Backend b = options.open("visualize activations of " + checkpoint + " (" + spec.net() + ")");
                 Sequential net = Networks.create(spec, b, 0)) {
                Checkpoint.load(checkpoint, net, null);
                ActivationView.View v = ActivationView.run(net, px);
                System.out.println(name + ": predicted " + v.results().predicted());
                for (var m : v.results().layers()) {
                    System.out.printf(Locale.ROOT, "  %-40s %d maps %dx%d, mean %.4f, max %.4f, %.0f%% zero%n", m.layer(), m.channels(), m.h(), m.w(),
                            m.mean(), m.max(), 100 * m.zeroShare());
                }
                Path png = options.dir("activations").resolve("activations.png");
                options.draw(() -> Pictures.write(ActivationView.picture(v, spec.net() + ": " + name), png));
                options.finish("activations", Record.of("visualize activations", "ch07 (figures 7-24, 7-26)", b.name(), options.seed,
                        checkpoint + " " + name, v.results()), png);
            }
            return 0;
        }
    }
}
