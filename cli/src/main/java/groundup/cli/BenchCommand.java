package groundup.cli;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URISyntaxException;
import java.nio.file.FileSystemNotFoundException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The JMH suite from the launcher: runs the benchmarks jar (benchmarks/target/groundup-benchmarks.jar,
 * groundup.bench.Suite) in a child JVM started with this JVM's own options, so the settings given
 * to ./groundup (the Vector API's module, JAVA_OPTS) reach the suite and, through JMH, which passes
 * its own options on to the JVMs it forks, every benchmark. The child's output is this one's:
 * JMH's progress lines and ETA show as they come.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Runs the JMH benchmark suite on every backend that loads here (GEMM, convolution, im2col, pooling, elementwise "
                + "and optimizer, training step, inference), then writes jmh.json, report.md, gemm.png and train.png into a new folder.",
                "  quick: a few sizes of each, 2 warm-up and 3 measured iterations of 1 s (about 3 minutes per backend on 2 cores)",
                "  full:  every size, 3 warm-up and 5 measured iterations of 2 s (about half an hour per backend)"},
        footer = {"", "JMH shows its progress: \"# Run progress: 12.50%% complete, ETA 00:02:06\".",
                "Settings in JAVA_OPTS (-Dgroundup.threads=2, ...) reach every benchmark's JVM.",
                "docs/benchmarks.md says how to read the report."})
final class BenchCommand implements Callable<Integer> {
    static final List<String> PROFILES = List.of("quick", "full");
    static final String JAR = "benchmarks/target/groundup-benchmarks.jar";
    static final String BUILD = "./mvnw -B -q -pl benchmarks -am package -DskipTests";

    @Parameters(index = "0", paramLabel = "PROFILE", description = "quick or full.") String profile;
    @Option(names = "--out", paramLabel = "DIR",
            description = "Output folder, new or empty (default: a new runs/bench-PROFILE-YYYYMMDD-HHMMSS).") Path out;
    @Option(names = "--pytorch", paramLabel = "FILE",
            description = "PyTorch's figures for the report's PyTorch columns (benchmarks/pytorch/ops.py PROFILE --out FILE writes them).")
    Path pytorch;
    @Option(names = "--jar", paramLabel = "FILE", description = "The benchmarks jar (default: " + JAR + " of this checkout).") Path jar;
    @Option(names = "--dry-run", description = "Print the command that would run, and run nothing.") boolean dryRun;

    @Override public Integer call() throws Exception {
        if (!PROFILES.contains(profile)) throw new UsageException("profile '" + profile + "': " + String.join(" or ", PROFILES));
        if (pytorch != null && !Files.isRegularFile(pytorch)) throw new CommandFailedException("--pytorch " + pytorch + ": no such file");
        Path suite = jar != null ? jar : defaultJar();
        if (!Files.isRegularFile(suite)) {
            throw new CommandFailedException(jar != null ? "--jar " + jar + ": no such file" : missingJar(suite));
        }
        Path dir = outputFolder();
        List<String> cmd = command(suite, dir);
        if (dryRun) {
            System.out.println(cmd.stream().map(BenchCommand::quote).collect(Collectors.joining(" ")));
            return 0;
        }
        Files.createDirectories(dir);
        System.out.println("bench " + profile + ": the JMH suite in a JVM of its own; results into " + dir);
        System.out.flush();
        int code = run(cmd);
        if (code != 0) {
            throw new CommandFailedException("the benchmarks stopped with exit status " + code + " (their output above says why); "
                    + dir + " holds what they wrote");
        }
        System.out.println("bench " + profile + ": done; the report is " + dir.resolve("report.md"));
        return 0;
    }

    /** java, this JVM's options, -jar JAR PROFILE --out DIR [--pytorch FILE]. */
    List<String> command(Path suite, Path dir) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        cmd.addAll(List.of("-jar", suite.toString(), profile, "--out", dir.toString()));
        if (pytorch != null) cmd.addAll(List.of("--pytorch", pytorch.toString()));
        return cmd;
    }

    /** Runs the suite with this process's terminal; a Ctrl-C or kill of this JVM ends it too. */
    private static int run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).inheritIO().start();
        Thread stop = new Thread(p::destroy);
        Runtime.getRuntime().addShutdownHook(stop);
        try {
            return p.waitFor();
        } finally {
            p.destroy();
            try {
                Runtime.getRuntime().removeShutdownHook(stop);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs anyway
            }
        }
    }

    /** --out, new or empty; else a new runs/bench-PROFILE-YYYYMMDD-HHMMSS. A folder that holds anything is never written into. */
    private Path outputFolder() throws IOException {
        if (out == null) {
            String base = "bench-" + profile + "-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
            Path p = Path.of("runs", base);
            for (int i = 2; Files.exists(p); i++) p = Path.of("runs", base + "-" + i);
            return p;
        }
        if (Files.exists(out) && !Files.isDirectory(out)) throw new UsageException("--out " + out + ": is a file; name a new folder");
        if (Files.isDirectory(out)) {
            try (Stream<Path> s = Files.list(out)) {
                if (s.findAny().isPresent()) throw new UsageException("--out " + out + ": holds files already; name a new or empty folder");
            }
        }
        return out;
    }

    /**
     * The benchmarks jar of the checkout this command runs from: this class is in cli/target/groundup.jar
     * (cli/target/classes in the tests), three folders below the checkout; else the working folder's.
     */
    static Path defaultJar() {
        CodeSource src = BenchCommand.class.getProtectionDomain().getCodeSource();
        if (src != null) {
            try {
                Path target = Path.of(src.getLocation().toURI()).getParent();
                Path checkout = target == null || target.getParent() == null ? null : target.getParent().getParent();
                if (checkout != null && target.getFileName().toString().equals("target")) return checkout.resolve(JAR);
            } catch (URISyntaxException | IllegalArgumentException | FileSystemNotFoundException e) {
                // not a file: the working folder's, then
            }
        }
        return Path.of(JAR);
    }

    static String missingJar(Path suite) {
        return "the benchmarks jar " + suite + " is missing: build it with " + BUILD + " (./groundup builds it before bench)";
    }

    /** An argument as a POSIX shell reads it back. */
    static String quote(String s) {
        return !s.isEmpty() && s.matches("[A-Za-z0-9_./=:,+@%-]+") ? s : "'" + s.replace("'", "'\\''") + "'";
    }
}
