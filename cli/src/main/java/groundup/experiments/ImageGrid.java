package groundup.experiments;

import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.List;

/**
 * Small grayscale images (filters, digits, feature maps) tiled into one picture, each scaled up
 * by whole pixels (nearest neighbour) and stretched over its own min..max like matplotlib's
 * {@code imshow}, with an optional caption under each tile and a title on top.
 */
public final class ImageGrid {
    private static final int GAP = 6, TITLE = 30;

    /** One tile: h x w values, row-major. */
    public record Tile(float[] pixels, int h, int w, String caption) {
        public Tile {
            if (pixels.length != h * w) throw new IllegalArgumentException(pixels.length + " pixels for a " + h + "x" + w + " tile");
        }
    }

    private ImageGrid() {}

    /**
     * @param scale    screen pixels per value
     * @param reversed true: high values dark (the book's filters use matplotlib's gray_r);
     *                 false: high values light (MNIST digits as they are stored, white on black)
     */
    public static BufferedImage render(String title, List<Tile> tiles, int cols, int scale, boolean reversed) {
        if (tiles.isEmpty()) throw new IllegalArgumentException("no images to draw");
        int th = 0, tw = 0;
        for (Tile t : tiles) { th = Math.max(th, t.h * scale); tw = Math.max(tw, t.w * scale); }
        boolean captions = tiles.stream().anyMatch(t -> t.caption != null && !t.caption.isEmpty());
        Font font = new Font(Font.SANS_SERIF, Font.PLAIN, 11);
        int captionH = captions ? 16 : 0;
        int cellW = Math.max(tw, captions ? widest(tiles, font) : 0) + GAP, cellH = th + captionH + GAP;
        cols = Math.max(1, Math.min(cols, tiles.size()));
        int rows = (tiles.size() + cols - 1) / cols;
        Font titleFont = new Font(Font.SANS_SERIF, Font.BOLD, 14);
        int width = Math.max(cols * cellW + GAP, 2 * GAP + textWidth(title, titleFont)), height = TITLE + rows * cellH + GAP;
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.BLACK);
        g.setFont(titleFont);
        g.drawString(title, GAP, 20);
        g.setFont(font);
        FontMetrics fm = g.getFontMetrics();
        for (int i = 0; i < tiles.size(); i++) {
            Tile t = tiles.get(i);
            int x0 = GAP + (i % cols) * cellW, y0 = TITLE + (i / cols) * cellH;
            float lo = Float.POSITIVE_INFINITY, hi = Float.NEGATIVE_INFINITY;
            for (float v : t.pixels) { if (v < lo) lo = v; if (v > hi) hi = v; }
            float span = hi > lo ? hi - lo : 1;
            for (int r = 0; r < t.h; r++) {
                for (int c = 0; c < t.w; c++) {
                    float v = Float.isFinite(t.pixels[r * t.w + c]) ? (t.pixels[r * t.w + c] - lo) / span : 0;
                    int gray = Math.round(255 * (reversed ? 1 - v : v));
                    g.setColor(new Color(gray, gray, gray));
                    g.fillRect(x0 + c * scale, y0 + r * scale, scale, scale);
                }
            }
            g.setColor(Color.LIGHT_GRAY);
            g.drawRect(x0 - 1, y0 - 1, t.w * scale + 1, t.h * scale + 1);
            if (t.caption != null && !t.caption.isEmpty()) {
                g.setColor(Color.BLACK);
                g.drawString(t.caption, x0, y0 + th + fm.getAscent() + 2);
            }
        }
        g.dispose();
        return img;
    }

    private static int widest(List<Tile> tiles, Font font) {
        int w = 0;
        for (Tile t : tiles) if (t.caption != null) w = Math.max(w, textWidth(t.caption, font));
        return w;
    }

    private static int textWidth(String text, Font font) {
        Graphics2D g = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB).createGraphics();
        int w = g.getFontMetrics(font).stringWidth(text);
        g.dispose();
        return w;
    }
}
