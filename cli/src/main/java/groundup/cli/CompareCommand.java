package groundup.cli;

import groundup.train.EpochStats;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * Puts runs side by side: a Markdown table of final and best test accuracy per run, the
 * median and range of the final accuracy per group of runs that differ only in their seed,
 * and optionally a PNG of test accuracy per epoch, one line per run, one colour per group.
 */
@Command(name = "compare", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Compares training runs (train --out directories): accuracy table, per-group median and range, optional plot.")
final class CompareCommand implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "RUN", description = "Run directories (or their summary.json files).") List<Path> runs;
    @Option(names = "--plot", paramLabel = "FILE", description = "Also draw test accuracy per epoch into this PNG.") Path plot;
    @Option(names = "--target", paramLabel = "PCT", description = "A test accuracy to mark on the plot and count in the table, e.g. 98.9.")
    Double target;

    @Override public Integer call() throws Exception {
        if (target != null && !(target > 0 && target <= 100)) throw new UsageException("--target " + target + ": must be a percentage in (0, 100]");
        if (plot != null) {
            List<Path> inputs = new ArrayList<>();
            for (Path p : runs) inputs.add(RunSummary.fileOf(p));
            OutputFile.check("--plot", plot, inputs, null);
        }
        List<RunSummary> all = new ArrayList<>();
        for (Path p : runs) all.add(RunSummary.read(p));
        Map<String, List<RunSummary>> groups = groups(all);
        System.out.println("| run | group | epochs | final test accuracy | best epoch (test) | best epoch by validation: test | median s/epoch |");
        System.out.println("|---|---|---|---|---|---|---|");
        for (Map.Entry<String, List<RunSummary>> g : groups.entrySet()) {
            for (RunSummary r : g.getValue()) {
                EpochStats last = r.last(), best = r.best(), byVal = r.bestByValidation();
                String val = byVal == null ? "" : String.format(Locale.ROOT, "%.2f%% (epoch %d)", 100 * byVal.testAccuracy(), byVal.epoch());
                System.out.printf(Locale.ROOT, "| %s | %s | %d | %.2f%% | %.2f%% (epoch %d) | %s | %.2f |%n", label(r), g.getKey(), r.epochs().size(),
                        100 * last.testAccuracy(), 100 * best.testAccuracy(), best.epoch(), val,
                        median(r.epochs().stream().mapToDouble(EpochStats::seconds).toArray()));
            }
        }
        System.out.println();
        for (Map.Entry<String, List<RunSummary>> g : groups.entrySet()) {
            double[] fin = g.getValue().stream().mapToDouble(r -> 100 * r.last().testAccuracy()).toArray();
            String reach = "";
            if (target != null) {
                long endAt = g.getValue().stream().filter(r -> 100 * r.last().testAccuracy() >= target - 1e-9).count();
                long reachAt = g.getValue().stream().filter(r -> 100 * r.best().testAccuracy() >= target - 1e-9).count();
                reach = String.format(Locale.ROOT, "; %d of %d end at %.2f%% or more, %d reach it at some epoch", endAt, fin.length, target, reachAt);
            }
            System.out.printf(Locale.ROOT, "%s: %d runs, final test accuracy median %.2f%% (range %.2f-%.2f%%), mean %.3f%%%s%n",
                    g.getKey(), fin.length, median(fin), Arrays.stream(fin).min().orElse(0), Arrays.stream(fin).max().orElse(0),
                    Arrays.stream(fin).average().orElse(0), reach);
        }
        if (plot != null) {
            try {
                RunsChart.write(plot, "test accuracy per epoch", groups, target);
            } catch (LinkageError e) {     // a jlink'd runtime without java.desktop: the table above still stands
                throw new CommandFailedException("--plot " + plot + ": drawing needs the java.desktop module, which this Java lacks (" + e + ")", e);
            }
            System.out.println("wrote " + plot);
        }
        return 0;
    }

    /** Runs grouped by the settings that differ between them, seed aside; the key names those settings. */
    static Map<String, List<RunSummary>> groups(List<RunSummary> all) {
        Set<String> keys = new LinkedHashSet<>();
        for (RunSummary r : all) keys.addAll(r.settings().keySet());
        keys.remove("seed");
        List<String> varying = new ArrayList<>();
        for (String k : keys) if (all.stream().map(r -> r.settings().get(k)).distinct().count() > 1) varying.add(k);
        boolean nets = all.stream().map(RunSummary::net).distinct().count() > 1;
        Map<String, List<RunSummary>> groups = new LinkedHashMap<>();
        for (RunSummary r : all) {
            List<String> parts = new ArrayList<>();
            if (nets || varying.isEmpty()) parts.add(r.net());
            for (String k : varying) parts.add(k + " " + r.settings().get(k));
            groups.computeIfAbsent(String.join(", ", parts), k -> new ArrayList<>()).add(r);
        }
        return groups;
    }

    /** The run's directory name, and its seed. */
    static String label(RunSummary r) {
        Path dir = r.file().toAbsolutePath().getParent();
        return (dir == null ? r.file().toString() : dir.getFileName().toString()) + " (seed " + r.settings().get("seed") + ")";
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        int n = s.length;
        return n == 0 ? Double.NaN : n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }
}
