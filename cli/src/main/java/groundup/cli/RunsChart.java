package groundup.cli;

import groundup.train.EpochStats;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Test accuracy per epoch of several runs in one PNG: one line per run, one colour per group. */
final class RunsChart {
    private static final Color[] COLORS = {new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c),
        new Color(0xff7f0e), new Color(0x9467bd), new Color(0x8c564b)};

    private RunsChart() {}

    static void write(Path file, String title, Map<String, List<RunSummary>> groups, Double target) throws IOException {
        int w = 1000, h = 560, x0 = 70, y0 = 50, pw = 880, ph = 400;
        int maxEpoch = 1;
        double lo = 100, hi = 0;
        for (List<RunSummary> rs : groups.values()) {
            for (RunSummary r : rs) {
                for (EpochStats s : r.epochs()) {
                    maxEpoch = Math.max(maxEpoch, s.epoch());
                    if (s.epoch() >= 2 || r.epochs().size() == 1) {    // epoch 1 sits far below and would flatten the rest
                        lo = Math.min(lo, 100 * s.testAccuracy());
                        hi = Math.max(hi, 100 * s.testAccuracy());
                    }
                }
            }
        }
        if (target != null) { lo = Math.min(lo, target); hi = Math.max(hi, target); }
        double pad = Math.max(0.02, (hi - lo) * 0.06);
        lo = Math.max(0, lo - pad);
        hi = Math.min(100, hi + pad);
        BufferedImage img = Png.canvas(w, h, title);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        Png.grid(g, x0, y0, pw, ph, lo, hi, 5, "%.2f%%", 8);
        g.setColor(Color.DARK_GRAY);
        for (int e = 1; e <= maxEpoch; e++) g.drawString(Integer.toString(e), xOf(e, maxEpoch, x0, pw) - 4, y0 + ph + 16);
        g.drawString("epoch", x0 + pw / 2 - 15, y0 + ph + 34);
        g.setColor(Color.BLACK);
        if (target != null) {
            int y = yOf(target, lo, hi, y0, ph);
            g.setStroke(new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 5f}, 0f));
            g.drawLine(x0, y, x0 + pw, y);
            g.drawString(String.format(Locale.ROOT, "%.2f%%", target), x0 + pw - 50, y - 4);
        }
        int gi = 0, legendY = y0 + ph + 56;
        for (Map.Entry<String, List<RunSummary>> grp : groups.entrySet()) {
            Color c = COLORS[gi % COLORS.length];
            g.setColor(c);
            g.setStroke(new BasicStroke(1.6f));
            g.setClip(x0, y0, pw + 1, ph + 1);        // epoch 1 lies below the range: its segment leaves through the bottom
            for (RunSummary r : grp.getValue()) {
                int px = -1, py = -1;
                for (EpochStats s : r.epochs()) {
                    double v = 100 * s.testAccuracy();
                    if (!Double.isFinite(v)) continue;
                    int x = xOf(s.epoch(), maxEpoch, x0, pw), y = yOf(v, lo, hi, y0, ph);
                    g.fillOval(x - 2, y - 2, 5, 5);
                    if (px >= 0) g.drawLine(px, py, x, y);
                    px = x;
                    py = y;
                }
            }
            g.setClip(null);
            int lx = x0 + (gi % 2) * (pw / 2);
            g.fillRect(lx, legendY + (gi / 2) * 20 - 5, 16, 4);
            g.setColor(Color.BLACK);
            g.drawString(grp.getKey() + " (" + grp.getValue().size() + " runs)", lx + 22, legendY + (gi / 2) * 20);
            gi++;
        }
        g.dispose();
        Png.write(img, file);
    }

    private static int xOf(int epoch, int maxEpoch, int x0, int pw) {
        return maxEpoch == 1 ? x0 + pw / 2 : x0 + 20 + (epoch - 1) * (pw - 40) / (maxEpoch - 1);
    }

    private static int yOf(double v, double lo, double hi, int y0, int ph) { return (int) Math.round(y0 + ph - (v - lo) / (hi - lo) * ph); }
}
