package groundup.bench;

import java.util.Locale;

/** One measured figure of the report: median with range, in a unit where higher is better or not. */
record Figure(double median, double min, double max, String unit, boolean higherBetter) {
    String text() {
        return String.format(Locale.ROOT, unit.equals("ms") ? "%.3f %s (%.3f-%.3f)" : "%.1f %s (%.1f-%.1f)", median, unit, min, max);
    }

    /** How many times faster this is than other. */
    double speedOver(Figure other) { return higherBetter ? median / other.median : other.median / median; }
}
