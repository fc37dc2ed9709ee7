package groundup.cli;

import groundup.experiments.Charts;
import groundup.experiments.Pictures;
import groundup.train.EpochStats;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** Test accuracy per epoch of several runs in one PNG: one line per run, one colour per group (its legend entry counts the runs). */
final class RunsChart {
    private RunsChart() {}

    static void write(Path file, String title, Map<String, List<RunSummary>> groups, Double target) throws IOException {
        XYChart c = Charts.lines(title, "epoch", "test accuracy (%)", 1000, 560);
        c.getStyler().setYAxisDecimalPattern("0.00");
        c.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideSE);
        c.getStyler().setMarkerSize(5);
        // the y range from epoch 2 on: epoch 1 sits far below and would flatten the rest (its segment leaves through the bottom)
        double lo = 100, hi = 0;
        int maxEpoch = 1, g = 0;
        for (List<RunSummary> rs : groups.values()) {
            for (RunSummary r : rs) {
                for (EpochStats s : r.epochs()) {
                    maxEpoch = Math.max(maxEpoch, s.epoch());
                    double v = 100 * s.testAccuracy();
                    if (Double.isFinite(v) && (s.epoch() >= 2 || r.epochs().size() == 1)) {
                        lo = Math.min(lo, v);
                        hi = Math.max(hi, v);
                    }
                }
            }
        }
        if (target != null) {
            lo = Math.min(lo, target);
            hi = Math.max(hi, target);
        }
        if (lo <= hi) {
            double pad = Math.max(0.02, (hi - lo) * 0.06);
            c.getStyler().setYAxisMin(Math.max(0, lo - pad));
            c.getStyler().setYAxisMax(Math.min(100, hi + pad));
        }
        for (Map.Entry<String, List<RunSummary>> grp : groups.entrySet()) {
            Color colour = Charts.color(g++);
            int k = 0;
            for (RunSummary r : grp.getValue()) {
                boolean first = k++ == 0;
                double[] x = r.epochs().stream().mapToDouble(EpochStats::epoch).toArray();
                double[] y = r.epochs().stream().mapToDouble(s -> 100 * s.testAccuracy()).toArray();
                String name = first ? grp.getKey() + " (" + grp.getValue().size() + " runs)" : grp.getKey() + ", run " + k;
                XYSeries s = Charts.line(c, uniqueName(c, name), x, y);
                s.setLineColor(colour);
                s.setMarkerColor(colour);
                s.setMarker(SeriesMarkers.CIRCLE);
                s.setShowInLegend(first);
            }
        }
        if (target != null) {
            XYSeries t = Charts.dashed(c, String.format(Locale.ROOT, "target %.2f%%", target), new double[] {1, maxEpoch}, new double[] {target, target});
            t.setLineColor(Color.BLACK);
        }
        Pictures.write(c, file);
    }

    /** XChart refuses two series of one name: two runs of a group may print alike. */
    private static String uniqueName(XYChart c, String name) {
        String n = name;
        for (int k = 2; c.getSeriesMap().containsKey(n); k++) n = name + " #" + k;
        return n;
    }
}
