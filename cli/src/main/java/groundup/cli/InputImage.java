package groundup.cli;

import groundup.errors.InvalidFileException;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.DirectColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/**
 * A 28x28 image file as a network's input: one value in [0, 1] per pixel, row by row, as the
 * data loader makes MNIST's bytes (b / 255). Read from the file's own samples, never through
 * Java's colour conversion ({@code getRGB} turns a linear-gray 84 into 155), and gamma or ICC
 * chunks are ignored: a stored value is the pixel's value, as in MNIST's files.
 * <ul>
 * <li>gray, any bit depth (1, 2, 4, 8, 16): sample / (2^bits - 1), so a 16-bit 84*257 is 84/255;
 * <li>palette: each index's palette colour, then as RGB;
 * <li>RGB, 8 or 16 bits: the gray value where R = G = B; else the luma of the stored values,
 *     0.299 R + 0.587 G + 0.114 B (Rec. 601);
 * <li>an alpha channel, gray or RGB or palette: fully opaque only; a transparent pixel is an
 *     error (its value would depend on a background that MNIST does not have);
 * <li>any other size than 28x28, any other colour model, a file that is no image: an error
 *     naming the file and what it is.
 * </ul>
 * Other formats Java reads (JPEG, GIF, BMP) follow the same rules.
 */
final class InputImage {
    static final int SIZE = 28;

    private InputImage() {}

    /** The 28*28 values of {@code file}, inverted (1 - v) if {@code invert}: a dark digit on a light background. */
    static float[] read(Path file, boolean invert) throws IOException {
        if (!Files.isRegularFile(file)) throw new InvalidFileException(file, "no such file");
        BufferedImage img;
        try {
            img = ImageIO.read(file.toFile());
        } catch (IOException | RuntimeException e) {
            throw new InvalidFileException(file, "is not a readable image (" + e.getMessage() + ")");
        }
        if (img == null) throw new InvalidFileException(file, "is not an image Java can read (PNG, JPEG, GIF or BMP)");
        if (img.getWidth() != SIZE || img.getHeight() != SIZE) {
            throw new InvalidFileException(file, "is " + img.getWidth() + "x" + img.getHeight() + ", expected " + SIZE + "x" + SIZE);
        }
        float[] px = values(file, img);
        if (invert) for (int i = 0; i < px.length; i++) px[i] = 1f - px[i];
        return px;
    }

    private static float[] values(Path file, BufferedImage img) throws InvalidFileException {
        ColorModel cm = img.getColorModel();
        Raster r = img.getRaster();
        for (int bits : cm.getComponentSize()) {
            if (bits > 16) throw new InvalidFileException(file, "has " + bits + "-bit samples; expected up to 16 bits");
        }
        float[] px = new float[SIZE * SIZE];
        if (cm instanceof IndexColorModel icm) {
            for (int y = 0; y < SIZE; y++) {
                for (int x = 0; x < SIZE; x++) {
                    int i = r.getSample(x, y, 0);
                    opaque(file, icm.getAlpha(i), 255, x, y);
                    px[y * SIZE + x] = gray(icm.getRed(i), icm.getGreen(i), icm.getBlue(i), 255);
                }
            }
            return px;
        }
        if (cm instanceof DirectColorModel dcm) {       // packed RGB(A), as some BMPs; its components are stored values
            int[] bits = dcm.getComponentSize();
            for (int y = 0; y < SIZE; y++) {
                for (int x = 0; x < SIZE; x++) {
                    if (dcm.hasAlpha()) opaque(file, r.getSample(x, y, 3), (1 << bits[3]) - 1, x, y);
                    px[y * SIZE + x] = gray3(r.getSample(x, y, 0), r.getSample(x, y, 1), r.getSample(x, y, 2), bits);
                }
            }
            return px;
        }
        int space = cm.getColorSpace().getType(), colors = cm.getNumColorComponents();
        boolean grayOrRgb = (space == ColorSpace.TYPE_GRAY && colors == 1) || (space == ColorSpace.TYPE_RGB && colors == 3);
        if (!(cm instanceof ComponentColorModel) || !grayOrRgb) {
            throw new InvalidFileException(file, "has " + colors + " colour components in colour space type " + space
                    + " (" + cm.getClass().getSimpleName() + "); expected gray, palette or RGB, with or without alpha");
        }
        int[] bits = cm.getComponentSize();
        for (int y = 0; y < SIZE; y++) {
            for (int x = 0; x < SIZE; x++) {
                if (cm.hasAlpha()) opaque(file, r.getSample(x, y, colors), (1 << bits[colors]) - 1, x, y);
                px[y * SIZE + x] = colors == 1 ? r.getSample(x, y, 0) / (float) ((1 << bits[0]) - 1)
                        : gray3(r.getSample(x, y, 0), r.getSample(x, y, 1), r.getSample(x, y, 2), bits);
            }
        }
        return px;
    }

    private static float gray3(int red, int green, int blue, int[] bits) {
        if (bits[0] == bits[1] && bits[1] == bits[2]) return gray(red, green, blue, (1 << bits[0]) - 1);
        double r = red / (double) ((1 << bits[0]) - 1), g = green / (double) ((1 << bits[1]) - 1), b = blue / (double) ((1 << bits[2]) - 1);
        return r == g && g == b ? (float) r : (float) (0.299 * r + 0.587 * g + 0.114 * b);
    }

    /** Stored samples of {@code max}: R itself where R = G = B (exactly as a gray file), else Rec. 601 luma. */
    private static float gray(int r, int g, int b, int max) {
        if (r == g && g == b) return r / (float) max;
        return (float) ((0.299 * r + 0.587 * g + 0.114 * b) / max);
    }

    private static void opaque(Path file, int alpha, int max, int x, int y) throws InvalidFileException {
        if (alpha != max) {
            throw new InvalidFileException(file, "has transparent pixels (alpha " + alpha + " of " + max + " at x " + x + ", y " + y
                    + "); save it without transparency, on the background the digit is drawn on");
        }
    }
}
