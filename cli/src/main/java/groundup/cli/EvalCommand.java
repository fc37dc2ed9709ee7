package groundup.cli;

import groundup.backend.Backend;
import groundup.backend.Precision;
import groundup.data.KnownDataset;
import groundup.data.Dataset;
import groundup.io.Checkpoint;
import groundup.nn.NetworkSpec;
import groundup.nn.Networks;
import groundup.nn.Sequential;
import groundup.train.Evaluator;
import groundup.train.TrainingRun;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "eval", mixinStandardHelpOptions = true, description = "Scores a checkpoint on the test set of the data set it was trained on.")
final class EvalCommand implements Callable<Integer> {
    @Option(names = "--checkpoint", required = true, paramLabel = "FILE", description = "A checkpoint written by train.") Path checkpoint;
    @Option(names = "--batch", description = "Batch size (default: ${DEFAULT-VALUE}).") int batch = 1000;
    @Option(names = "--precision", paramLabel = "P", description = "fp32, bf16 or tf32: of the network's products while it scores "
            + "(default: fp32, whatever the run trained in: checkpoints are fp32).") String precision = "fp32";
    @Mixin DatasetOption dataset;
    @Mixin DataOption data;
    @Mixin BackendOption backendOption;

    @Override public Integer call() throws Exception {
        if (batch <= 0) throw new UsageException("--batch " + batch + ": must be positive");
        Precision p = UsageException.parsed("--precision", () -> Precision.parse(precision));
        NetworkSpec spec = PredictCommand.specOf(checkpoint);
        KnownDataset d = dataset.checkedAgainst(TrainingRun.datasetOf(Checkpoint.readHeader(checkpoint)), checkpoint);
        Dataset test = data.load(d).test();
        try (Backend b = backendOption.open();
             Sequential net = Networks.create(spec, b, 0, UsageException.parsed("--precision " + p, () -> { b.precisionDetail(p); return p; }))) {
            Checkpoint.load(checkpoint, net, null);
            long t0 = System.nanoTime();
            try (Evaluator ev = new Evaluator(net, test, batch)) {
                Evaluator.Score s = ev.run();
                double secs = (System.nanoTime() - t0) / 1e9;
                System.out.printf(Locale.ROOT, "%s (%s) on %s, %s" + (p == Precision.FP32 ? "" : " in " + p) + ": test accuracy %.2f%%, loss %.4f, %d images in %.1f s (%.0f img/s)%n",
                        checkpoint, spec.net(), d.id, b.name(), 100 * s.accuracy(), s.loss(), test.count(), secs, test.count() / secs);
            }
        }
        return 0;
    }
}
