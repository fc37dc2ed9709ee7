package groundup.bench;

import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Rectangle2D;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Annotation;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.XYStyler;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Grouped horizontal bar charts of the report's main comparisons, drawn by XChart: per row (a
 * benchmark) its name, then a bar for GroundUp CPU, GroundUp CUDA and PyTorch where the run has
 * that figure, each labelled with its median. XChart 3.8 has no horizontal bar chart, so this is
 * an XY chart whose bars are filled rectangles (PolygonArea series): row i of n spans y from
 * n-i-1 to n-i (the first row on top), its name in the band's top strip, its bars below.
 */
final class Charts {
    private static final String[] SERIES = {"GroundUp CPU", "GroundUp CUDA", "PyTorch"};
    private static final Color[] COLORS = {new Color(0x1f77b4), new Color(0x2ca02c), new Color(0xff7f0e)};
    private static final Font TEXT = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
    /** Pixels: the chart's width; in a row, the name's strip, each bar and the gap below the last; title, legend and x axis. */
    private static final int WIDTH = 900, NAME_PX = 18, BAR_PX = 15, GAP_PX = 9, FRAME_PX = 120;
    /** XChart 3.8 puts every annotation at mid-height in a plot under about 110 pixels (its x axis's tick spacing hint, 100, over 0.92). */
    private static final int MIN_PLOT_PX = 140;

    private Charts() {}

    /** Writes the chart; false, and no file, where no row has a figure. */
    static boolean bars(Path file, String title, List<ReportRow> rows, Map<String, Figure> torch) throws IOException {
        if (rows.isEmpty()) return false;
        int n = rows.size();
        Figure[][] fig = new Figure[n][];        // (row, series); null where the run has no such figure
        boolean[] present = new boolean[SERIES.length];
        double max = 0;
        for (int i = 0; i < n; i++) {
            ReportRow r = rows.get(i);
            fig[i] = new Figure[] {r.byBackend().get("cpu"), r.byBackend().get("cuda"), torch.get(r.key())};
            for (int s = 0; s < SERIES.length; s++) {
                if (fig[i][s] == null) continue;
                present[s] = true;
                max = Math.max(max, fig[i][s].median());
            }
        }
        // the series this chart has, in the fixed order; each takes the same slot in every row
        List<Integer> slots = new ArrayList<>();
        for (int s = 0; s < SERIES.length; s++) if (present[s]) slots.add(s);
        if (slots.isEmpty()) return false;
        int rowPx = NAME_PX + slots.size() * BAR_PX + GAP_PX;
        double name = (double) NAME_PX / rowPx, bar = (double) BAR_PX / rowPx;    // in y units: a row is 1

        int plotPx = Math.max(n * rowPx, MIN_PLOT_PX);
        double pad = (plotPx - n * rowPx) / 2.0 / rowPx;     // in rows, above and below, where a few rows fill less than the minimum
        XYChart c = new XYChartBuilder().width(WIDTH).height(FRAME_PX + plotPx).title(title).theme(Styler.ChartTheme.Matlab).build();
        XYStyler st = c.getStyler();
        st.setChartBackgroundColor(Color.WHITE);
        st.setPlotBackgroundColor(Color.WHITE);
        st.setPlotBorderVisible(false);
        st.setPlotTicksMarksVisible(false);
        st.setChartTitleFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
        st.setLegendPosition(Styler.LegendPosition.OutsideS);
        st.setLegendLayout(Styler.LegendLayout.Horizontal);
        st.setLegendBorderColor(Color.WHITE);
        st.setLegendFont(TEXT);
        st.setAxisTickLabelsFont(TEXT);
        st.setPlotGridHorizontalLinesVisible(false);
        st.setPlotGridLinesColor(new Color(0xdddddd));
        st.setYAxisTicksVisible(false);            // the rows name themselves
        st.setYAxisMin(-pad);
        st.setYAxisMax(n + pad);
        st.setXAxisMin(0.0);
        st.setXAxisMax(max > 0 ? max * 1.12 : 1.0);  // room right of the longest bar for its label
        st.setXAxisDecimalPattern("#,##0.###");
        st.setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.PolygonArea);

        for (int i = 0; i < n; i++) {
            double top = n - i;
            c.addAnnotation(new Label(rows.get(i).key(), 0, top - name / 2, 0, Color.BLACK));
            for (int k = 0; k < slots.size(); k++) {
                int s = slots.get(k);
                Figure f = fig[i][s];
                if (f == null) continue;
                double y1 = top - name - k * bar, y0 = y1 - bar * 0.85;     // 15% of a bar's slot: the gap under it
                double v = f.median();
                // XChart keys series by name: the first bar of a series carries the legend entry
                boolean first = !c.getSeriesMap().containsKey(SERIES[s]);
                XYSeries b = c.addSeries(first ? SERIES[s] : SERIES[s] + " " + i, new double[] {0, v, v, 0}, new double[] {y0, y0, y1, y1});
                b.setFillColor(COLORS[s]);
                b.setLineColor(COLORS[s]);
                b.setLineStyle(SeriesLines.SOLID);     // the theme would dash every few series' outline
                b.setMarker(SeriesMarkers.NONE);
                b.setShowInLegend(first);
                c.addAnnotation(new Label(String.format(Locale.ROOT, "%.0f", v), v, (y0 + y1) / 2, 5, Color.DARK_GRAY));
            }
        }
        Files.createDirectories(file.toAbsolutePath().getParent());
        try (OutputStream out = Files.newOutputStream(file)) {
            BitmapEncoder.saveBitmap(c, out, BitmapEncoder.BitmapFormat.PNG);
        }
        return true;
    }

    /**
     * Text starting dx pixels right of the point (x, y), centred on it vertically. XChart's own
     * AnnotationText centres its text on the point, which would put half a value over its bar; its
     * base class, Annotation, sits in XChart's internal package but is the one all its annotations extend.
     */
    private static final class Label extends Annotation {
        private final String text;
        private final double x, y;
        private final int dx;
        private final Color color;

        Label(String text, double x, double y, int dx, Color color) {
            super(false);
            this.text = text;
            this.x = x;
            this.y = y;
            this.dx = dx;
            this.color = color;
        }

        @Override public void paint(Graphics2D g) {
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setFont(TEXT);
            g.setColor(color);
            FontMetrics m = g.getFontMetrics();
            int left = getXAxisScreenValue(x) + dx, baseline = getYAxisScreenValue(y) + (m.getAscent() - m.getDescent()) / 2;
            g.drawString(text, left, baseline);
            bounds = new Rectangle2D.Double(left, baseline - m.getAscent(), m.stringWidth(text), m.getHeight());
        }
    }
}
