package groundup.cli;

import groundup.backend.Backend;
import groundup.backend.Precision;
import groundup.files.AtomicFiles;
import groundup.nn.NetworkSpec;
import groundup.profile.Profile;
import groundup.profile.ProfileChart;
import groundup.profile.ProfileTable;
import groundup.profile.StepProfiler;
import groundup.train.RunJson;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Where a training step's time goes: {@link StepProfiler} times each layer's forward and backward
 * and the optimizer; this prints the table and writes profile.json and profile.png.
 */
@Command(name = "profile", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Times a training step layer by layer (forward, backward, optimizer) on random input; prints ms, share of the step, "
                + "GFLOP/s and share of the measured GEMM peak; writes profile.json and profile.png.")
final class ProfileCommand implements Callable<Integer> {
    static final String JSON = "profile.json", PNG = "profile.png";

    @Option(names = "--net", paramLabel = "NAME", description = "two-layer, mlp, simple-cnn or deep-cnn (default: ${DEFAULT-VALUE}).")
    String net = "simple-cnn";
    @Option(names = "--batch", description = "Mini-batch size (default: ${DEFAULT-VALUE}).") int batch = 100;
    @Option(names = "--warmup", paramLabel = "N", description = "Untimed steps first (default: ${DEFAULT-VALUE}).") int warmup = 5;
    @Option(names = "--steps", paramLabel = "N", description = "Timed steps; the table gives their median and range (default: ${DEFAULT-VALUE}).")
    int steps = 20;
    @Option(names = "--seed", description = "Seed of the weights and the random input (default: ${DEFAULT-VALUE}).") long seed = 1;
    @Option(names = "--precision", paramLabel = "P", description = "fp32, bf16 or tf32: of the network's products, as train's (default: -Dgroundup.precision, else fp32).")
    String precision;
    @Option(names = "--out", paramLabel = "DIR", description = "Output directory (default: a new runs/profile-NET-YYYYMMDD-HHMMSS).") Path out;
    @Option(names = "--force", description = "Replace profile.json and profile.png in --out.") boolean force;
    @Mixin BackendOption backendOption;

    @Override public Integer call() throws Exception {
        if (batch < 1) throw new UsageException("--batch " + batch + ": must be positive");
        if (warmup < 0) throw new UsageException("--warmup " + warmup + ": must be 0 or more");
        if (steps < 1) throw new UsageException("--steps " + steps + ": must be positive");
        if (force && out == null) throw new UsageException("--force: applies only with --out (the default folder is always a new one)");
        NetworkSpec.of(net);                    // an unknown name is a usage error before anything runs
        Precision prec = UsageException.parsed("--precision", () -> precision != null ? Precision.parse(precision) : Precision.requested());
        Path dir = outputFolder();
        try (Backend b = backendOption.open()) {
            String detail = UsageException.parsed("--precision " + prec, () -> b.precisionDetail(prec));
            System.out.println("profile of " + net + " on " + b.describe());
            if (prec != Precision.FP32) System.out.println("precision: " + detail);
            System.out.printf(Locale.ROOT, "batch %d, %d warm-up step%s, then %d timed; input synthetic (random pixels and labels, "
                    + "no data set needed)%n", batch, warmup, warmup == 1 ? "" : "s", steps);
            Profile p = StepProfiler.run(b, new StepProfiler.Params(net, batch, warmup, steps, seed, prec));
            System.out.println("timed with " + p.timer() + "; medians over the timed steps, (min-max)");
            System.out.println("peak: " + p.peak() + (prec == Precision.FP32 ? ""
                    : "; fp32's: a " + prec + " layer's share of it may read over 100% where the backend has " + prec + " kernels"));
            System.out.println();
            System.out.print(ProfileTable.format(p));
            System.out.println();
            Files.createDirectories(dir);
            Path json = dir.resolve(JSON), png = dir.resolve(PNG);
            AtomicFiles.writeString(json, RunJson.SNAKE_CASE.toJson(p) + "\n");
            try {
                ProfileChart.write(p, png);
            } catch (LinkageError e) {     // a jlink'd runtime without java.desktop: the table and the JSON still stand
                throw new CommandFailedException("the numbers are in " + json + "; " + png + " was not drawn: drawing needs the java.desktop "
                        + "module, which this Java lacks (" + e + ")", e);
            }
            System.out.println("wrote " + json + ", " + png);
        }
        return 0;
    }

    /** --out, whose profile files are replaced only with --force; else a new runs/profile-NET-YYYYMMDD-HHMMSS. */
    private Path outputFolder() {
        if (out == null) {
            String base = "profile-" + net + "-" + java.time.LocalDateTime.now().format(java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
            Path p = Path.of("runs", base);
            for (int i = 2; Files.exists(p); i++) p = Path.of("runs", base + "-" + i);
            return p;
        }
        if (Files.exists(out) && !Files.isDirectory(out)) throw new UsageException("--out " + out + ": is a file; name a directory");
        if (!Files.isDirectory(out)) return out;
        for (String f : List.of(JSON, PNG)) {
            Path file = out.resolve(f);
            if (Files.exists(file) && !force) {
                throw new UsageException("--out " + out + " already holds " + f + "; use --force to replace it, or another --out");
            }
            OutputFile.check("--out", file, List.of(), null);     // never into another run's folder, never over a checkpoint
        }
        return out;
    }
}
