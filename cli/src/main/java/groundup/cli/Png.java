package groundup.cli;

import groundup.files.AtomicFiles;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/** What the command line's charts share: a white canvas with a title, and an atomic PNG write. */
final class Png {
    private Png() {}

    /** A w x h white image, anti-aliased, with {@code title} in bold at the top left. */
    static BufferedImage canvas(int w, int h, String title) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, w, h);
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
        g.drawString(title, 20, 24);
        g.dispose();
        return img;
    }

    /**
     * A plot area at (x0, y0), pw x ph: light background, {@code lines}+1 horizontal grid lines
     * from lo to hi, each labelled by {@code format} at x = {@code labelX}, and a border.
     */
    static void grid(Graphics2D g, int x0, int y0, int pw, int ph, double lo, double hi, int lines, String format, int labelX) {
        g.setColor(new Color(0xf4f4f4));
        g.fillRect(x0, y0, pw, ph);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        for (int i = 0; i <= lines; i++) {
            int y = y0 + ph - i * ph / lines;
            g.setColor(new Color(0xdddddd));
            g.drawLine(x0, y, x0 + pw, y);
            g.setColor(Color.DARK_GRAY);
            g.drawString(String.format(java.util.Locale.ROOT, format, lo + (hi - lo) * i / lines), labelX, y - 2);
        }
        g.setColor(Color.BLACK);
        g.drawRect(x0, y0, pw, ph);
    }

    /** Writes through a temporary file in the same directory and renames: a crash never leaves half a PNG. */
    static void write(BufferedImage img, Path file) throws IOException {
        AtomicFiles.write(file, tmp -> {
            if (!ImageIO.write(img, "png", tmp.toFile())) throw new IOException("no PNG writer in this Java");
        });
    }
}
