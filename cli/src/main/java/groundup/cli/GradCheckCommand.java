package groundup.cli;

import groundup.backend.Backend;
import groundup.experiments.GradCheckExperiment;
import groundup.experiments.Record;
import groundup.nn.GradientCheck;
import groundup.nn.NetworkSpec;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "gradcheck", mixinStandardHelpOptions = true,
        description = "Chapter 5's gradient check: backpropagation (float32, the backend's) against numerical gradients of the same network "
                + "in float64, per parameter, on the first training images; exit 1 if any parameter is beyond its tolerance.")
final class GradCheckCommand implements Callable<Integer> {
    @Option(names = "--net", description = "two-layer, mlp, simple-cnn or deep-cnn (default: ${DEFAULT-VALUE}, the book's).") String net = "two-layer";
    @Option(names = "--batchnorm", description = "mlp: batch norm after each hidden Affine.") boolean batchNorm;
    @Option(names = "--dropout", paramLabel = "RATIO", description = "mlp: dropout after each hidden ReLU, checked with a fixed mask (default: 0).")
    float dropout = 0f;
    @Option(names = "--images", paramLabel = "N", description = "Training images in the batch (default: 3, the book's; with --batchnorm "
            + GradCheckExperiment.BATCH_NORM_IMAGES + ", at least " + GradCheckExperiment.BATCH_NORM_MIN_IMAGES + ").")
    Integer images;
    @Option(names = "--samples", description = "Entries checked per parameter, largest gradients first (default: ${DEFAULT-VALUE}).") int samples = 100;
    @Option(names = "--steps", paramLabel = "N",
            description = "Adam steps before the check (default: 20 for the conv nets, whose zero biases on MNIST's zero background sit on ReLU's kink; 0 otherwise).")
    Integer steps;
    @Option(names = "--h", description = "Step of the central differences, taken in float64 (default: ${DEFAULT-VALUE}).")
    double h = GradientCheck.DEFAULT_STEP;
    @Mixin ExperimentOptions options;
    @Mixin DatasetOption dataset;
    @Mixin DataOption data;

    @Override public Integer call() throws Exception {
        if (!NetworkSpec.NAMES.contains(net)) throw new UsageException("--net " + net + ": choose one of " + NetworkSpec.NAMES);
        if (!net.equals("mlp") && (batchNorm || dropout != 0)) {
            throw new UsageException((batchNorm ? "--batchnorm" : "--dropout") + " applies to --net mlp only, not " + net);
        }
        if (!(dropout >= 0 && dropout < 1)) throw new UsageException("--dropout " + dropout + ": must be in [0, 1)");
        int images = this.images != null ? this.images : batchNorm ? GradCheckExperiment.BATCH_NORM_IMAGES : 3;
        if (images <= 0) throw new UsageException("--images " + images + ": must be positive");
        if (batchNorm && images < GradCheckExperiment.BATCH_NORM_MIN_IMAGES) {
            throw new UsageException("--images " + images + " with --batchnorm: use " + GradCheckExperiment.BATCH_NORM_MIN_IMAGES
                    + " or more (over fewer, batch norm's float32 gradient is too ill-conditioned to check to 1%)");
        }
        if (samples <= 0) throw new UsageException("--samples " + samples + ": must be positive");
        if (!(h > 0 && h < 1)) throw new UsageException("--h " + h + ": must be in (0, 1)");
        if (steps != null && steps < 0) throw new UsageException("--steps " + steps + ": must be 0 or more");
        var d = dataset.orElse(groundup.data.KnownDataset.MNIST);
        var train = data.load(d).train();
        if (images > train.count()) throw new UsageException("--images " + images + ": the training set has " + train.count());
        var book = GradCheckExperiment.Params.book(net);
        var p = new GradCheckExperiment.Params(net, batchNorm, dropout, images, samples, h, steps != null ? steps : book.steps());
        try (Backend b = options.open("gradcheck --net " + net + " on " + images + " training images" + (p.steps() > 0 ? ", after " + p.steps() + " Adam steps" : ""))) {
            GradCheckExperiment.Results r = GradCheckExperiment.run(b, train, p, options.seed, options.progress("gradcheck"));
            System.out.print(GradCheckExperiment.table(r));
            options.finish("gradcheck", Record.of("gradcheck", "ch05/gradient_check.py", b.name(), options.seed, p, r));
            if (!r.passed()) {
                throw new CommandFailedException("gradients disagree: " + String.join(", ", r.failed()) + " (see the table)");
            }
            System.out.println("every parameter's gradient agrees with its numerical gradient within its tolerance");
        }
        return 0;
    }
}
