package groundup.cli;

import groundup.backend.UpdateRule;
import groundup.data.Dataset;
import groundup.experiments.Agreement;
import groundup.experiments.BackendSwitchExperiment;
import groundup.experiments.BackendVariant;
import groundup.experiments.BackendVariants;
import groundup.experiments.Record;
import groundup.nn.NetworkSpec;
import groundup.train.RunConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;

/** {@code groundup experiment backends}: one network trained alike on every backend and CPU convolution path here. */
@Command(name = "backends", mixinStandardHelpOptions = true,
        description = {"The backend switch: the same network, seed and mini-batches on every backend that loads here and on each CPU "
                + "convolution path, compared step by step with the reference (CPU, im2col, convolution blocks unfused): loss curves, "
                + "parameter drift, time per step and epoch, and whether each agrees within float32 tolerance; exit 1 if any disagrees.",
                "The default (300 steps of batch 100 on 3,000 images, 6 variants) takes about a minute on 2 cores."},
        modelTransformer = BackendSwitchCommand.NoBackendFlag.class)
final class BackendSwitchCommand extends ExperimentCommand.DataExperiment {
    /** --backend comes with the experiments' options but means nothing here: hidden from the help, and refused with the reason. */
    static final class NoBackendFlag implements CommandLine.IModelTransformer {
        @Override public CommandSpec transform(CommandSpec spec) {
            OptionSpec backend = spec.findOption("--backend");
            spec.remove(backend);
            spec.addOption(OptionSpec.builder(backend).hidden(true).build());
            return spec;
        }
    }

    @Option(names = "--net", paramLabel = "NAME", description = "two-layer, mlp, simple-cnn or deep-cnn (default: ${DEFAULT-VALUE}).")
    String net = "simple-cnn";
    @Option(names = "--images", description = "Training images used, the first N (default: ${DEFAULT-VALUE}).") int images = 3000;
    @Option(names = "--epochs", description = "Epochs over them (default: ${DEFAULT-VALUE}).") int epochs = 10;
    @Option(names = "--batch", description = "Mini-batch size; an epoch is floor(images / batch) full batches (default: ${DEFAULT-VALUE}).")
    int batch = 100;
    @Option(names = "--optimizer", paramLabel = "NAME", description = "sgd, momentum, nesterov, adagrad, rmsprop or adam (default: ${DEFAULT-VALUE}, "
            + "as train's).") String optimizer = "adam";
    @Option(names = "--lr", description = "Learning rate (default: train's for the optimizer).") Float lr;

    @Override public Integer call() throws Exception {
        if (options.backendOption.backend != null) {
            throw new UsageException("--backend " + options.backendOption.backend
                    + ": experiment backends runs every backend that loads here; leave --backend out");
        }
        positive("--epochs", epochs);
        positive("--batch", batch);
        positive("--images", images);
        if (images < batch) throw new UsageException("--images " + images + ": fewer than one batch of " + batch);
        if (lr != null) positive("--lr", lr);
        NetworkSpec spec = UsageException.parsed("--net", () -> NetworkSpec.of(net));
        UpdateRule.Kind kind = UsageException.parsed("--optimizer", () -> UpdateRule.Kind.parse(optimizer));
        Dataset train = load().train();
        atMost("--images", images, train);
        var p = new BackendSwitchExperiment.Params(net, images, epochs, batch, kind.name().toLowerCase(Locale.ROOT),
                lr != null ? lr : RunConfig.defaultLr(kind, spec));
        try (BackendVariants.Found found = BackendVariants.here()) {
            System.out.printf(Locale.ROOT, "experiment backends: %s, %s lr %s, batch %d, %d epochs of %d steps on the first %d training images "
                    + "(%d steps on each of %d variants)%n", p.net(), p.optimizer(), p.lr(), p.batch(), p.epochs(), p.stepsPerEpoch(), p.images(),
                    p.steps(), found.variants().size());
            for (BackendVariants.Skipped s : found.skipped()) System.out.println(s.name() + " skipped: " + s.reason());
            var r = BackendSwitchExperiment.run(found.variants(), found.skipped(), train, p, options.seed, options.progress("backends"));
            System.out.print(table(r));
            Path png = options.dir("backends").resolve("backends.png");
            options.draw(() -> BackendSwitchExperiment.plot(r, p, png));
            String variants = String.join(",", found.variants().stream().map(BackendVariant::name).toList());
            options.finish("backends", Record.of("backends", "none (GroundUp's own; the network of ch07/train_convnet.py by default)", variants,
                    options.seed, p, r), png);
            // a disagreement is this experiment's finding, as a failed check is gradcheck's: exit 1, so that a script notices
            List<String> disagree = r.runs().stream()
                    .filter(run -> !run.variant().equals(r.reference()) && !run.variant().equals(BackendVariants.CONTROL) && !run.verdict().agree())
                    .map(run -> run.variant() + " (" + run.verdict().why() + ")").toList();
            if (!disagree.isEmpty()) {
                System.err.println("experiment backends: " + disagree.size() + " of " + (r.runs().size() - 2) + " variants disagree with the "
                        + r.reference() + ": " + String.join("; ", disagree));
                return 1;
            }
        }
        return 0;
    }

    /**
     * One row a variant (a disagreement with its reason), then what the variants' backends share
     * (the ", "-separated parts of describe() every one has), each one's own parts, and the rule.
     */
    static String table(BackendSwitchExperiment.Results r) {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%-12s %9s %9s %11s %11s  %s%n", "variant", "ms/step", "s/epoch",
                "final loss", "drift", "verdict (against the " + r.reference() + ")"));
        for (BackendSwitchExperiment.Run run : r.runs()) {
            String verdict = run.variant().equals(r.reference()) ? "-" : run.variant().equals(BackendVariants.CONTROL) ? "rounding's envelope"
                    : run.verdict().agree() ? "agree" : "DISAGREE: " + run.verdict().why();
            double[] e = run.epochSeconds();
            sb.append(String.format(Locale.ROOT, "%-12s %9.2f %9.2f %11.4f %11.2e  %s%n", run.variant(), run.medianStepMs(), e[e.length - 1],
                    run.finalLoss(), run.drift()[run.drift().length - 1], verdict));
        }
        sb.append("ms/step: the median step (upload, forward, backward, update, synchronize); s/epoch: the last epoch; final loss: the mean of "
                + "the last ").append(Agreement.WINDOW).append(" steps; drift: after the last step, max over tensors of ||p - p_ref|| / ||p_ref||\n");
        List<List<String>> parts = r.runs().stream().map(run -> List.of(run.backend().split(", "))).toList();
        List<String> shared = parts.get(0).stream().filter(part -> parts.stream().allMatch(q -> q.contains(part))).toList();
        if (!shared.isEmpty()) sb.append("backends: ").append(String.join(", ", shared)).append("; and\n");
        for (int i = 0; i < parts.size(); i++) {
            BackendSwitchExperiment.Run run = r.runs().get(i);
            List<String> own = parts.get(i).stream().filter(part -> !shared.contains(part)).toList();
            sb.append("  ").append(run.variant()).append(": ").append(own.isEmpty() ? "-" : String.join(", ", own))
                    .append(run.fused() ? "" : " (convolution blocks unfused)").append('\n');
        }
        sb.append(r.rule()).append('\n');
        return sb.toString();
    }
}
