package groundup.profile;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The profile as the command prints it: one line per layer, the loss and the optimizer, with
 * forward and backward ms as "median (min-max)", share of the step, GFLOP/s and share of the
 * peak ("-" for a memory-bound layer); then the sum of the parts and the step end to end.
 */
public final class ProfileTable {
    private ProfileTable() {}

    public static String format(Profile p) {
        List<String[]> lines = new ArrayList<>();
        lines.add(new String[] {"layer", "forward ms", "backward ms", "share", "GFLOP/s", "of peak"});
        for (Profile.Row r : p.rows()) {
            String name = r.kind() == Profile.Kind.OPTIMIZER ? "optimizer (" + r.description() + ")"
                    : r.description().startsWith(r.name()) ? r.description() : r.name() + ": " + r.description();
            lines.add(new String[] {name, ms(r.forwardMs()), ms(r.backwardMs()), pct(r.share()),
                r.gflops() == null ? "-" : String.format(Locale.ROOT, "%.1f", r.gflops()), r.peakShare() == null ? "-" : pct(r.peakShare())});
        }
        double fwd = 0, bwd = 0;
        for (Profile.Row r : p.rows()) {
            if (r.forwardMs() != null) fwd += r.forwardMs().median();
            bwd += r.backwardMs().median();
        }
        lines.add(new String[] {"total step (sum of the medians above)", f(fwd), f(bwd), "100.0%", "", ""});
        lines.add(new String[] {"step end to end (the parts and the gaps between them)", ms(p.stepMs()), "", "", "", ""});
        int[] w = new int[6];
        for (String[] l : lines) for (int i = 0; i < 6; i++) w[i] = Math.max(w[i], l[i].length());
        StringBuilder sb = new StringBuilder();
        for (int k = 0; k < lines.size(); k++) {
            String[] l = lines.get(k);
            if (k == lines.size() - 2) sb.append("-".repeat(w[0] + w[1] + w[2] + w[3] + w[4] + w[5] + 10)).append('\n');
            sb.append(String.format("%-" + w[0] + "s", l[0]));
            for (int i = 1; i < 6; i++) sb.append("  ").append(String.format("%" + w[i] + "s", l[i]));
            sb.append('\n');
            if (k == 0) sb.append("-".repeat(w[0] + w[1] + w[2] + w[3] + w[4] + w[5] + 10)).append('\n');
        }
        return sb.toString().replaceAll(" +\n", "\n");
    }

    /** "1.234 (1.201-1.310)"; "-" for a span that does not exist (the optimizer's forward). */
    private static String ms(Stat s) {
        return s == null ? "-" : String.format(Locale.ROOT, "%s (%s-%s)", f(s.median()), f(s.min()), f(s.max()));
    }

    /** Three significant digits at least, so 0.012 ms and 812 ms both read. */
    private static String f(double ms) {
        return String.format(Locale.ROOT, ms >= 100 ? "%.1f" : ms >= 10 ? "%.2f" : "%.3f", ms);
    }

    private static String pct(double share) { return String.format(Locale.ROOT, "%.1f%%", 100 * share); }
}
