package groundup.experiments;

import groundup.files.AtomicFiles;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.internal.chartpart.Chart;

/** PNG files, each written to a temporary file and renamed: a crash never leaves half a picture. */
public final class Pictures {
    private Pictures() {}

    public static void write(BufferedImage img, Path file) throws IOException {
        AtomicFiles.write(file, tmp -> {
            if (!ImageIO.write(img, "png", tmp.toFile())) throw new IOException("no PNG writer in this Java");
        });
    }

    public static void write(Chart<?, ?> chart, Path file) throws IOException {
        AtomicFiles.write(file, tmp -> {
            try (OutputStream out = Files.newOutputStream(tmp)) {
                BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG);
            }
        });
    }

    /** Charts tiled into one PNG, {@code cols} to a row, in order; a short last row leaves white. */
    public static <C extends Chart<?, ?>> void write(List<C> charts, int cols, Path file) throws IOException {
        List<BufferedImage> images = charts.stream().map(BitmapEncoder::getBufferedImage).toList();
        write(stack(images, cols), file);
    }

    /** Images tiled {@code cols} to a row on white: each column as wide as its widest image, each row as tall as its tallest. */
    public static BufferedImage stack(List<BufferedImage> images, int cols) {
        cols = Math.max(1, Math.min(cols, images.size()));
        int rows = (images.size() + cols - 1) / cols;
        int[] x = new int[cols + 1], y = new int[rows + 1];
        for (int k = 0; k < images.size(); k++) {
            x[k % cols + 1] = Math.max(x[k % cols + 1], images.get(k).getWidth());
            y[k / cols + 1] = Math.max(y[k / cols + 1], images.get(k).getHeight());
        }
        for (int c = 0; c < cols; c++) x[c + 1] += x[c];
        for (int r = 0; r < rows; r++) y[r + 1] += y[r];
        BufferedImage out = new BufferedImage(x[cols], y[rows], BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, out.getWidth(), out.getHeight());
        for (int k = 0; k < images.size(); k++) g.drawImage(images.get(k), x[k % cols], y[k / cols], null);
        g.dispose();
        return out;
    }
}
