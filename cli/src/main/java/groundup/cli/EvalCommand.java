package groundup.cli;

import groundup.backend.Backend;
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
    @Mixin DatasetOption dataset;
    @Mixin DataOption data;
    @Mixin BackendOption backendOption;

    @Override public Integer call() throws Exception {
        if (batch <= 0) throw new UsageException("--batch " + batch + ": must be positive");
        NetworkSpec spec = PredictCommand.specOf(checkpoint);
        KnownDataset d = dataset.checkedAgainst(TrainingRun.datasetOf(Checkpoint.readHeader(checkpoint)), checkpoint);
        Dataset test = data.load(d).test();
        try (Backend b = backendOption.open(); Sequential net = Networks.create(spec, b, 0)) {
            Checkpoint.load(checkpoint, net, null);
            long t0 = System.nanoTime();
            try (Evaluator ev = new Evaluator(net, test, batch)) {
                Evaluator.Score s = ev.run();
                double secs = (System.nanoTime() - t0) / 1e9;
                System.out.printf(Locale.ROOT, "%s (%s) on %s, %s: test accuracy %.2f%%, loss %.4f, %d images in %.1f s (%.0f img/s)%n",
                        checkpoint, spec.net(), d.id, b.name(), 100 * s.accuracy(), s.loss(), test.count(), secs, test.count() / secs);
            }
        }
        return 0;
    }
}
