package groundup.profile;

import groundup.experiments.Pictures;
import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.style.Styler;

/** profile.png: a bar per layer (then the loss and the optimizer), its forward and backward median ms stacked. */
public final class ProfileChart {
    private ProfileChart() {}

    public static void write(Profile p, Path png) throws IOException {
        CategoryChart c = new CategoryChartBuilder().width(Math.max(800, 70 * p.rows().size())).height(520)
                .title(String.format(Locale.ROOT, "%s on %s, batch %d: median ms per training step (the parts add up to %.1f ms)", p.net(),
                        p.backend(), p.batch(), p.sumMs()))
                .xAxisTitle("layer").yAxisTitle("ms").theme(Styler.ChartTheme.Matlab).build();
        var s = c.getStyler();
        s.setStacked(true);
        s.setChartBackgroundColor(Color.WHITE);
        s.setPlotBackgroundColor(Color.WHITE);
        s.setPlotGridLinesColor(new Color(0xdddddd));
        s.setLegendPosition(Styler.LegendPosition.InsideNE);
        s.setChartTitleFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
        s.setXAxisLabelRotation(45);
        s.setSeriesColors(new Color[] {new Color(0x1f77b4), new Color(0xff7f0e)});
        List<String> names = new ArrayList<>();
        List<Double> fwd = new ArrayList<>(), bwd = new ArrayList<>();
        for (int i = 0; i < p.rows().size(); i++) {
            Profile.Row r = p.rows().get(i);
            names.add((i + 1) + " " + r.name());     // numbered: two ReLUs are two bars
            fwd.add(r.forwardMs() == null ? 0 : r.forwardMs().median());
            bwd.add(r.backwardMs().median());
        }
        c.addSeries("forward", names, fwd);
        c.addSeries("backward (the optimizer: its update)", names, bwd);
        Pictures.write(c, png);
    }
}
