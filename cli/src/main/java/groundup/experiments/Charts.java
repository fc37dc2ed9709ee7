package groundup.experiments;

import java.awt.Color;
import java.awt.Font;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.XYStyler;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** The experiments' chart style: XChart line charts, white, lines without markers, legend inside. */
public final class Charts {
    /** matplotlib's default colour cycle ("tab10"), so the figures read like the book's. */
    static final Color[] COLORS = {new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0xd62728),
            new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f)};

    private Charts() {}

    /** The i-th colour of the cycle, for series that share one (the runs of a group). */
    public static Color color(int i) { return COLORS[Math.floorMod(i, COLORS.length)]; }

    /** An empty line chart of w x h pixels. */
    public static XYChart lines(String title, String xTitle, String yTitle, int w, int h) {
        XYChart c = new XYChartBuilder().width(w).height(h).title(title).xAxisTitle(xTitle).yAxisTitle(yTitle)
                .theme(Styler.ChartTheme.Matlab).build();
        XYStyler s = c.getStyler();
        s.setChartBackgroundColor(Color.WHITE);
        s.setPlotBackgroundColor(Color.WHITE);
        s.setLegendPosition(Styler.LegendPosition.InsideNE);
        s.setLegendBorderColor(Color.LIGHT_GRAY);
        s.setChartTitleFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
        s.setPlotGridLinesColor(new Color(0xdddddd));
        s.setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        s.setMarkerSize(0);
        s.setSeriesColors(COLORS);
        s.setXAxisTickMarkSpacingHint(Math.max(80, w / 8));     // XChart's default crowds the labels of a long x axis
        s.setXAxisDecimalPattern("#");                         // iterations and epochs: whole numbers, no "1,056"
        return c;
    }

    /** Adds a line; y values that are not finite leave a gap (XChart skips NaN). */
    public static XYSeries line(XYChart c, String name, double[] x, double[] y) {
        double[] yy = y.clone();
        for (int i = 0; i < yy.length; i++) if (!Double.isFinite(yy[i])) yy[i] = Double.NaN;
        XYSeries s = c.addSeries(name, x, yy);
        s.setMarker(SeriesMarkers.NONE);
        return s;
    }

    /** The same, dashed. */
    public static XYSeries dashed(XYChart c, String name, double[] x, double[] y) {
        XYSeries s = line(c, name, x, y);
        s.setLineStyle(SeriesLines.DASH_DASH);
        return s;
    }

    /** 0, 1, ..., n-1 (or from 1 when {@code fromOne}). */
    public static double[] range(int n, boolean fromOne) {
        double[] x = new double[n];
        for (int i = 0; i < n; i++) x[i] = fromOne ? i + 1 : i;
        return x;
    }
}
