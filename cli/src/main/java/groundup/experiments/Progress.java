package groundup.experiments;

import java.io.PrintStream;
import java.util.Locale;

/**
 * Where an experiment reports how far it is: {@code stage} (e.g. "adam") and steps done of
 * total. On a terminal the line redraws in place a few times a second; in a log it prints a
 * line at each quarter of a stage, so a CI log stays short.
 */
public interface Progress {
    void update(String stage, long done, long total);

    /** Reports nothing (tests, library use). */
    static Progress none() { return (stage, done, total) -> { }; }

    /** A line on {@code out} prefixed by the experiment's name. */
    static Progress to(PrintStream out, String experiment) {
        boolean tty = System.console() != null && System.getenv("CI") == null;
        return new Progress() {
            private long lastDraw, t0 = System.nanoTime();
            private int lastQuarter = -1;
            private String lastStage;

            @Override public void update(String stage, long done, long total) {
                long now = System.nanoTime();
                if (!stage.equals(lastStage)) {
                    lastStage = stage;
                    lastQuarter = -1;
                    t0 = now;
                }
                int quarter = (int) (4 * done / Math.max(1, total));
                boolean last = done >= total;
                if (tty ? now - lastDraw < 200_000_000L && !last : quarter == lastQuarter) return;
                lastDraw = now;
                lastQuarter = quarter;
                double secs = (now - t0) / 1e9;
                String line = String.format(Locale.ROOT, "%s: %s %d/%d (%.0f%%, %.1f s)", experiment, stage, done, total,
                        100.0 * done / Math.max(1, total), secs);
                if (tty) out.print("\r" + line + "\u001b[K" + (last ? "\n" : ""));
                else out.println(line);
                out.flush();
            }
        };
    }
}
