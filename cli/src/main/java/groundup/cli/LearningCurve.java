package groundup.cli;

import groundup.train.EpochStats;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.ToDoubleFunction;

/** Draws loss and accuracy per epoch (train, test and, when held out, validation) side by side into a PNG. */
final class LearningCurve {
    private static final Color TRAIN = new Color(0x1f77b4), TEST = new Color(0xd62728), VALIDATION = new Color(0x2ca02c);

    private LearningCurve() {}

    static void write(Path file, String title, List<EpochStats> epochs) throws IOException {
        int w = 1000, h = 420;
        BufferedImage img = Png.canvas(w, h, title);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        boolean val = epochs.stream().anyMatch(s -> !Double.isNaN(s.validationAccuracy()));
        panel(g, 40, 50, 440, 320, "loss", epochs, EpochStats::trainLoss, EpochStats::testLoss, val ? EpochStats::validationLoss : null, false);
        panel(g, 540, 50, 440, 320, "accuracy (%)", epochs, s -> 100 * s.trainAccuracy(), s -> 100 * s.testAccuracy(),
                val ? s -> 100 * s.validationAccuracy() : null, true);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        g.setColor(TRAIN);
        g.fillRect(380, 398, 14, 4);
        g.drawString("train (running, over the epoch)", 400, 405);
        g.setColor(TEST);
        g.fillRect(640, 398, 14, 4);
        g.drawString("test (end of epoch)", 660, 405);
        if (val) {
            g.setColor(VALIDATION);
            g.fillRect(820, 398, 14, 4);
            g.drawString("validation", 840, 405);
        }
        g.dispose();
        Png.write(img, file);
    }

    private static void panel(Graphics2D g, int x0, int y0, int pw, int ph, String name, List<EpochStats> es,
                              ToDoubleFunction<EpochStats> a, ToDoubleFunction<EpochStats> b, ToDoubleFunction<EpochStats> c,
                              boolean accuracy) {
        double lo = Double.MAX_VALUE, hi = -Double.MAX_VALUE;
        for (EpochStats s : es) {
            for (double v : new double[] {a.applyAsDouble(s), b.applyAsDouble(s), c == null ? Double.NaN : c.applyAsDouble(s)}) {
                if (Double.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
            }
        }
        if (lo > hi) { lo = 0; hi = 1; }
        double pad = Math.max(1e-6, (hi - lo) * 0.08);
        lo = Math.max(0, lo - pad);
        hi = accuracy ? Math.min(100, hi + pad) : hi + pad;
        Png.grid(g, x0, y0, pw, ph, lo, hi, 4, accuracy ? "%.2f" : "%.3f", x0 + 4);
        g.drawString(name + " per epoch", x0 + pw / 2 - 40, y0 - 6);
        int n = es.size();
        for (int i = 0; i < n; i++) {
            int x = xOf(i, n, x0, pw);
            g.drawString(Integer.toString(es.get(i).epoch()), x - 4, y0 + ph + 15);
        }
        series(g, es, a, TRAIN, x0, y0, pw, ph, lo, hi);
        series(g, es, b, TEST, x0, y0, pw, ph, lo, hi);
        if (c != null) series(g, es, c, VALIDATION, x0, y0, pw, ph, lo, hi);
    }

    private static int xOf(int i, int n, int x0, int pw) { return n == 1 ? x0 + pw / 2 : x0 + 20 + i * (pw - 40) / (n - 1); }

    private static void series(Graphics2D g, List<EpochStats> es, ToDoubleFunction<EpochStats> f, Color c,
                               int x0, int y0, int pw, int ph, double lo, double hi) {
        g.setColor(c);
        g.setStroke(new BasicStroke(2f));
        int px = -1, py = -1, n = es.size();
        for (int i = 0; i < n; i++) {
            double v = f.applyAsDouble(es.get(i));
            if (!Double.isFinite(v)) continue;
            int x = xOf(i, n, x0, pw), y = (int) (y0 + ph - (v - lo) / (hi - lo) * ph);
            g.fillOval(x - 3, y - 3, 7, 7);
            if (px >= 0) g.drawLine(px, py, x, y);
            px = x;
            py = y;
        }
        g.setStroke(new BasicStroke(1f));
    }
}
