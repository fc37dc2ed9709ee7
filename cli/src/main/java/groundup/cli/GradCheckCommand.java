package groundup.cli;

import groundup.backend.Backend;
import groundup.experiments.GradCheckExperiment;
import groundup.experiments.Record;
import groundup.nn.NetworkSpec;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "gradcheck", mixinStandardHelpOptions = true,
        description = "Chapter 5's gradient check: backpropagation against numerical gradients, per parameter, on the first training images.")
final class GradCheckCommand implements Callable<Integer> {
    @Option(names = "--net", description = "two-layer, mlp, simple-cnn or deep-cnn (default: ${DEFAULT-VALUE}, the book's).") String net = "two-layer";
    @Option(names = "--images", description = "Training images in the batch (default: ${DEFAULT-VALUE}, the book's).") int images = 3;
    @Option(names = "--samples", description = "Entries checked per parameter, largest gradients first (default: ${DEFAULT-VALUE}).") int samples = 100;
    @Option(names = "--steps", paramLabel = "N",
            description = "Adam steps before the check (default: 20 for the conv nets, whose zero biases on MNIST's zero background sit on ReLU's kink; 0 otherwise).")
    Integer steps;
    @Option(names = "--h", description = "Step of the central differences (default: ${DEFAULT-VALUE}; the book's 1e-4 is for float64).") double h = 1e-3;
    @Mixin ExperimentOptions options;
    @Mixin DatasetOption dataset;
    @Mixin DataOption data;

    @Override public Integer call() throws Exception {
        if (!NetworkSpec.NAMES.contains(net)) throw new UsageException("--net " + net + ": choose one of " + NetworkSpec.NAMES);
        if (images <= 0 || samples <= 0) throw new UsageException("--images and --samples must be positive");
        if (!(h > 0)) throw new UsageException("--h " + h + ": must be positive");
        if (steps != null && steps < 0) throw new UsageException("--steps " + steps + ": must be 0 or more");
        var d = dataset.orElse(groundup.data.KnownDataset.MNIST);
        var train = data.load(d).train();
        var book = GradCheckExperiment.Params.book(net);
        var p = new GradCheckExperiment.Params(net, images, samples, h, steps != null ? steps : book.steps());
        try (Backend b = options.open("gradcheck --net " + net + " on " + images + " training images" + (p.steps() > 0 ? ", after " + p.steps() + " Adam steps" : ""))) {
            GradCheckExperiment.Results r = GradCheckExperiment.run(b, train, p, options.seed, options.progress("gradcheck"));
            System.out.print(GradCheckExperiment.table(r));
            options.finish("gradcheck", Record.of("gradcheck", "ch05/gradient_check.py", b.name(), options.seed, p, r));
            if (!r.passed()) {
                throw new CommandFailedException("gradients disagree: a parameter's worst relative error is "
                        + GradCheckExperiment.PASS + " or more (see the table)");
            }
            System.out.println("every parameter's gradient agrees with its numerical gradient (worst relative error below "
                    + GradCheckExperiment.PASS + ")");
        }
        return 0;
    }
}
