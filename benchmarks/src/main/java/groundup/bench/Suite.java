package groundup.bench;

import groundup.backend.BackendProvider;
import groundup.backend.Backends;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs the JMH suite on every backend that can load here (the others are skipped with their
 * reason), then writes the Markdown report and charts. {@code ./groundup bench quick|full} runs it
 * with the launcher's JVM options into a new runs/ folder (the command line's BenchCommand).
 *
 * <pre>
 * java -jar benchmarks/target/groundup-benchmarks.jar quick|full [--out DIR] [--pytorch FILE]
 * java -jar benchmarks/target/groundup-benchmarks.jar gemm        (the simple GEMM harness)
 * java -jar benchmarks/target/groundup-benchmarks.jar ceilings    (memory and fp32 GEMM ceilings, one line of JSON)
 * java -jar benchmarks/target/groundup-benchmarks.jar fusion [NET] [ROUNDS] [BATCH]   (train step fused against one by one)
 * java -jar benchmarks/target/groundup-benchmarks.jar layouts [NET] [ROUNDS] [BATCH] [--json FILE]     (oneDNN's layouts kept against converted)
 * java -jar benchmarks/target/groundup-benchmarks.jar precision [NET] [ROUNDS] [BATCH] [--json FILE]   (train step in bf16 against fp32)
 * java -jar benchmarks/target/groundup-benchmarks.jar convolution [NET] [ROUNDS] [BATCH] [KIND_A] [KIND_B] [--json FILE]
 *     (the CPU backend with two groundup.cpu.convolution kinds)
 * java -jar benchmarks/target/groundup-benchmarks.jar report JMH_JSON OUT_DIR [--pytorch FILE]
 * </pre>
 */
public final class Suite {
    private Suite() {}

    /** What a profile runs; batch applies to ConvBench and TrainStepBench, net to TrainStepBench and InferenceBench. */
    record Profile(String name, int warmups, int iterations, double seconds, String[] gemm, String[] conv, String[] pool,
                   String[] elements, String[] nets, String[] batches) {}

    static final Profile QUICK = new Profile("quick", 2, 3, 1.0,
            new String[] {"256x256x256", "1024x1024x1024", "57600x30x25", "78400x16x144"},
            new String[] {"simple", "deep2"}, new String[] {"simple"}, new String[] {"16777216"},
            new String[] {"simple-cnn", "deep-cnn"}, new String[] {"100"});

    static final Profile FULL = new Profile("full", 3, 5, 2.0,
            new String[] {"128x128x128", "256x256x256", "512x512x512", "1024x1024x1024", "2048x2048x2048", "4096x4096x4096",
                "57600x30x25", "78400x16x9", "78400x16x144", "19600x32x144", "25600x32x288", "6400x64x288", "6400x64x576"},
            new String[] {"simple", "deep1", "deep2", "deep3", "deep4", "deep5", "deep6"}, new String[] {"simple", "deep1"},
            new String[] {"1048576", "4194304", "16777216"},
            new String[] {"simple-cnn", "deep-cnn"}, new String[] {"100", "1000"});

    public static void main(String[] args) throws Exception {
        System.setProperty("java.awt.headless", "true");       // the charts draw off screen, with or without a display
        System.setProperty("java.util.logging.SimpleFormatter.format", "%4$s %3$s: %5$s%6$s%n");
        String cmd = args.length > 0 ? args[0] : "quick";
        if (cmd.equals("gemm")) {
            GemmHarness.main(java.util.Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        if (cmd.equals("fusion")) {             // fused against one by one, alternately, in one process
            StepAB.fusion(java.util.Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        if (cmd.equals("layouts")) {            // oneDNN's layouts kept against converted, alternately, in one process
            StepAB.layouts(java.util.Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        if (cmd.equals("convolution")) {        // two groundup.cpu.convolution kinds, alternately, in one process
            StepAB.convolution(java.util.Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        if (cmd.equals("precision")) {          // bf16 against fp32 products, alternately, in one process
            StepAB.precision(java.util.Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        if (cmd.equals("ceilings")) {           // one line of JSON: memory stream and fp32 GEMM ceilings
            System.out.println(Ceilings.measure().json());
            return;
        }
        Path pytorch = option(args, "--pytorch");
        if (cmd.equals("report")) {
            if (args.length < 3) throw new IllegalArgumentException("usage: report JMH_JSON OUT_DIR [--pytorch FILE]");
            Report.write(Path.of(args[1]), Path.of(args[2]), pytorch, Ceilings.measure());
            return;
        }
        Profile p = switch (cmd) {
            case "quick" -> QUICK;
            case "full" -> FULL;
            default -> throw new IllegalArgumentException("unknown profile '" + cmd + "': quick, full, gemm, ceilings, fusion, layouts, precision, convolution or report");
        };
        Path out = option(args, "--out");
        if (out == null) out = Path.of("benchmarks", "results", p.name());
        Files.createDirectories(out);
        List<String> backends = new ArrayList<>();
        for (BackendProvider bp : Backends.providers()) {
            BackendProvider.Availability a = bp.availability();
            if (a.available()) backends.add(bp.name());
            else System.out.println("skipping backend '" + bp.name() + "': " + a.reason());
        }
        if (!backends.contains("cuda")) System.out.println("no CUDA backend on this machine: the report's CUDA columns stay empty");
        String[] be = backends.toArray(new String[0]);
        Ceilings ceilings = Ceilings.measure();
        System.out.println("machine ceilings: " + ceilings);
        Path json = out.resolve("jmh.json");
        ChainedOptionsBuilder o = new OptionsBuilder()
                .include(GemmBench.class.getSimpleName()).include(ConvBench.class.getSimpleName()).include(Im2colBench.class.getSimpleName())
                .include(PoolBench.class.getSimpleName()).include(ElementwiseBench.class.getSimpleName())
                .include(TrainStepBench.class.getSimpleName()).include(InferenceBench.class.getSimpleName())
                .param("backend", be).param("shape", p.gemm()).param("layer", p.conv()).param("input", p.pool())
                .param("n", p.elements()).param("net", p.nets()).param("batch", p.batches())
                .warmupIterations(p.warmups()).measurementIterations(p.iterations())
                .warmupTime(TimeValue.milliseconds((long) (p.seconds() * 1000)))
                .measurementTime(TimeValue.milliseconds((long) (p.seconds() * 1000)))
                .forks(1).jvmArgsAppend("-Xmx8g").shouldFailOnError(true)
                .resultFormat(ResultFormatType.JSON).result(json.toString());
        new Runner(o.build()).run();
        Report.write(json, out, pytorch != null ? pytorch : existing(out.resolve("pytorch-cpu.json")), ceilings);
    }

    private static Path existing(Path p) { return Files.exists(p) ? p : null; }

    private static Path option(String[] args, String name) {
        for (int i = 0; i < args.length - 1; i++) if (args[i].equals(name)) return Path.of(args[i + 1]);
        return null;
    }
}
