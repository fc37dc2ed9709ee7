package groundup.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import groundup.errors.InvalidFileException;
import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.IndexColorModel;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Images are read by their stored samples, as the data loader reads MNIST's bytes (b / 255), in every PNG flavour. */
class InputImageTest {
    @TempDir Path dir;

    /** Every 8-bit value 0..255 in turn, over the 784 pixels (784 = 3 * 256 + 16). */
    private static int value(int i) { return (i * 7) % 256; }

    private static float[] expected() {
        float[] v = new float[784];
        for (int i = 0; i < 784; i++) v[i] = value(i) / 255f;
        return v;
    }

    private Path write(String name, BufferedImage img) throws Exception {
        Path f = dir.resolve(name + ".png");
        assertTrue(ImageIO.write(img, "png", f.toFile()), "a PNG writer for " + name);
        return f;
    }

    private static BufferedImage image(ColorModel cm) { return new BufferedImage(cm, cm.createCompatibleWritableRaster(28, 28), false, null); }

    /** The gamma trap: a stored 84 came back as 155 through getRGB. */
    @Test void eightBitGrayIsReadAsStored() throws Exception {
        BufferedImage g = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
        for (int i = 0; i < 784; i++) g.getRaster().setSample(i % 28, i / 28, 0, value(i));
        Path f = write("gray8", g);
        assertArrayEquals(expected(), InputImage.read(f, false));
        assertEquals(84 / 255f, InputImage.read(f, false)[12]);       // value(12) = 84
        float[] inv = InputImage.read(f, true);
        for (int i = 0; i < 784; i++) assertEquals(1f - value(i) / 255f, inv[i]);
    }

    @Test void sixteenBitGrayIsScaledBy65535() throws Exception {
        BufferedImage g = new BufferedImage(28, 28, BufferedImage.TYPE_USHORT_GRAY);
        for (int i = 0; i < 784; i++) g.getRaster().setSample(i % 28, i / 28, 0, value(i) * 257);
        assertArrayEquals(expected(), InputImage.read(write("gray16", g), false), "v * 257 / 65535 = v / 255 exactly");
    }

    @Test void lowBitDepthGrayAndPalettesGoThroughTheirPalette() throws Exception {
        byte[] ramp = {0, 85, (byte) 170, (byte) 255};
        BufferedImage g2 = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_BINARY, new IndexColorModel(2, 4, ramp, ramp, ramp));
        for (int i = 0; i < 784; i++) g2.getRaster().setSample(i % 28, i / 28, 0, i % 4);
        float[] two = InputImage.read(write("gray2", g2), false);
        for (int i = 0; i < 784; i++) assertEquals((i % 4) * 85 / 255f, two[i]);

        byte[] gray = new byte[256];
        for (int v = 0; v < 256; v++) gray[v] = (byte) (255 - v);       // a palette in another order than its indices
        BufferedImage p = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_INDEXED, new IndexColorModel(8, 256, gray, gray, gray));
        for (int i = 0; i < 784; i++) p.getRaster().setSample(i % 28, i / 28, 0, 255 - value(i));
        assertArrayEquals(expected(), InputImage.read(write("palette", p), false));

        byte[] red = {0, (byte) 200}, green = {0, 100}, blue = {0, 50};
        BufferedImage c = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_INDEXED, new IndexColorModel(8, 2, red, green, blue));
        c.getRaster().setSample(3, 0, 0, 1);
        assertEquals((float) ((0.299 * 200 + 0.587 * 100 + 0.114 * 50) / 255), InputImage.read(write("colours", c), false)[3], 1e-7);
    }

    @Test void rgbIsItsGrayValueOrElseItsLuma() throws Exception {
        BufferedImage rgb = new BufferedImage(28, 28, BufferedImage.TYPE_INT_RGB);
        for (int i = 0; i < 784; i++) rgb.setRGB(i % 28, i / 28, value(i) * 0x010101);
        assertArrayEquals(expected(), InputImage.read(write("rgb", rgb), false));
        BufferedImage argb = new BufferedImage(28, 28, BufferedImage.TYPE_INT_ARGB);
        for (int i = 0; i < 784; i++) argb.setRGB(i % 28, i / 28, 0xFF000000 | value(i) * 0x010101);
        assertArrayEquals(expected(), InputImage.read(write("rgba-opaque", argb), false));

        ColorModel c16 = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_sRGB), false, false, Transparency.OPAQUE, DataBuffer.TYPE_USHORT);
        BufferedImage r16 = image(c16);
        for (int i = 0; i < 784; i++) for (int b = 0; b < 3; b++) r16.getRaster().setSample(i % 28, i / 28, b, value(i) * 257);
        assertArrayEquals(expected(), InputImage.read(write("rgb16", r16), false));

        rgb.setRGB(5, 0, 0xC86432);
        assertEquals((float) ((0.299 * 200 + 0.587 * 100 + 0.114 * 50) / 255), InputImage.read(write("colour", rgb), false)[5], 1e-7);
    }

    @Test void grayWithAlphaIsReadWhenOpaque() throws Exception {
        ColorModel ga = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_GRAY), true, false, Transparency.TRANSLUCENT, DataBuffer.TYPE_BYTE);
        BufferedImage g = image(ga);
        for (int i = 0; i < 784; i++) {
            g.getRaster().setSample(i % 28, i / 28, 0, value(i));
            g.getRaster().setSample(i % 28, i / 28, 1, 255);
        }
        assertArrayEquals(expected(), InputImage.read(write("gray-alpha", g), false));
        g.getRaster().setSample(4, 2, 1, 0);
        Path f = write("gray-transparent", g);
        InvalidFileException e = assertThrows(InvalidFileException.class, () -> InputImage.read(f, false));
        assertTrue(e.getMessage().startsWith(f.toString()) && e.getMessage().contains("transparent") && e.getMessage().contains("x 4, y 2"),
                e.getMessage());
    }

    @Test void transparentRgbaOtherSizesAndNonImagesAreNamedErrors() throws Exception {
        BufferedImage argb = new BufferedImage(28, 28, BufferedImage.TYPE_INT_ARGB);
        Path transparent = write("transparent", argb);
        BufferedImage big = new BufferedImage(32, 28, BufferedImage.TYPE_BYTE_GRAY);
        Path wide = write("wide", big);
        Path junk = Files.writeString(dir.resolve("junk.png"), "not an image");
        BufferedImage noise = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
        for (int i = 0; i < 784; i++) noise.getRaster().setSample(i % 28, i / 28, 0, (i * 7919) % 251);
        byte[] whole = Files.readAllBytes(write("noise", noise));
        Path truncated = Files.write(dir.resolve("truncated.png"), java.util.Arrays.copyOf(whole, whole.length / 2));
        for (Object[] c : new Object[][] {{transparent, "transparent"}, {wide, "is 32x28, expected 28x28"}, {junk, "not an image"},
            {truncated, "not a readable image"}, {dir.resolve("missing.png"), "no such file"}}) {
            Path f = (Path) c[0];
            InvalidFileException e = assertThrows(InvalidFileException.class, () -> InputImage.read(f, false), f.toString());
            assertTrue(e.getMessage().startsWith(f + ": ") && e.getMessage().contains((String) c[1]), e.getMessage());
            assertEquals(1, e.getMessage().lines().count(), e.getMessage());
        }
    }
}
