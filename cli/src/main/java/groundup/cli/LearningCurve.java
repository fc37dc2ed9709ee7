package groundup.cli;

import groundup.experiments.Charts;
import groundup.experiments.Pictures;
import groundup.train.EpochStats;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.ToDoubleFunction;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Loss and accuracy per epoch (train, test and, when held out, validation) side by side in a PNG
 * under the run's title, in the experiments' XChart style.
 */
final class LearningCurve {
    private static final int W = 500, H = 400;

    private LearningCurve() {}

    static void write(Path file, String title, List<EpochStats> epochs) throws IOException {
        boolean val = epochs.stream().anyMatch(s -> !Double.isNaN(s.validationAccuracy()));
        XYChart loss = panel("loss per epoch", "loss", "0.000", epochs, EpochStats::trainLoss, EpochStats::testLoss,
                val ? EpochStats::validationLoss : null);
        XYChart acc = panel("accuracy per epoch", "accuracy (%)", "0.00", epochs, s -> 100 * s.trainAccuracy(), s -> 100 * s.testAccuracy(),
                val ? s -> 100 * s.validationAccuracy() : null);
        BufferedImage charts = Pictures.stack(List.of(BitmapEncoder.getBufferedImage(loss), BitmapEncoder.getBufferedImage(acc)), 2);
        Pictures.write(Pictures.stack(List.of(heading(title, charts.getWidth()), charts), 1), file);
    }

    /** One panel: a line per series with a dot per epoch (a one-epoch run is dots), the legend below the plot. */
    private static XYChart panel(String title, String y, String format, List<EpochStats> es, ToDoubleFunction<EpochStats> train,
                                 ToDoubleFunction<EpochStats> test, ToDoubleFunction<EpochStats> validation) {
        XYChart c = Charts.lines(title, "epoch", y, W, H);
        c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        c.getStyler().setYAxisDecimalPattern(format);
        c.getStyler().setMarkerSize(6);
        double[] x = es.stream().mapToDouble(EpochStats::epoch).toArray();
        double lo = Double.MAX_VALUE, hi = -Double.MAX_VALUE;
        for (var f : validation == null ? List.of(train, test) : List.of(train, test, validation)) {
            double[] v = es.stream().mapToDouble(f).toArray();
            String name = f == train ? "train (running, over the epoch)" : f == test ? "test (end of epoch)" : "validation";
            Charts.line(c, name, x, v).setMarker(SeriesMarkers.CIRCLE);
            for (double d : v) if (Double.isFinite(d)) { lo = Math.min(lo, d); hi = Math.max(hi, d); }
        }
        if (lo <= hi) {                      // a margin, and a range even for one epoch (XChart's would be the two values exactly)
            double pad = Math.max((hi - lo) * 0.08, Math.max(1e-3, Math.abs(hi) * 0.02));
            c.getStyler().setYAxisMin(lo - pad);
            c.getStyler().setYAxisMax(hi + pad);
        }
        if (x.length == 1) {
            c.getStyler().setXAxisMin(x[0] - 1);
            c.getStyler().setXAxisMax(x[0] + 1);
        }
        return c;
    }

    /** The run's title, centred on a white strip as wide as the charts. */
    private static BufferedImage heading(String title, int width) {
        BufferedImage img = new BufferedImage(width, 34, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, 34);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
        g.drawString(title, Math.max(8, (width - g.getFontMetrics().stringWidth(title)) / 2), 24);
        g.dispose();
        return img;
    }
}
