package groundup.bench;

import groundup.backend.Backend;
import groundup.backend.Precision;
import groundup.backend.UpdateRule;
import groundup.cpu.CpuBackend;
import groundup.cpu.CpuBackendProvider;
import groundup.nn.Mode;
import groundup.nn.NetworkSpec;
import groundup.nn.Networks;
import groundup.nn.Sequential;
import groundup.optim.Optimizer;
import groundup.tensor.Shape;
import groundup.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * One network's train step two ways, in one process, alternately: a block of steps one way,
 * then the other, ROUNDS times, so that both see the same machine. Prints each way's median
 * step with the range of the rounds' medians, the ratio, and, on the CPU, the activation layout
 * conversions a step ({@link CpuBackend#layoutConversions}). JMH runs one way's iterations
 * after the other's; on a shared machine whose speed drifts within minutes, that is not a
 * comparison.
 *
 * <pre>
 * java -jar benchmarks/target/groundup-benchmarks.jar fusion  [NET] [ROUNDS] [BATCH]               (simple-cnn 10 100)
 *     convolution blocks fused, and run as their parts (Sequential.Builder.fuse(false))
 * java -jar benchmarks/target/groundup-benchmarks.jar layouts [NET] [ROUNDS] [BATCH] [--json FILE] (deep-cnn 10 100)
 *     oneDNN's layouts kept between convolutions, and converted at every call (groundup.cpu.layouts)
 * java -jar benchmarks/target/groundup-benchmarks.jar convolution [NET] [ROUNDS] [BATCH] [KIND_A] [KIND_B] [--json FILE]
 *     (deep-cnn 10 100 auto dnnl) the CPU backend with two groundup.cpu.convolution kinds: whether
 *     auto's choice per layer is the faster network
 * java -jar benchmarks/target/groundup-benchmarks.jar precision [NET] [ROUNDS] [BATCH] [--json FILE] (deep-cnn 10 100)
 *     the network's matrix products in bf16, and in fp32 ({@link Precision}): two networks from
 *     the same seed on one backend
 * </pre>
 */
final class StepAB {
    private static final int WARMUP_STEPS = 3, MEASURED_STEPS = 12;

    private StepAB() {}

    /** One way: its own backend, network, optimizer and batch. */
    private record Way(String name, Backend b, Sequential net, Optimizer opt, Tensor x, Tensor labels, List<Double> rounds, long[] counts)
            implements AutoCloseable {
        static Way of(String name, Backend b, Sequential net, int batch) {
            Tensor x = b.allocate(net.batchShape(batch)), labels = b.allocate(Shape.of(batch));
            float[] px = new float[x.size()], lb = new float[batch];
            Random r = new Random(1);
            for (int i = 0; i < px.length; i++) px[i] = r.nextFloat();
            for (int i = 0; i < batch; i++) lb[i] = r.nextInt(10);
            b.upload(px, 0, x);
            b.upload(lb, 0, labels);
            return new Way(name, b, net, new Optimizer(b, UpdateRule.Kind.ADAM, 1e-3f, 0f), x, labels, new ArrayList<>(), new long[2]);
        }

        @Override public void close() {
            opt.close();
            x.close();
            labels.close();
            net.close();
        }
    }

    static void fusion(String[] args) {
        String net = args.length > 0 ? args[0] : "simple-cnn";
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 10, batch = args.length > 2 ? Integer.parseInt(args[2]) : 100;
        try (Backend b = Fixtures.backend("cpu");
             Way fused = Way.of("fused", b, Networks.create(NetworkSpec.of(net), b, 1, true), batch);
             Way parts = Way.of("one by one", b, Networks.create(NetworkSpec.of(net), b, 1, false), batch)) {
            run(fused, parts, rounds);
            print(net, batch, b.describe(), rounds, fused, parts);
        }
    }

    static void layouts(String[] args) throws IOException {
        List<String> a = new ArrayList<>(List.of(args));
        Path json = jsonOption(a);
        String net = a.size() > 0 ? a.get(0) : "deep-cnn";
        int rounds = a.size() > 1 ? Integer.parseInt(a.get(1)) : 10, batch = a.size() > 2 ? Integer.parseInt(a.get(2)) : 100;
        int threads = CpuBackendProvider.threads();
        try (Backend kb = new CpuBackend(threads, "auto", "kept"); Backend cb = new CpuBackend(threads, "auto", "converted");
             Way kept = Way.of("kept", kb, Networks.create(NetworkSpec.of(net), kb, 1), batch);
             Way converted = Way.of("converted", cb, Networks.create(NetworkSpec.of(net), cb, 1), batch)) {
            String when = run(kept, converted, rounds);
            print(net, batch, kb.describe(), rounds, kept, converted);
            if (json != null) {
                Files.writeString(json, String.format(Locale.ROOT,
                        "{\"topic\": \"layouts\", %s\"date\": \"%s\", \"net\": \"%s\", \"batch\": %d, \"threads\": %d, \"rounds\": %d, "
                                + "\"steps_per_round\": %d, \"backend\": \"%s\",%n \"command\": \"%s\",%n \"second_faster_rounds\": %d,%n \"ways\": [%s,%n  %s]}%n",
                        when, LocalDate.now(), net, batch, threads, rounds, MEASURED_STEPS, kb.describe().replace("\"", "'"),
                        quoted(command("layouts", net, rounds, batch)), bFaster(kept, converted), wayJson(kept), wayJson(converted)));
                System.out.println("wrote " + json);
            }
        }
    }

    static void convolution(String[] args) throws IOException {
        List<String> a = new ArrayList<>(List.of(args));
        Path json = jsonOption(a);
        String net = a.size() > 0 ? a.get(0) : "deep-cnn";
        int rounds = a.size() > 1 ? Integer.parseInt(a.get(1)) : 10, batch = a.size() > 2 ? Integer.parseInt(a.get(2)) : 100;
        String kindA = a.size() > 3 ? a.get(3) : "auto", kindB = a.size() > 4 ? a.get(4) : "dnnl";
        int threads = CpuBackendProvider.threads();
        try (Backend ba = new CpuBackend(threads, kindA); Backend bb = new CpuBackend(threads, kindB);
             Way wa = Way.of(kindA, ba, Networks.create(NetworkSpec.of(net), ba, 1), batch);
             Way wb = Way.of(kindB, bb, Networks.create(NetworkSpec.of(net), bb, 1), batch)) {
            String when = run(wa, wb, rounds);
            print(net, batch, ba.describe() + "; against " + bb.describe(), rounds, wa, wb);
            if (json != null) {
                Files.writeString(json, String.format(Locale.ROOT,
                        "{\"topic\": \"convolution-kinds\", %s\"what\": \"%s against %s\", \"date\": \"%s\", \"net\": \"%s\", \"batch\": %d, \"threads\": %d, \"rounds\": %d, "
                                + "\"steps_per_round\": %d, \"machine\": \"%s\",%n \"command\": \"%s\",%n \"second_faster_rounds\": %d,%n"
                                + " \"ways\": [%s,%n  %s]}%n",
                        when, kindA, kindB, LocalDate.now(), net, batch, threads, rounds, MEASURED_STEPS, quoted(machine()),
                        quoted(command("convolution", net, rounds, batch) + " " + kindA + " " + kindB), bFaster(wa, wb), wayJson(wa), wayJson(wb)));
                System.out.println("wrote " + json);
            }
        }
    }

    static void precision(String[] args) throws IOException {
        List<String> a = new ArrayList<>(List.of(args));
        Path json = jsonOption(a);
        String net = a.size() > 0 ? a.get(0) : "deep-cnn";
        int rounds = a.size() > 1 ? Integer.parseInt(a.get(1)) : 10, batch = a.size() > 2 ? Integer.parseInt(a.get(2)) : 100;
        try (Backend b = Fixtures.backend("cpu");
             Way bf16 = Way.of("bf16", b, Networks.create(NetworkSpec.of(net), b, 1, Precision.BF16), batch);
             Way fp32 = Way.of("fp32", b, Networks.create(NetworkSpec.of(net), b, 1, Precision.FP32), batch)) {
            String detail = b.precisionDetail(Precision.BF16);
            String when = run(bf16, fp32, rounds);
            print(net, batch, b.describe(), rounds, bf16, fp32);
            System.out.println("  " + detail);      // how this backend runs bf16: on bf16 kernels, or emulated at fp32's speed
            if (json != null) {
                Files.writeString(json, String.format(Locale.ROOT,
                        "{\"topic\": \"precision\", %s\"date\": \"%s\", \"net\": \"%s\", \"batch\": %d, \"threads\": %d, \"rounds\": %d, "
                                + "\"steps_per_round\": %d, \"machine\": \"%s\", \"backend\": \"%s\",%n \"bf16\": \"%s\",%n"
                                + " \"command\": \"%s\",%n"
                                + " \"fp32_over_bf16\": %.3f,%n \"second_faster_rounds\": %d,%n \"ways\": [%s,%n  %s]}%n",
                        when, LocalDate.now(), net, batch, CpuBackendProvider.threads(), rounds, MEASURED_STEPS, quoted(machine()),
                        quoted(b.describe()), quoted(detail), quoted(command("precision", net, rounds, batch)), median(fp32.rounds) / median(bf16.rounds),
                        bFaster(bf16, fp32), wayJson(bf16), wayJson(fp32)));
                System.out.println("wrote " + json);
            }
        }
    }

    /** Takes "--json FILE" out of a, if there; the file, or null. */
    private static Path jsonOption(List<String> a) {
        int at = a.indexOf("--json");
        if (at < 0) return null;
        if (at + 1 >= a.size()) throw new IllegalArgumentException("--json needs a file");
        Path json = Path.of(a.get(at + 1));
        a.subList(at, at + 2).clear();
        return json;
    }

    /** This JVM's command line as far as Java knows it: its options, and the jar's arguments. */
    private static String command(String what, String net, int rounds, int batch) {
        List<String> jvm = java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments();
        return String.join(" ", "java", String.join(" ", jvm), "-jar benchmarks/target/groundup-benchmarks.jar", what, net,
                Integer.toString(rounds), Integer.toString(batch)).replaceAll(" +", " ");
    }

    private static String quoted(String s) { return s.replace("\\", "/").replace("\"", "'"); }

    /** The CPU's model name (Linux), else the OS and architecture: a figure says which machine gave it. */
    private static String machine() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (l.startsWith("model name")) return l.substring(l.indexOf(':') + 1).trim() + ", " + Runtime.getRuntime().availableProcessors() + " vCPUs";
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: the fallback below
        }
        return System.getProperty("os.name") + " " + System.getProperty("os.arch") + ", " + Runtime.getRuntime().availableProcessors() + " CPUs";
    }

    private static String wayJson(Way w) {
        return String.format(Locale.ROOT, "{\"way\": \"%s\", \"step_ms\": {\"median\": %.3f, \"min\": %.3f, \"max\": %.3f}, "
                        + "\"conversions_per_step\": %d, \"floats_converted_per_step\": %d}",
                w.name, median(w.rounds), Collections.min(w.rounds), Collections.max(w.rounds), w.counts[0], w.counts[1]);
    }

    /**
     * Round 0 warms both up and is not counted; each round is a block of steps each way, a first
     * in odd rounds and b first in even ones, so that neither always runs on a machine the
     * other has just warmed (or heated).
     */
    private static String run(Way a, Way b, int rounds) {
        String started = java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
        long[] cpu0 = cpuTimes();
        float[] loss = new float[1];
        for (int round = 0; round <= rounds; round++) {
            for (Way w : round % 2 == 1 ? List.of(a, b) : List.of(b, a)) {
                List<Double> ms = new ArrayList<>();
                long c0 = 0, f0 = 0;
                for (int s = 0; s < WARMUP_STEPS + MEASURED_STEPS; s++) {
                    if (s == WARMUP_STEPS && w.b instanceof CpuBackend cpu) {
                        c0 = cpu.layoutConversions();
                        f0 = cpu.layoutConvertedFloats();
                    }
                    long t0 = System.nanoTime();
                    step(w, loss);
                    if (s >= WARMUP_STEPS) ms.add((System.nanoTime() - t0) / 1e6);
                }
                if (round == 0) continue;
                w.rounds.add(median(ms));
                if (w.b instanceof CpuBackend cpu) {
                    w.counts[0] = (cpu.layoutConversions() - c0) / MEASURED_STEPS;
                    w.counts[1] = (cpu.layoutConvertedFloats() - f0) / MEASURED_STEPS;
                }
            }
        }
        long[] cpu1 = cpuTimes();
        String stolen = cpu0 == null || cpu1 == null || cpu1[0] == cpu0[0] ? "n/a"
                : String.format(Locale.ROOT, "%.1f%%", 100.0 * (cpu1[1] - cpu0[1]) / (cpu1[0] - cpu0[0]));
        System.out.println("started " + started + "; CPU time stolen by the hypervisor meanwhile: " + stolen);
        return String.format(Locale.ROOT, "\"started\": \"%s\", \"cpu_stolen\": \"%s\", ", started, stolen);
    }

    /**
     * {all CPU time, the hypervisor's steal} in ticks from /proc/stat's first line, or null where
     * there is none (not Linux): on a shared VM, rounds with steal ran beside a neighbour.
     */
    private static long[] cpuTimes() {
        try {
            String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            long total = 0;
            for (int i = 1; i < Math.min(f.length, 9); i++) total += Long.parseLong(f[i]);
            return new long[] {total, f.length > 8 ? Long.parseLong(f[8]) : 0};
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static void step(Way w, float[] loss) {
        w.b.download(w.net.loss(w.x, w.labels, Mode.TRAIN), loss, 0);
        w.net.backward();
        w.opt.step(w.net.parameters());
        w.b.synchronize();
    }

    private static void print(String net, int batch, String backend, int rounds, Way a, Way b) {
        System.out.printf(Locale.ROOT, "%s, batch %d, %s%n", net, batch, backend);
        System.out.printf(Locale.ROOT, "train step, median of %d rounds (each the median of %d steps), range of the rounds:%n", rounds, MEASURED_STEPS);
        for (Way w : List.of(a, b)) {
            String counts = w.b instanceof CpuBackend ? String.format(Locale.ROOT, "   %d layout conversions a step (%.1f MB)",
                    w.counts[0], w.counts[1] * 4 / 1e6) : "";
            System.out.printf(Locale.ROOT, "  %-12s %.2f ms (%.2f-%.2f)%s%n", w.name + ":", median(w.rounds),
                    Collections.min(w.rounds), Collections.max(w.rounds), counts);
        }
        System.out.printf(Locale.ROOT, "  %s / %s: %.2fx; %s faster in %d of %d rounds%n", b.name, a.name, median(b.rounds) / median(a.rounds),
                b.name, bFaster(a, b), rounds);
    }

    /** In how many rounds b's block was faster than a's of the same round: the rounds paired, as they ran side by side. */
    private static int bFaster(Way a, Way b) {
        int n = 0;
        for (int i = 0; i < Math.min(a.rounds.size(), b.rounds.size()); i++) if (b.rounds.get(i) < a.rounds.get(i)) n++;
        return n;
    }

    private static double median(List<Double> v) {
        List<Double> c = new ArrayList<>(v);
        Collections.sort(c);
        int n = c.size();
        return n % 2 == 1 ? c.get(n / 2) : (c.get(n / 2 - 1) + c.get(n / 2)) / 2;
    }
}
