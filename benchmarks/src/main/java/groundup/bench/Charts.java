package groundup.bench;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;

/** Grouped horizontal bar charts of the report's main comparisons. */
final class Charts {
    private static final String[] SERIES = {"GroundUp CPU", "GroundUp CUDA", "PyTorch"};
    private static final Color[] COLORS = {new Color(0x1f77b4), new Color(0x2ca02c), new Color(0xff7f0e)};

    private Charts() {}

    static void bars(Path file, String title, List<ReportRow> rows, Map<String, Figure> torch) throws IOException {
        if (rows.isEmpty()) return;
        int barH = 14, groupH = 3 * barH + 14, left = 230, width = 900;
        int height = 70 + rows.size() * groupH + 30;
        double max = 0;
        for (ReportRow r : rows) {
            for (Figure f : r.byBackend().values()) max = Math.max(max, f.median());
            if (torch.containsKey(r.key())) max = Math.max(max, torch.get(r.key()).median());
        }
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
        g.drawString(title, 20, 25);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        for (int s = 0; s < SERIES.length; s++) {
            g.setColor(COLORS[s]);
            g.fillRect(20 + s * 170, 38, 12, 12);
            g.setColor(Color.BLACK);
            g.drawString(SERIES[s], 38 + s * 170, 49);
        }
        int y = 70, plotW = width - left - 90;
        for (ReportRow r : rows) {
            g.setColor(Color.BLACK);
            g.drawString(r.key(), 10, y + barH * 2);
            Figure[] f = {r.byBackend().get("cpu"), r.byBackend().get("cuda"), torch.get(r.key())};
            for (int s = 0; s < 3; s++) {
                if (f[s] == null) continue;
                int w = (int) Math.max(1, f[s].median() / max * plotW);
                g.setColor(COLORS[s]);
                g.fillRect(left, y + s * barH, w, barH - 2);
                g.setColor(Color.DARK_GRAY);
                g.drawString(String.format(Locale.ROOT, "%.0f", f[s].median()), left + w + 5, y + s * barH + barH - 3);
            }
            y += groupH;
        }
        g.dispose();
        ImageIO.write(img, "png", file.toFile());
    }
}
